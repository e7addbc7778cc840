"""Document text made safe for Markdown and HTML, citation markers made links."""
from __future__ import annotations

from webapp.escape import link_markers, md_escape, passage_html, source_label


def test_md_escape_neutralises_markdown_and_html_but_keeps_markers():
    text = ("Zie [klik](http://evil.example) <script>alert(1)</script> **vet** :red[rood] $x$ a|b [1].\n"
            "- punt een [2]\n# kop\n[3]: http://evil.example")
    out = md_escape(text)
    assert "<script>" not in out and "&lt;script&gt;" in out
    assert "\\[klik\\]\\(http" in out and "\\*\\*vet\\*\\*" in out and "\\:red\\[rood\\]" in out
    assert "\\$x\\$" in out and "a\\|b" in out
    assert " [1]." in out and "- punt een [2]" in out  # markers readable, list kept
    assert "\n\\# kop" in out
    assert "\\[3\\]: http" in out  # no link reference definition


def test_md_escape_keeps_bare_urls_and_addresses_from_becoming_links():
    out = md_escape("Mail info@twenteboard.nl of kijk op www.twenteboard.nl en https://evil.example/x")
    for pattern in ("https://", "www.", "info@"):
        assert pattern not in out  # each is split by an invisible word joiner
    assert out.replace("\u2060", "") == "Mail info@twenteboard.nl of kijk op www.twenteboard.nl en https://evil.example/x"


def test_link_markers_link_known_citations_only():
    out = link_markers(md_escape("Eerste [1]. Beide [1, 2]. Onbekend [7]. Tekst \\[3\\]."), "bron-t1", {1, 2})
    assert 'Eerste [<a href="#bron-t1-1" class="tb-cite">1</a>]' in out
    assert '[<a href="#bron-t1-1" class="tb-cite">1</a>, <a href="#bron-t1-2" class="tb-cite">2</a>]' in out
    assert "Onbekend [7]" in out  # no source to link to
    assert "bron-t1-3" not in out


def test_passage_html_escapes_and_marks_the_quote():
    text = "Kop\nDe deal <b>is</b> 50 miljoen. Naar verwachting meer.\nSlot"
    out = passage_html(text, "De deal <b>is</b> 50 miljoen. … Naar verwachting meer.")
    assert "<b>" not in out and "&lt;b&gt;" in out
    assert out.count("<mark>") == 2  # each "…"-separated piece of the quote
    assert "Kop<br><mark>" in out and "</mark><br>Slot" in out
    assert "\n" not in out  # one raw HTML block: the escaped text is never parsed as Markdown
    assert passage_html("geen citaat hier", "iets anders").count("<mark") == 0


def test_source_label_prefers_the_printed_page_number():
    assert source_label(2, "Plan", 7, "3.1 Opgave") == "[2] Plan — p. 7 / 3.1 Opgave"
    assert source_label(2, "Plan", 9, None, page_label="vii") == "[2] Plan — p. vii"
    assert source_label(1, "Regio Deal", None, "Regio Deal") == "[1] Regio Deal"
    assert source_label(None, "A_b", None, None) == "A\\_b"
