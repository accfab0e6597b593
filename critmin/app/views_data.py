"""Data page: upload a data package; the slow check runs beside the page, which shows its progress.

Unpacking is quick and refused uploads are answered at once. Loading and checking every row, then
computing the exposure tables the pages draw, takes seconds to tens of seconds on a large package:
that runs in a thread while the page shows the step and its percentage, and the session switches
to the new data only when both have succeeded. Before any of that, while the browser sends the
file, a script of the page itself (static/upload_note.js) says so.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from html import escape
from importlib.resources import files
from pathlib import Path
from typing import Any

import panel as pn
import xarray as xr

from critmin.app.uploads import MAX_UPLOADS, load_unpacked, unpack_fresh
from critmin.app.views import Session, _html, _intro
from critmin.model.schema import SCHEMA
from critmin.report import content
from critmin.report.html import data_version

POLL_MS = 300
STEPS = {
    "unpacked": (10, "files unpacked; reading and checking every row"),
    "loaded": (60, "every row checked; computing the exposure tables"),
    "computed": (90, "exposure computed; drawing the pages"),
}
"""Percentage shown once each step is done, and what comes next."""
SENDING_NOTE = files("critmin.app").joinpath("static/upload_note.js").read_text(encoding="utf-8")
"""Script that shows 'Sending NAME (SIZE MB)' with a spinner the moment a file is chosen."""


@dataclass
class Check:
    """Load and check an unpacked upload, then compute its exposure, in a thread."""

    folder: Path
    step: str = "unpacked"
    ds: xr.Dataset | None = None
    exposure: content.Exposure | None = None
    problems: list[str] = field(default_factory=list)
    _thread: threading.Thread | None = None

    def start(self) -> None:
        """Start the thread."""
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            ds, self.problems = load_unpacked(self.folder)
            if ds is None:
                return
            self.step = "loaded"
            self.exposure = content.exposure(ds)
            self.ds, self.step = ds, "computed"
        except Exception as error:  # reported on the page in words; the session keeps its data
            self.problems = [f"upload: the data could not be used ({type(error).__name__}: {error})"]

    @property
    def done(self) -> bool:
        """Whether the thread has finished."""
        return self._thread is not None and not self._thread.is_alive()

    def join(self) -> None:
        """Wait for the thread."""
        if self._thread is not None:
            self._thread.join()


class DataPage:
    """Upload a zipped data package or CSV files; validated into this session only."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.upload = pn.widgets.FileInput(accept=".zip,.csv,.json", multiple=True, label="Data package")
        self.reset_button = pn.widgets.Button(label="Use the packaged data again", color="default")
        self.status = _html(css_classes=["data-status"])
        self.progress = pn.indicators.Progress(value=0, max=100, width=260, visible=False, bar_color="info")
        self.upload.param.watch(self.on_upload, "value")
        self.reset_button.on_click(lambda _: self.session.use(self.session.base, self.session.base_label))
        session.listeners.append(self.show_current)
        self.messages = _html(css_classes=["data-messages"])
        self.sending_note = pn.pane.HTML(f"<script>{SENDING_NOTE}</script>", width=0, height=0, margin=0)
        self.uploads = 0  # numbers each upload's messages, so a repeated message still replaces the sending note
        self.check: Check | None = None
        self._callback: Any = None
        self._label = ""
        self.show_current()
        self.view = pn.Column(
            _intro(
                "Upload your own data package: a ZIP of the package folder, or its CSV files (and "
                "datapackage.json). It is checked like the packaged data; every problem is listed with file, "
                "row, field and fix. An upload is kept for this browser session only and is seen by no one else. "
                f"A session may upload at most {MAX_UPLOADS} times an hour."
            ),
            self.status,
            pn.Row(self.upload, self.reset_button),
            self.progress,
            self.messages,
            self.sending_note,
            sizing_mode="stretch_width",
            name="Data",
        )

    def show_current(self) -> None:
        """State which dataset this session uses."""
        ds = self.session.ds
        counts = ", ".join(f"{n} {int(ds[n].notnull().sum()):,}" for n in SCHEMA if n in ds)
        self.status.object = (
            f'<p class="current">In use: <b>{escape(self.session.label)}</b><br>'
            f"{escape(data_version(ds))}<br><small>{escape(counts)} values</small></p>"
        )

    def on_upload(self, _: object) -> None:
        """Unpack the files; check them beside the page and switch to them only when they load without a problem."""
        values, names = self.upload.value, self.upload.filename
        if not values:
            return
        self.uploads += 1
        self.upload.clear()  # choosing the same file again is a new upload
        if self.check is not None and not self.check.done:
            self.say(
                '<p class="errors">The previous upload is still being checked; this one was not taken. '
                "Choose the files again when it has finished.</p>"
            )
            return
        values = values if isinstance(values, list) else [values]
        names = names if isinstance(names, list) else [names]
        refused = self.session.upload_quota.take()  # checked first: a refused upload costs the server nothing
        problems = (
            [refused] if refused else unpack_fresh(list(zip(names, values, strict=True)), self.session.upload_folder)
        )
        if problems:
            self.refuse(problems)
            return
        self._label = "your upload: " + ", ".join(sorted(Path(n).name for n in names))
        self.check = Check(self.session.upload_folder)
        self.check.start()
        self.show_step()
        if pn.state.curdoc is not None and pn.state.curdoc.session_context is not None:
            self._callback = pn.state.add_periodic_callback(self.poll, period=POLL_MS)
        else:  # no server loop to poll from (a script): wait here
            self.check.join()
            self.poll()
            self.poll()

    def show_step(self) -> None:
        """The step reached and its percentage."""
        if self.check is None:
            return
        percent, what = STEPS[self.check.step]
        self.progress.visible, self.progress.value = True, percent
        self.say(f'<p class="progress-note">Checking the upload: {percent}% ({escape(what)})…</p>')

    def say(self, html: str) -> None:
        """Show `html` as this upload's message (it replaces the note the browser showed while sending)."""
        self.messages.object = f'<div data-upload="{self.uploads}">{html}</div>'

    def poll(self) -> None:
        """Show progress; when the check ends, refuse the upload or (on the next poll, once 90% is shown) use it."""
        check = self.check
        if check is None:
            return
        if not check.done:
            self.show_step()
            return
        if check.ds is None:
            self._stop()
            self.refuse(check.problems)
            return
        if (self.progress.value or 0) < STEPS["computed"][0]:
            self.show_step()  # drawing blocks this session for a moment: say so before it starts
            return
        self._stop()
        self.session.use(check.ds, self._label, check.exposure)
        self.say(f'<p class="ok">Loaded {escape(self._label)}. Every page now uses it.</p>')

    def refuse(self, problems: list[str]) -> None:
        """List every problem; the data in use does not change."""
        items = "".join(f"<li>{escape(line)}</li>" for line in problems)
        self.say(
            f'<div class="errors"><p><b>{len(problems)} problem(s); nothing was loaded.</b> '
            f"The data in use did not change.</p><ul>{items}</ul></div>"
        )

    def _stop(self) -> None:
        if self._callback is not None:
            self._callback.stop()
            self._callback = None
        self.progress.visible = False
        self.check = None if self.check is None or self.check.done else self.check
