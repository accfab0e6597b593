"""One glossary, word for word in the CLI, the briefing and the app; tail figures carry their sample size."""

from __future__ import annotations

from html import unescape

import critmin
from critmin.cli import main
from critmin.glossary import TERMS, glossary_text, tail_caveat


def test_cli_prints_the_glossary(capsys):
    assert main(["glossary"]) == 0
    out = capsys.readouterr().out
    assert out == glossary_text() + "\n"
    for term in ("grade V", "HHI", "N-1", "CVaR 95%", "stockpile holder codes"):
        assert f"{term}: {TERMS[term]}." in out
    assert "KOR-KOMIR" in out and "ALLIANCE" in out and "0-1 scale" in out


def test_briefing_has_the_same_glossary():
    from critmin.report.html import render_html

    html = unescape(render_html(critmin.load("tests/report/data/re_chain")))
    section = html.split('<section id="glossary" class="appendix">', 1)[1].split("</section>", 1)[0]
    for term, meaning in TERMS.items():
        assert f"<dt>{term}</dt><dd>{meaning}.</dd>" in section


def test_tail_caveat_names_the_draws():
    assert tail_caveat(12) == "from 12 draws, worst 5% = 1 draw: rough"
    assert tail_caveat(400) == "from 400 draws, worst 5% = 20 draws"
