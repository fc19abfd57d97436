"""DOCX conversion with real python-docx files: order, headings, lists, tables, FAQ, broken and hostile files."""

from __future__ import annotations

import datetime as dt
import re
import shutil
import time
import zipfile
from collections.abc import Callable
from pathlib import Path

import docx
import pytest
from docx.enum.style import WD_STYLE_TYPE
from haystack import Document

from ingest.chunker import StructuredChunker
from ingest.converters import ConversionError, FileConverter, Limits, SourceFile
from ingest.converters.docx import convert_docx, docx_metadata
from ingest.manifest import DocumentEntry

Build = Callable[[docx.document.Document], None]


def _save(path: Path, build: Build) -> Path:
    document = docx.Document()
    build(document)
    document.save(str(path))
    return path


def _convert(path: Path, **limits: int) -> tuple[list[Document], dict[str, str]]:
    entry = DocumentEntry(id="doc", title="Testdocument", file=path.name)
    result = FileConverter(limits=limits or None).run([SourceFile(path, entry, "hash")])
    return result["documents"], {f.file: f.reason for f in result["failures"]}


def _markdown(path: Path) -> str:
    docs, failures = _convert(path)
    assert failures == {}
    (page,) = docs
    assert page.meta["markup"] == "markdown"
    return page.content


def _table(document: docx.document.Document, rows: list[list[str]]) -> docx.table.Table:
    table = document.add_table(rows=len(rows), cols=len(rows[0]))
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            table.cell(r, c).text = value
    return table


def _minutes(document: docx.document.Document) -> None:
    """Fictitious minutes: title, numbered agenda headings, a table between paragraphs, a list, a FAQ."""
    document.add_heading("Notulen overleg zorgaanbieders Denkstad", 0)
    document.add_paragraph("Aanwezig: mevrouw Jansen (voorzitter), de heer Pieters, vier aanbieders.")
    document.add_heading("1. Opening", 1)
    document.add_paragraph("De voorzitter opent het overleg om 10.00 uur en heet iedereen welkom.")
    document.add_heading("2. Tarieven 2031", 1)
    document.add_paragraph("De gemeente Denkstad stelt de volgende tarieven voor begeleiding voor:")
    _table(document, [["Product", "Eenheid", "Tarief"], ["Individuele begeleiding", "uur", "€ 71,20"],
                      ["Dagbesteding | groep", "dagdeel", "€ 48,10"]])
    document.add_paragraph("De aanbieders kunnen tot 1 november schriftelijk reageren op het voorstel.")
    document.add_heading("Afspraken", 2)
    document.add_paragraph("De gemeente publiceert de tarieven op de website.", style="List Bullet")
    document.add_paragraph("Aanbieders passen hun declaraties aan per 1 januari.", style="List Bullet")
    document.add_heading("3. Vragen van aanbieders", 1)
    document.add_heading("Geldt het nieuwe tarief ook voor lopende indicaties?", 2)
    document.add_paragraph("Ja, het nieuwe tarief geldt vanaf 1 januari voor alle lopende en nieuwe indicaties "
                           "van Denkstad, ook als de toewijzing eerder is afgegeven.")


@pytest.fixture
def minutes(tmp_path: Path) -> Path:
    return _save(tmp_path / "notulen.docx", _minutes)


# -- structure -----------------------------------------------------------------------------------------


def test_headings_paragraphs_and_table_keep_document_order(minutes: Path) -> None:
    text = _markdown(minutes)
    order = ["# Notulen overleg zorgaanbieders Denkstad", "Aanwezig: mevrouw Jansen", "## 1. Opening",
             "De voorzitter opent", "## 2. Tarieven 2031", "stelt de volgende tarieven", "| Product |",
             "De aanbieders kunnen tot 1 november", "### Afspraken", "- De gemeente publiceert",
             "- Aanbieders passen", "## 3. Vragen van aanbieders",
             "### Geldt het nieuwe tarief ook voor lopende indicaties?", "Ja, het nieuwe tarief"]
    positions = [text.index(part) for part in order]
    assert positions == sorted(positions)


def test_table_is_a_pipe_table_with_the_first_row_as_header(minutes: Path) -> None:
    lines = _markdown(minutes).split("\n")
    start = lines.index("| Product | Eenheid | Tarief |")
    assert lines[start + 1 : start + 4] == [
        "| --- | --- | --- |",
        "| Individuele begeleiding | uur | € 71,20 |",
        "| Dagbesteding \\| groep | dagdeel | € 48,10 |",  # '|' in a cell is escaped
    ]


def test_heading_path_survives_chunking_and_faq_question_stays_with_its_answer(minutes: Path) -> None:
    docs, _ = _convert(minutes)
    chunks = StructuredChunker().run(docs)["documents"]
    (faq,) = [c for c in chunks if "lopende en nieuwe indicaties" in c.content]
    assert faq.meta["heading_path"] == ["Notulen overleg zorgaanbieders Denkstad", "3. Vragen van aanbieders",
                                        "Geldt het nieuwe tarief ook voor lopende indicaties?"]
    assert faq.content.startswith("Geldt het nieuwe tarief ook voor lopende indicaties?\n")
    opening = next(c for c in chunks if "opent het overleg" in c.content)
    assert opening.meta["section"] == "Notulen overleg zorgaanbieders Denkstad > 1. Opening"
    assert any("Individuele begeleiding" in c.content and c.meta["heading_path"][-1] == "2. Tarieven 2031"
               for c in chunks)


def test_merged_cells_are_written_once_across_and_repeated_down(tmp_path: Path) -> None:
    def build(document: docx.document.Document) -> None:
        table = _table(document, [["Regio", "Product", "Tarief"], ["Noord", "Begeleiding", "€ 60"],
                                  ["", "Dagbesteding", "€ 45"], ["Totaal", "", ""]])
        table.cell(1, 0).merge(table.cell(2, 0))  # vertical: Noord spans two rows
        table.cell(3, 0).merge(table.cell(3, 2)).text = "Tarieven onder voorbehoud"  # horizontal

    lines = _markdown(_save(tmp_path / "tabel.docx", build)).strip().split("\n")
    assert lines == [
        "| Regio | Product | Tarief |",
        "| --- | --- | --- |",
        "| Noord | Begeleiding | € 60 |",
        "| Noord | Dagbesteding | € 45 |",
        "| Tarieven onder voorbehoud |  |  |",
    ]


def test_dutch_style_names_title_and_outline_levels(tmp_path: Path) -> None:
    def build(document: docx.document.Document) -> None:
        for name in ("Titel", "Kop 1", "Kop 2"):
            document.styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
        document.add_paragraph("Protocol huishoudelijke ondersteuning", style="Titel")
        document.add_paragraph("Toegang", style="Kop 1")
        document.add_paragraph("Inwoners melden zich bij het sociaal team van Denkstad.")
        document.add_paragraph("Onderzoek", style="Kop 2")
        document.add_paragraph("Het sociaal team voert binnen zes weken een gesprek.")

    assert _markdown(_save(tmp_path / "protocol.docx", build)) == (
        "# Protocol huishoudelijke ondersteuning\n\n## Toegang\n\n"
        "Inwoners melden zich bij het sociaal team van Denkstad.\n\n### Onderzoek\n\n"
        "Het sociaal team voert binnen zes weken een gesprek.\n"
    )


def test_numbered_agenda_items_followed_by_text_become_headings(tmp_path: Path) -> None:
    def build(document: docx.document.Document) -> None:
        document.add_paragraph("Verslag werkoverleg Denkstad")
        document.add_paragraph("Opening en mededelingen", style="List Number")
        document.add_paragraph("De voorzitter meldt dat het loket verhuist naar het stadskantoor.")
        document.add_paragraph("Wachtlijsten", style="List Number")
        document.add_paragraph("De wachtlijst voor begeleiding is gedaald tot twaalf weken.")
        document.add_paragraph("Wat doen we met spoedaanvragen?", style="List Number")
        document.add_paragraph("Spoedaanvragen behandelt het team binnen twee werkdagen.")
        document.add_paragraph("Aandachtspunten voor de volgende keer:")
        document.add_paragraph("de planning van de cliëntraad", style="List Bullet")
        document.add_paragraph("het jaarverslag", style="List Bullet")

    text = _markdown(_save(tmp_path / "verslag.docx", build))
    assert "# 1. Opening en mededelingen\n\nDe voorzitter meldt" in text
    assert "# 2. Wachtlijsten\n\nDe wachtlijst" in text
    assert "# 3. Wat doen we met spoedaanvragen?\n\nSpoedaanvragen" in text
    assert "- de planning van de cliëntraad\n- het jaarverslag" in text


def test_numbered_list_without_body_text_stays_a_list(tmp_path: Path) -> None:
    def build(document: docx.document.Document) -> None:
        document.add_heading("Agenda", 1)
        for item in ("Opening", "Vaststellen verslag", "Rondvraag"):
            document.add_paragraph(item, style="List Number")
        document.add_paragraph("Niet iedereen kon aanwezig zijn; de notulen volgen per e-mail aan alle leden.")

    text = _markdown(_save(tmp_path / "agenda.docx", build))
    assert "1. Opening\n\n2. Vaststellen verslag\n\n3. Rondvraag" in text
    assert text.count("#") == 1


def test_numbered_heading_styles_keep_their_number(tmp_path: Path) -> None:
    def build(document: docx.document.Document) -> None:
        num_id = document.styles["List Number"].element.pPr.numPr.numId.val  # a decimal list of the template
        for title in ("Inleiding", "Werkwijze"):
            heading = document.add_heading(title, 1)
            heading._p.get_or_add_pPr().get_or_add_numPr().get_or_add_numId().val = num_id
            document.add_paragraph(f"Tekst over {title.lower()} bij de gemeente Denkstad.")

    text = _markdown(_save(tmp_path / "genummerd.docx", build))
    assert text.startswith("# 1. Inleiding\n\nTekst over inleiding") and "# 2. Werkwijze\n\nTekst over" in text


def test_short_bold_line_followed_by_text_is_a_heading(tmp_path: Path) -> None:
    def build(document: docx.document.Document) -> None:
        document.add_heading("Werkinstructie", 1)
        document.add_paragraph().add_run("Melding ontvangen").bold = True
        document.add_paragraph("Registreer de melding dezelfde dag in het zaaksysteem.")
        document.add_paragraph().add_run("Let op: dit is een volledige zin die vetgedrukt is.").bold = True
        document.add_paragraph("Deze zin volgt op een vetgedrukte zin.")

    text = _markdown(_save(tmp_path / "instructie.docx", build))
    assert "## Melding ontvangen\n\nRegistreer" in text
    assert "\nLet op: dit is een volledige zin die vetgedrukt is.\n" in text


def test_table_of_contents_lines_are_skipped(tmp_path: Path) -> None:
    def build(document: docx.document.Document) -> None:
        document.styles.add_style("toc 1", WD_STYLE_TYPE.PARAGRAPH)
        document.add_paragraph("Inleiding\t3", style="toc 1")
        document.add_heading("Inleiding", 1)
        document.add_paragraph("Dit protocol beschrijft de werkwijze van Denkstad.")

    assert _markdown(_save(tmp_path / "inhoud.docx", build)) == (
        "# Inleiding\n\nDit protocol beschrijft de werkwijze van Denkstad.\n"
    )


def test_markup_in_body_text_is_escaped(tmp_path: Path) -> None:
    def build(document: docx.document.Document) -> None:
        document.add_paragraph("# geen kop maar tekst")
        document.add_paragraph("| ook geen tabel |")

    assert _markdown(_save(tmp_path / "tekens.docx", build)) == "\\# geen kop maar tekst\n\n\\| ook geen tabel |\n"


# -- metadata ------------------------------------------------------------------------------------------


def test_metadata_from_core_properties(tmp_path: Path) -> None:
    def build(document: docx.document.Document) -> None:
        document.core_properties.title = "Notulen overleg 12 maart"
        document.core_properties.created = dt.datetime(2031, 3, 12, 9, 30)
        document.core_properties.modified = dt.datetime(2031, 3, 14, 16, 0)
        document.add_paragraph("Tekst.")

    assert docx_metadata(_save(tmp_path / "meta.docx", build)) == {
        "title": "Notulen overleg 12 maart", "created": "2031-03-12", "modified": "2031-03-14", "date": "2031-03-14",
    }


def test_metadata_title_falls_back_to_the_first_heading(minutes: Path, tmp_path: Path) -> None:
    assert docx_metadata(minutes)["title"] == "Notulen overleg zorgaanbieders Denkstad"
    (tmp_path / "kapot.docx").write_bytes(b"PK\x03\x04 afgebroken")
    assert docx_metadata(tmp_path / "kapot.docx") == {}


# -- broken, mislabelled and hostile files -----------------------------------------------------------------


def test_docx_named_pdf_is_read_as_docx(minutes: Path, tmp_path: Path) -> None:
    renamed = tmp_path / "notulen.pdf"
    shutil.copy(minutes, renamed)
    assert "## 1. Opening" in _markdown(renamed)


def test_broken_and_mislabelled_files_get_a_dutch_reason(minutes: Path, tmp_path: Path) -> None:
    data = minutes.read_bytes()
    (tmp_path / "afgebroken.docx").write_bytes(data[: len(data) // 2])
    (tmp_path / "tekst.docx").write_text("Dit is gewoon tekst, geen Word-document.", encoding="utf-8")
    (tmp_path / "oud.docx").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600))
    with zipfile.ZipFile(tmp_path / "archief.docx", "w") as archive:
        archive.writestr("foto.txt", "geen Word")
    garbled = tmp_path / "rommel.docx"
    with zipfile.ZipFile(minutes) as source, zipfile.ZipFile(garbled, "w") as target:
        for info in source.infolist():
            body = source.read(info.filename)
            target.writestr(info, b"<w:document><niet-afgesloten" if info.filename == "word/document.xml" else body)

    reasons = {name: _convert(tmp_path / name)[1][name]
               for name in ("afgebroken.docx", "tekst.docx", "oud.docx", "archief.docx", "rommel.docx")}
    assert reasons["afgebroken.docx"] == "beschadigd Word-document (zip-archief onleesbaar of afgebroken)"
    assert reasons["tekst.docx"] == "bestand heet .docx maar is geen Word-document"
    assert reasons["oud.docx"].startswith("geen .docx: oud Word-formaat (.doc) of met een wachtwoord beveiligd")
    assert reasons["archief.docx"].startswith("bestand heet .docx maar is geen Word-document")
    assert reasons["rommel.docx"] == "beschadigd Word-document (onleesbare XML in een onderdeel)"


def test_empty_document_has_no_text(tmp_path: Path) -> None:
    path = _save(tmp_path / "leeg.docx", lambda document: document.add_paragraph("   "))
    docs, failures = _convert(path)
    assert docs == [] and failures == {"leeg.docx": "geen tekst gevonden in het bestand"}


def test_too_many_table_rows_is_refused(minutes: Path) -> None:
    _, failures = _convert(minutes, max_rows=2)
    assert failures == {"notulen.docx": "te veel tabelrijen (meer dan 2)"}


@pytest.fixture(scope="module")
def zip_bomb(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real Word document plus a member that inflates to 300 MB of zeros (about 300 KB packed)."""
    folder = tmp_path_factory.mktemp("bomb")
    path = _save(folder / "bom.docx", lambda document: document.add_paragraph("Onschuldige tekst."))
    with zipfile.ZipFile(path, "a", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as archive, \
            archive.open("word/media/nullen.bin", "w", force_zip64=True) as member:
        chunk = bytes(1 << 20)
        for _ in range(300):
            member.write(chunk)
    return path


def test_zip_bomb_is_refused_before_parsing_and_quickly(zip_bomb: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def must_not_parse(*_: object) -> None:
        raise AssertionError("the package was opened although it unpacks too large")

    monkeypatch.setattr(docx, "Document", must_not_parse)
    started = time.perf_counter()
    _, failures = _convert(zip_bomb)
    assert time.perf_counter() - started < 1.0
    assert re.fullmatch(r"Word-document pakt uit tot 31\d MB \(maximum 200 MB\): mogelijk een zip-bom",
                        failures["bom.docx"])
    with pytest.raises(ConversionError, match="maximum 1 MB"):
        convert_docx(zip_bomb, Limits(max_unpacked_bytes=1_000_000))
