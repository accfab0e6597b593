"""A run started from a page: a child-process job with a progress bar, a status line and Cancel."""

from __future__ import annotations

import threading
import time
from html import escape
from typing import Any

import panel as pn

from critmin.app.jobs import Job
from critmin.app.views import _html

POLL_MS = 400
STARTED, RUNNING = 2, 10
"""Percentages shown once a run is clicked and once its process runs; the draws fill the rest."""


class Runner:
    """Start, poll and cancel one :class:`Job` from a page, with a progress bar and status line."""

    def __init__(self, on_done: Any) -> None:
        self.progress = pn.indicators.Progress(active=False, value=0, max=100, width=260, visible=False)
        self.cancel = pn.widgets.Button(label="Cancel", color="warning", visible=False)
        self.status = _html(css_classes=["run-status"])
        self.cancel.on_click(lambda _: self.stop())
        self.job: Job | None = None
        self._starter: threading.Thread | None = None
        self._clicked = 0.0
        self._callback: Any = None
        self._on_done = on_done

    def start(self, job: Job) -> None:
        """Show progress at once, start `job` beside the page and poll it until it ends.

        Starting the child process blocks for seconds (a fresh interpreter imports the engine and
        receives the dataset), so it happens in a thread: the click is answered before that.
        """
        self.stop()
        self.job = job
        self._clicked = time.monotonic()
        self.progress.visible = self.cancel.visible = True
        self.progress.active, self.progress.value = False, STARTED
        self.status.object = f"<p>{STARTED}%: starting the engine in a fresh process with the data in use…</p>"
        self._starter = threading.Thread(target=job.start, daemon=True)  # started by the first poll, once
        self._callback = pn.state.add_periodic_callback(self.poll, period=POLL_MS)  # the page shows the above

    def poll(self) -> None:
        """Check the job; show its outcome when it ends."""
        if self.job is None:
            return
        if self._starter is not None and self._starter.ident is None:
            self._starter.start()
        status = self.job.poll()
        waited = time.monotonic() - self._clicked
        if status == "new":
            self.status.object = f"<p>{STARTED}%: starting the engine in a fresh process… {waited:.0f} s</p>"
            return
        if status == "running":
            percent = RUNNING + int((100 - RUNNING) * self.job.fraction)
            self.progress.value = percent
            self.status.object = (
                f"<p>{percent}%: running, {waited:.0f} s; {self.job.fraction:.0%} of the draws done "
                "(the percentage moves as each batch of draws ends)</p>"
            )
            return
        self._finish()
        if status == "done":
            self.status.object = f"<p>Finished in {self.job.elapsed:.0f} s.</p>"
            self._on_done(self.job.result)
        else:
            self.status.object = f'<p class="absent">The run did not finish: {escape(self.job.message)}</p>'

    def stop(self) -> None:
        """Cancel a running job."""
        if self._starter is not None and self._starter.ident is not None:
            self._starter.join()  # a job still starting is cancelled once it has started
        self._starter = None
        if self.job is not None and self.job.status in ("new", "running"):
            if self.job.status == "running":
                self.job.cancel()
            else:  # cancelled before its process was started: it never will be
                self.job.status, self.job.message = "cancelled", "cancelled by the user"
            self.status.object = '<p class="absent">Cancelled; no result was kept.</p>'
        self._finish()

    def _finish(self) -> None:
        if self._callback is not None:
            self._callback.stop()
            self._callback = None
        self.progress.active, self.progress.visible, self.cancel.visible = False, False, False
