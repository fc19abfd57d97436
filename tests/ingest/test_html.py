"""HTML conversion with the real parser: page chrome dropped, FAQ accordions kept with answers, charsets."""

from __future__ import annotations

from pathlib import Path

import pytest
from haystack import Document

from ingest.chunker import StructuredChunker
from ingest.converters import FileConverter, Limits, SourceFile
from ingest.converters.html import convert_html, html_metadata
from ingest.manifest import DocumentEntry

FAQ_PAGE = """<!DOCTYPE html>
<html lang="nl">
<head>
  <meta charset="utf-8">
  <title>Veelgestelde vragen Wmo | Gemeente Denkstad</title>
  <meta name="dcterms.modified" content="2031-03-05T10:00:00+01:00">
  <link rel="canonical" href="https://www.denkstad.example/wmo/faq">
  <script>window.tracker = "SCRIPTTEKST";</script>
  <style>.banner { color: red; } /* STIJLTEKST */</style>
</head>
<body>
  <div id="cookieBanner" role="dialog">Wij gebruiken cookies (COOKIETEKST). <button>Akkoord</button></div>
  <header class="site-header"><a href="/">Denkstad</a>
    <nav><ul><li><a href="/">Home</a></li><li><a href="/zorg">NAVTEKST Zorg</a></li></ul></nav>
  </header>
  <div class="breadcrumb"><a href="/">Home</a> &gt; KRUIMELTEKST</div>
  <main>
    <h1>Veelgestelde vragen over de Wmo</h1>
    <p>Hier vindt u antwoorden op vragen over hulp&nbsp;thuis.<br>Bel ons gerust &amp; stel uw vraag.</p>
    <h2>Aanvragen</h2>
    <details>
      <summary>Hoe lang duurt de behandeling van een aanvraag?</summary>
      <p>De gemeente Denkstad beslist binnen <strong>acht weken</strong> na uw melding over de aanvraag.</p>
    </details>
    <details>
      <summary>Kan ik bezwaar maken tegen het besluit?</summary>
      <p>Ja, u kunt binnen zes weken na de datum van het besluit bezwaar maken bij de gemeente.</p>
    </details>
    <p>Staat uw vraag er niet bij? Neem dan contact op met het Wmo-loket van Denkstad.</p>
    <h2>Eigen bijdrage</h2>
    <div class="accordion" id="bijdrage">
      <div class="accordion-item">
        <h3 class="accordion-header">
          <button class="accordion-button collapsed" type="button" aria-expanded="false" aria-controls="antw-1">
            Wat kost een scootmobiel per maand?
          </button>
        </h3>
        <div id="antw-1" class="accordion-collapse collapse">
          <div class="accordion-body">U betaalt voor een scootmobiel een eigen bijdrage van maximaal 21 euro
          per maand, ongeacht uw inkomen.</div>
        </div>
      </div>
    </div>
    <button class="accordion">Wie betaalt de keuring van de traplift?</button>
    <div class="panel"><p>De leverancier betaalt de jaarlijkse keuring van de traplift.</p></div>
    <dl class="veelgesteld">
      <dt>Mag ik zelf een zorgaanbieder kiezen?</dt>
      <dd>Ja, met een persoonsgebonden budget kiest u zelf een zorgaanbieder in Denkstad.</dd>
      <dt>Wat is een pgb?</dt>
      <dd>Een persoonsgebonden budget is geld waarmee u zelf zorg inkoopt.</dd>
    </dl>
    <h2>Tarieven</h2>
    <table>
      <caption>Tarieven 2031</caption>
      <thead><tr><th>Product</th><th>Eenheid</th><th>Tarief</th></tr></thead>
      <tbody>
        <tr><td>Huishoudelijke hulp</td><td>uur</td><td>€ 35,40</td></tr>
        <tr><td rowspan="2">Begeleiding | individueel</td><td>uur</td><td>€ 71,20</td></tr>
        <tr><td>dagdeel</td><td>€ 48,10</td></tr>
        <tr><td colspan="3">Tarieven onder voorbehoud</td></tr>
      </tbody>
    </table>
    <ul><li>Vul het formulier in</li><li>Stuur de bijlagen mee<ul><li>uw identiteitsbewijs</li></ul></li></ul>
    <ol start="3"><li>Wacht op de uitnodiging</li><li>Voer het gesprek</li></ol>
    <dl><dt>Telefoon</dt><dd>14 0123</dd></dl>
    <aside>ASIDETEKST Gerelateerde pagina's</aside>
    <form class="feedback"><label>Was deze pagina nuttig? FORMTEKST</label><input type="text"></form>
  </main>
  <footer class="site-footer">FOOTERTEKST Contact en privacy</footer>
  <noscript>NOSCRIPTTEKST</noscript>
</body>
</html>
"""


def _source(path: Path) -> SourceFile:
    return SourceFile(path, DocumentEntry(id="faq", title="FAQ Wmo Denkstad", file=path.name), "hash")


def _convert(tmp_path: Path, name: str, content: str | bytes) -> tuple[list[Document], dict[str, str]]:
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    result = FileConverter().run([_source(path)])
    return result["documents"], {f.file: f.reason for f in result["failures"]}


def _markdown(tmp_path: Path, content: str | bytes, name: str = "pagina.html") -> str:
    docs, failures = _convert(tmp_path, name, content)
    assert failures == {}
    (page,) = docs
    assert page.meta["markup"] == "markdown"
    return page.content


@pytest.fixture
def faq(tmp_path: Path) -> str:
    return _markdown(tmp_path, FAQ_PAGE)


def test_page_chrome_scripts_and_styles_are_dropped(faq: str) -> None:
    for noise in ("SCRIPTTEKST", "STIJLTEKST", "COOKIETEKST", "NAVTEKST", "KRUIMELTEKST", "ASIDETEKST",
                  "FORMTEKST", "FOOTERTEKST", "NOSCRIPTTEKST", "Akkoord"):
        assert noise not in faq
    assert faq.startswith("# Veelgestelde vragen over de Wmo\n\n")


def test_entities_decoded_and_br_is_a_line_break(faq: str) -> None:
    assert "Hier vindt u antwoorden op vragen over hulp thuis.\nBel ons gerust & stel uw vraag." in faq


def test_accordion_questions_are_headings_below_their_section(faq: str) -> None:
    for section, question, answer in [
        ("## Aanvragen", "### Hoe lang duurt de behandeling van een aanvraag?", "De gemeente Denkstad beslist"),
        ("## Aanvragen", "### Kan ik bezwaar maken tegen het besluit?", "Ja, u kunt binnen zes weken"),
        ("## Eigen bijdrage", "### Wat kost een scootmobiel per maand?", "U betaalt voor een scootmobiel"),
        ("## Eigen bijdrage", "### Wie betaalt de keuring van de traplift?", "De leverancier betaalt"),
        ("## Eigen bijdrage", "### Mag ik zelf een zorgaanbieder kiezen?", "Ja, met een persoonsgebonden"),
        ("## Eigen bijdrage", "### Wat is een pgb?", "Een persoonsgebonden budget is geld"),
    ]:
        assert f"{question}\n\n{answer}" in faq
        assert faq.index(section) < faq.index(question)
    assert faq.count("U betaalt voor een scootmobiel") == 1  # the panel is written once, as the answer


def test_faq_question_and_answer_end_up_in_the_same_passage(tmp_path: Path) -> None:
    docs, _ = _convert(tmp_path, "faq.html", FAQ_PAGE)
    chunks = StructuredChunker().run(docs)["documents"]

    def passage(words: str) -> Document:
        (found,) = [c for c in chunks if words in c.content]
        return found

    for question, answer in [
        ("Hoe lang duurt de behandeling van een aanvraag?", "binnen acht weken na uw melding"),
        ("Wat kost een scootmobiel per maand?", "maximaal 21 euro"),
        ("Wie betaalt de keuring van de traplift?", "jaarlijkse keuring"),
        ("Mag ik zelf een zorgaanbieder kiezen?", "kiest u zelf een zorgaanbieder"),
    ]:
        chunk = passage(answer)
        assert chunk.content.startswith(question + "\n")
        assert chunk.meta["heading_path"][-1] == question
    # Text after the accordion belongs to the section again, not to the last question.
    assert passage("Staat uw vraag er niet bij?").meta["heading_path"] == [
        "Veelgestelde vragen over de Wmo", "Aanvragen"]


def test_table_list_and_definitions(faq: str) -> None:
    lines = faq.split("\n")
    start = lines.index("| Product | Eenheid | Tarief |")
    assert lines[start - 2] == "Tarieven 2031"  # the caption
    assert lines[start + 1 : start + 6] == [
        "| --- | --- | --- |",
        "| Huishoudelijke hulp | uur | € 35,40 |",
        "| Begeleiding \\| individueel | uur | € 71,20 |",
        "| Begeleiding \\| individueel | dagdeel | € 48,10 |",  # rowspan: repeated in each row
        "| Tarieven onder voorbehoud |  |  |",  # colspan: written once
    ]
    assert "- Vul het formulier in\n- Stuur de bijlagen mee\n- uw identiteitsbewijs" in faq
    assert "3. Wacht op de uitnodiging\n\n4. Voer het gesprek" in faq
    assert "- Telefoon: 14 0123" in faq  # a definition list that is no FAQ


def test_article_is_the_content_when_there_is_no_main(tmp_path: Path) -> None:
    page = """<html><body><div class="menu">MENUTEKST</div>
    <article><header><h1>Nieuws: nieuw loket</h1></header><p>Het Wmo-loket van Denkstad verhuist.</p>
    <footer>Deel dit bericht</footer></article><div>ZIJTEKST buiten het artikel</div></body></html>"""
    assert _markdown(tmp_path, page) == "# Nieuws: nieuw loket\n\nHet Wmo-loket van Denkstad verhuist.\n"


def test_an_almost_empty_main_is_not_trusted(tmp_path: Path) -> None:
    filler = " ".join(["De gemeente Denkstad helpt inwoners met vervoer naar school en werk."] * 40)
    page = f"""<html><body><main><div class="hero">Welkom</div></main>
    <div class="content"><h2>Leerlingenvervoer</h2><p>{filler}</p></div><footer>FOOTERTEKST</footer></body></html>"""
    text = _markdown(tmp_path, page)
    assert text.startswith("Welkom\n\n## Leerlingenvervoer\n\nDe gemeente Denkstad helpt") and "FOOTERTEKST" not in text


def test_page_wide_form_and_layout_table_keep_their_content(tmp_path: Path) -> None:
    page = """<html><body><form id="aspnetForm"><div id="mainNav">NAVTEKST</div>
    <table role="presentation"><tr><td><h2>Hulpmiddelen</h2><p>Een rolstoel vraagt u aan bij het loket.</p></td>
    </tr></table></form></body></html>"""
    assert _markdown(tmp_path, page) == "## Hulpmiddelen\n\nEen rolstoel vraagt u aan bij het loket.\n"


def test_faq_list_items_with_question_classes(tmp_path: Path) -> None:
    page = """<html><body><main><h2>Vragen over jeugdhulp</h2><ul class="faq-list">
    <li class="faq-item"><div class="faq-item__question">Wie beslist over jeugdhulp?</div>
    <div class="faq-item__answer"><p>Het jeugdteam van Denkstad beslist na een gesprek.</p></div></li>
    <li class="faq-item"><h3 class="faq-title"><a href="#a2" aria-expanded="false">Wat kost jeugdhulp?</a></h3>
    <div id="a2" hidden>Jeugdhulp is gratis voor ouders.</div></li></ul></main></body></html>"""
    assert _markdown(tmp_path, page) == (
        "## Vragen over jeugdhulp\n\n### Wie beslist over jeugdhulp?\n\n"
        "Het jeugdteam van Denkstad beslist na een gesprek.\n\n"
        "### Wat kost jeugdhulp?\n\nJeugdhulp is gratis voor ouders.\n"
    )


# -- charsets, mislabelled and empty files ---------------------------------------------------------------


@pytest.mark.parametrize(("name", "data"), [
    ("meta-cp1252.html", '<html><head><meta charset="windows-1252"></head><body><p>Financiële € bijdrage</p>'
                         "</body></html>".encode("cp1252")),
    ("meta-latin1.html", '<html><head><meta http-equiv="Content-Type" content="text/html; charset=iso-8859-1">'
                         "</head><body><p>Financiële € bijdrage</p></body></html>".encode("cp1252")),
    ("bom.html", "\ufeff<html><body><p>Financiële € bijdrage</p></body></html>".encode()),
    ("utf16.html", "\ufeff<html><body><p>Financiële € bijdrage</p></body></html>".encode("utf-16-le")),
    ("zonder.html", "<html><body><p>Financiële € bijdrage</p></body></html>".encode("cp1252")),
    ("liegt.html", '<html><head><meta charset="utf-8"></head><body><p>Financiële € bijdrage</p>'
                   "</body></html>".encode("cp1252")),
])
def test_charset_from_bom_or_meta_with_fallback(tmp_path: Path, name: str, data: bytes) -> None:
    assert _markdown(tmp_path, data, name) == "Financiële € bijdrage\n"


def test_html_named_txt_is_read_as_html(tmp_path: Path) -> None:
    text = _markdown(tmp_path, "\n<!-- opgeslagen pagina -->\n" + FAQ_PAGE, name="pagina.txt")
    assert "### Wat kost een scootmobiel per maand?" in text and "NAVTEKST" not in text


def test_html_without_text_is_reported(tmp_path: Path) -> None:
    _, failures = _convert(tmp_path, "leeg.html", "<!DOCTYPE html><html><head><title>Leeg</title></head>"
                                                   "<body><nav>Alleen menu</nav><script>x()</script></body></html>")
    assert failures == {"leeg.html": "geen tekst gevonden in het bestand"}


def test_absurd_nesting_and_table_rows_are_handled(tmp_path: Path) -> None:
    deep = "<html><body>" + "<div>" * 5000 + "<p>Diep verstopte tekst.</p>" + "</div>" * 5000 + "</body></html>"
    assert _markdown(tmp_path, deep) == "Diep verstopte tekst.\n"
    path = tmp_path / "tabel.html"
    path.write_text("<table>" + "<tr><td>a</td><td>b</td></tr>" * 10 + "</table>", encoding="utf-8")
    with pytest.raises(Exception, match="te veel tabelrijen"):
        convert_html(path, Limits(max_rows=5))


# -- metadata ------------------------------------------------------------------------------------------


def test_metadata_title_date_and_url(tmp_path: Path) -> None:
    path = tmp_path / "faq.html"
    path.write_text(FAQ_PAGE, encoding="utf-8")
    assert html_metadata(path) == {"title": "Veelgestelde vragen Wmo", "date": "2031-03-05",
                                   "url": "https://www.denkstad.example/wmo/faq"}
    path.write_text("<html><body><h1>Protocol  jeugdhulp</h1><time datetime='2030-11'>november</time>"
                    "</body></html>", encoding="utf-8")
    assert html_metadata(path) == {"title": "Protocol jeugdhulp", "date": "2030-11"}
    path.write_bytes(b"\x00\x01binair")
    assert html_metadata(path) == {}
