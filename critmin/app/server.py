"""``critmin app``: the web app, served by Panel on 127.0.0.1 unless a login is configured.

Why Panel: it has a built-in login (basic, with our PBKDF2 check, or OAuth/OIDC), it serves its
own JavaScript and CSS (``inline=True``: the page loads nothing from any other host, so the app
works offline and behind an air gap), and its callbacks are plain Python, so every page calls
the same functions as the briefing and the command line, with no second implementation in
JavaScript. Each browser session is built afresh (:func:`critmin.app.views.session_view`), so
state is per session.

Examples
--------
>>> import argparse
>>> args = add_arguments(argparse.ArgumentParser()).parse_args(["--port", "5100"])
>>> args.host, args.port, args.data, args.config
('127.0.0.1', 5100, None, None)
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from importlib.resources import files
from pathlib import Path
from typing import Any

import xarray as xr

from critmin.app.auth import AppConfig, check_bind, load_config, server_options
from critmin.app.uploads import MAX_BYTES
from critmin.errors import CritminError

WEBSOCKET_MAX_BYTES = MAX_BYTES * 4 // 3 + 4 * 2**20
"""Largest browser message: an upload of MAX_BYTES arrives base64-encoded (4/3 larger), plus framing."""
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 5006
STATIC = Path(str(files("critmin.app") / "static"))


def _dataset(data: str | Path | None) -> tuple[xr.Dataset, str]:
    from critmin.data import load

    ds = load(data)
    label = "packaged critmin dataset" if data is None else f"data package {Path(data).name}"
    return ds, label


def build_app(data: str | Path | None = None, config: AppConfig | None = None) -> Callable[[], Any]:
    """A function that builds the app for one browser session (pass it to ``panel.serve``).

    Parameters
    ----------
    data : path, optional
        A data package overriding or replacing the packaged dataset (loaded and checked once).
    config : AppConfig, optional
        Settings from the config file (unused by the pages; login is set up by :func:`serve`).
    """
    import panel as pn

    from critmin.app.views import session_view

    pn.extension(
        inline=True, raw_css=[(STATIC / "app.css").read_text(encoding="utf-8")], notifications=False, design=None
    )
    pn.config.inline = True  # type: ignore[misc]  # panel declares config.inline a read-only property; it has a setter at runtime
    serve_panel_css_locally()
    from critmin.report.content import exposure

    base, label = _dataset(data)
    shared = exposure(base)  # computed once; sessions on the base data share it read-only
    from critmin.app.views_outlook import warm

    warm(base)  # the Outlook page's default scenario, in the background

    def app() -> Any:
        return session_view(base, label, shared)

    return app


def serve_panel_css_locally() -> None:
    """Make Panel point the stylesheets of components built outside a page render at this server.

    Panel resolves a component's stylesheets (``loading.css`` among them) against the page's
    ``dist_url``; a component built in a callback with no document (after an upload or a session
    switch) falls back to Panel's CDN, which a browser on a closed network cannot reach. Panel
    serves the same files under ``/static/extensions/panel/``; that is the fallback here.
    """
    import panel.reactive
    from panel.io.resources import LOCAL_DIST

    panel.reactive.CDN_DIST = f"/{LOCAL_DIST}"  # type: ignore[attr-defined]


def serve(
    host: str = DEFAULT_HOST,
    port: int = DEFAULT_PORT,
    data: str | Path | None = None,
    config: str | Path | None = None,
    *,
    threaded: bool = False,
    show: bool = False,
) -> Any:
    """Serve the app; refuses a non-local `host` unless `config` configures a login.

    Parameters
    ----------
    host : str, default "127.0.0.1"
        Address to bind to.
    port : int, default 5006
        Port (0 picks a free one).
    data : path, optional
        Data package to use instead of, or over, the packaged dataset.
    config : path, optional
        TOML config file with an ``[auth]`` section (:mod:`critmin.app.auth`).
    threaded : bool, default False
        Run the server in a background thread and return it (for tests); otherwise block.
    show : bool, default False
        Open a browser tab.

    Raises
    ------
    BindRefused
        When `host` is not a loopback address and no login is configured.
    """
    import panel as pn

    settings = load_config(config)
    check_bind(host, settings)
    options = server_options(settings, STATIC / "login.html")
    app = build_app(data, settings)
    origins = [f"{host}:{port}", f"localhost:{port}", f"127.0.0.1:{port}"]
    return pn.serve(
        {"/": app},
        address=host,
        port=port,
        websocket_origin=origins,
        show=show,
        threaded=threaded,
        title="critmin",
        static_dirs={"critmin-static": str(STATIC)},
        websocket_max_message_size=WEBSOCKET_MAX_BYTES,
        **options,
    )


def add_arguments(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """The options of ``critmin app``, added to `parser`."""
    parser.add_argument(
        "--host",
        default=DEFAULT_HOST,
        help="address to bind to (default 127.0.0.1; any other needs a login in --config)",
    )
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help="port (default 5006)")
    parser.add_argument("--data", default=None, help="data package to use over the packaged dataset")
    parser.add_argument("--config", default=None, help="TOML config file with [auth] users or [auth.oidc]")
    parser.add_argument("--show", action="store_true", help="open a browser tab")
    return parser


def run(args: argparse.Namespace) -> int:
    """Serve with parsed options; exit status 2 on refusal or bad input."""
    try:
        check_bind(args.host, load_config(args.config))  # refuse before announcing an address
        print(f"critmin app on http://{args.host}:{args.port}/ (Ctrl-C stops it)", flush=True)
        serve(args.host, args.port, args.data, args.config, show=args.show)
    except CritminError as error:  # a refused bind (BindRefused) or bad data (DataError)
        print(f"critmin app: {error}", file=sys.stderr)
        return 2
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``python -m critmin.app.server`` (the same as ``critmin app``)."""
    parser = argparse.ArgumentParser(prog="critmin app", description="Serve the critmin web app.")
    return run(add_arguments(parser).parse_args(argv))


if __name__ == "__main__":
    raise SystemExit(main())
