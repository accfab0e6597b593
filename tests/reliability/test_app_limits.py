"""The app: bounded config files, an upload limit the server really allows, only web links."""

from __future__ import annotations

from pathlib import Path

import pytest

from critmin.app import auth
from critmin.app.server import WEBSOCKET_MAX_BYTES
from critmin.app.uploads import MAX_BYTES

MINI = Path(__file__).parents[1] / "data" / "mini"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "[auth]\nusers = " + "{a = " * 3000 + '"x"' + "}" * 3000,
            "nested 3000 levels deep (at most 32 allowed). Fix: flatten the nested arrays or tables",
        ),
        ("[auth]\nusers = {analyst = 5}", "[auth] users.analyst is not text."),
        (
            '[auth.oidc]\nclient_id = ["x"]\nauthorize_url = "a"\ntoken_url = "t"\nuser_url = "u"\n'
            'client_secret_env = "S"',
            '[auth.oidc] client_id must be text. Fix: write key = "..."',
        ),
    ],
)
def test_bad_app_config_is_a_clear_refusal(text: str, message: str, tmp_path: Path) -> None:
    path = tmp_path / "app.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(auth.AuthConfigError) as caught:
        auth.load_config(path)
    assert str(caught.value).startswith(f"{path}: {message}")


def test_websocket_takes_the_largest_upload_the_app_claims() -> None:
    import base64

    encoded = len(base64.b64encode(b"x" * MAX_BYTES))
    assert encoded < WEBSOCKET_MAX_BYTES < encoded + 8 * 2**20


def test_server_is_configured_with_the_websocket_limit() -> None:
    import time

    from critmin.app.server import serve

    server = serve("127.0.0.1", 0, data="tests/report/data/re_chain", threaded=True)
    try:
        from panel.io.state import state

        deadline = time.monotonic() + 60
        while not state._servers and time.monotonic() < deadline:
            time.sleep(0.1)
        [(bokeh_server, _, _)] = state._servers.values()
        assert bokeh_server._tornado.settings["websocket_max_message_size"] == WEBSOCKET_MAX_BYTES
    finally:
        server.stop()  # type: ignore[attr-defined]


def test_javascript_source_url_is_refused(tmp_path: Path) -> None:
    import shutil

    from critmin.data import load
    from critmin.errors import DataError

    package = Path(shutil.copytree(Path(__file__).parents[1] / "data" / "mini", tmp_path / "pkg"))
    sources = package / "sources.csv"
    text = sources.read_text(encoding="utf-8")
    sources.write_text(text.replace("https://pubs.usgs.gov", "javascript:alert(1)//pubs.usgs.gov", 1), encoding="utf-8")
    with pytest.raises(DataError) as caught:
        load(package)
    assert [str(i).replace(str(package) + "/", "") for i in caught.value.issues] == [
        "sources.csv, row 2, field 'url': 'javascript:alert(1)//pubs.usgs.gov/periodicals/mcs2026/mcs2026-rare-earths.pdf'"
        " is not an http(s) address. Fix: give the web address of the source, starting with https://."
    ]


def test_briefing_template_links_only_web_addresses() -> None:
    import jinja2

    template_dir = Path(__file__).parents[2] / "critmin" / "report" / "templates"
    line = next(
        line
        for line in (template_dir / "briefing.html.j2").read_text(encoding="utf-8").splitlines()
        if 'class="url"' in line
    )
    template = jinja2.Environment(autoescape=True).from_string(line)
    rendered = [template.render(s={"url": url}) for url in ("javascript:alert(1)", "https://example.org/a")]
    assert "<a " not in rendered[0] and "javascript:alert(1)" in rendered[0]
    assert '<a href="https://example.org/a">' in rendered[1]


def test_uploads_are_bounded_in_count_per_session() -> None:
    import critmin
    from critmin.app.uploads import MAX_FILES, MAX_UPLOADS
    from critmin.app.views import Session
    from critmin.app.views_data import DataPage

    session, other = (Session(critmin.load(MINI), "mini") for _ in range(2))
    try:
        page, other_page = DataPage(session), DataPage(other)
        for attempt in range(MAX_UPLOADS):
            page.upload.filename, page.upload.value = [f"notes{attempt}.txt"], [b"x" * (attempt + 1)]
            assert "is not a .csv or .json file" in str(page.messages.object)
        page.upload.filename, page.upload.value = ["production.csv"], [b"material\n"]
        assert (
            "<li>upload: this session already made 20 uploads in the last hour (at most 20 allowed). "
            "Fix: wait 60 minutes, or put every file in one ZIP of the data package and upload that once.</li>"
        ) in str(page.messages.object)
        assert not (session.upload_folder / "production.csv").exists()  # refused before unpacking
        assert f"A session may upload at most {MAX_UPLOADS} times an hour." in str(page.view[0].object)
        other_page.upload.filename, other_page.upload.value = ["notes.txt"], [b"x"]
        assert "is not a .csv or .json file" in str(other_page.messages.object)  # another session is not limited
    finally:
        session.close()
        other.close()
    readme = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")
    assert (
        f"at most 50 MB and {MAX_FILES} files, and a session may\nupload at most {MAX_UPLOADS} times an hour" in readme
    )
    assert MAX_BYTES == 50 * 2**20
