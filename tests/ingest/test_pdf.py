"""PDF ingestion: text per page from real pypdf in real worker processes, cleanup, limits, and bad files."""

from __future__ import annotations

import io
import os
import time
from pathlib import Path

import pytest
from pypdf import PdfReader, PdfWriter

from api.service import QAService
from ingest.converters import CONVERTERS, SUPPORTED_SUFFIXES, ConversionError, FileConverter, Limits, SourceFile
from ingest.converters.pdf import PdfWorker, convert_pdf, pdf_metadata
from ingest.converters.pdf_text import CleanStats, clean_pages, normalise_spaces, remove_running_lines, repair_line
from ingest.manifest import DocumentEntry
from tests.helpers import REPO, cli_env, run_cli, settings_for
from tests.ingest.pdf_fixtures import (
    build_pdf,
    content_bomb_pdf,
    flate_bomb,
    image_only_pdf,
    inline_image_bomb_pdf,
    text_pdf,
)

REFERENCE_PDFS = REPO.parent / "shared" / "reference" / "pdf"

SPEC_PAGES = [
    [
        "Specificatie berichtenverkeer",
        "Inhoudsopgave",
        "1 Inleiding ........................................ 2",
        "2 Berichten ......................................... 2",
        "2.1 Foutcodes ....................................... 3",
        "Pagina 1 van 3",
    ],
    [
        "Specificatie berichtenverkeer",
        "1 Inleiding",
        "De gemeente stuurt een toewijzing n . a . v . de aanvraag. Het bericht-",
        "verkeer\tloopt via\t\tde ISD-",
        "keten en duurt",
        "hooguit drie dagen.",
        "",
        "Daarna volgt een tweede alinea.",
        "2 Berichten",
        "Elk bericht krijgt een retourbericht t . b . v . de controle.",
        "Pagina 2 van 3",
    ],
    [
        "Specificatie berichtenverkeer",
        "2.1 Foutcodes",
        "Een foutcode zoals TR301 betekent dat de gemeente het bericht heeft afgekeurd en dat het opnieuw moet.",
        "Pagina 3 van 3",
    ],
]


def _write(folder: Path, name: str, data: bytes) -> Path:
    path = folder / name
    path.write_bytes(data)
    return path


def _source(path: Path) -> SourceFile:
    doc_id = path.stem.lower().replace("_", "-")
    return SourceFile(path, DocumentEntry(id=doc_id, title=f"Titel {path.name}", file=path.name), f"hash-{path.name}")


def _encrypted(user_password: str, algorithm: str) -> bytes:
    writer = PdfWriter(clone_from=io.BytesIO(text_pdf([["Vertrouwelijke tekst over de Wmo."]])))
    writer.encrypt(user_password=user_password, owner_password="eigenaar", algorithm=algorithm)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _slow_pdf() -> bytes:
    """A page of 8 million text operators (64 MB, under pypdf's own limits): pypdf needs minutes for it."""
    return build_pdf([b"[7 0 R]"], streams=[flate_bomb(64 << 20, pattern=b"(a) Tj  ")])


def _gone(pid: int | None) -> bool:
    assert pid is not None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


# --- cleanup of the extracted text (pure functions) ---


def test_whitespace_repair_of_tabs_runs_and_spaced_abbreviations() -> None:
    assert normalise_spaces("Opgesteld\tdoor\t KING\t\n\t\n  Datum\xa0 3\u2009januari ") == (
        "Opgesteld door KING\n\nDatum 3 januari"
    )
    assert repair_line("Aanpassingen n . a . v .  consultatie") == "Aanpassingen n.a.v. consultatie"
    assert repair_line("XML 2.1 t . b . v . interactiepatronen") == "XML 2.1 t.b.v. interactiepatronen"
    assert repair_line("het GGk ( GGk ) . Het") == "het GGk (GGk). Het"
    assert repair_line("bevatten , en ook ‘ WMO301 ’") == "bevatten, en ook ‘WMO301’"
    assert repair_line("Commentaar M. vd Broek verwerkt") == "Commentaar M. vd Broek verwerkt"
    assert repair_line("de ISD - keten en iWmo - en iJw - berichten", spaced_hyphens=True) == (
        "de ISD-keten en iWmo- en iJw-berichten"
    )
    assert repair_line("Figuur 1 - Toepassing") == "Figuur 1 - Toepassing"  # a real dash in a normal PDF


def test_lines_of_a_paragraph_are_rejoined_and_hyphenation_undone() -> None:
    pages, _ = clean_pages(
        [
            "Het bericht-\nverkeer loopt via de ISD-\nketen en StUF-\nBG. Er zijn iWmo-\nen iJw-berichten en een\n"
            "zin die doorloopt.\n\nEen nieuwe alinea.\n• eerste punt dat\nverder gaat\n• tweede punt"
        ]
    )
    assert pages[0] == (
        "Het berichtverkeer loopt via de ISD-keten en StUF-BG. Er zijn iWmo- en iJw-berichten en een zin die "
        "doorloopt.\n\nEen nieuwe alinea.\n\n- eerste punt dat verder gaat\n- tweede punt"
    )


def test_split_words_are_merged_only_in_a_pdf_that_spaces_its_hyphens() -> None:
    broken = "De ISD - keten en de ISD - keten en de ISD - keten. Het rou teren van berichten en routeren.\n" * 3
    pages, _ = clean_pages([broken + "Op d e envelop.", "Het ISD - keten bericht en de ISD - keten."])
    assert "Het routeren van berichten" in pages[0] and "Op de envelop." in pages[0]
    normal, _ = clean_pages(["Het rou teren van berichten en routeren. Op en neer, open."])
    assert normal[0] == "Het rou teren van berichten en routeren. Op en neer, open."


def test_running_headers_footers_and_page_numbers_are_removed() -> None:
    topics = ["de aanvraag", "de toewijzing", "de start van de zorg", "de declaratie", "het einde van de zorg"]
    pages = [
        ["Handboek iWmo", f"{n}", f"Over {topic}.", "Tekst.", f"Meer over {topic}.", "2", f"Pagina {n} van 5"]
        for n, topic in enumerate(topics, start=1)
    ]
    stats = CleanStats()
    cleaned = remove_running_lines(pages, stats)

    assert cleaned[0] == ["Over de aanvraag.", "Tekst.", "Meer over de aanvraag.", "2"]  # no page number on page 1
    assert cleaned[1] == ["Over de toewijzing.", "Tekst.", "Meer over de toewijzing."]  # ... but it is on page 2
    assert stats.running_lines == ["#", "handboek iwmo", "pagina # van #"]
    assert stats.running_lines_removed == 5 * 3 + 1  # header, number, footer on each page; the "2" once
    assert remove_running_lines([["Kop", "Tekst een."], ["Kop", "Tekst twee."]], CleanStats())[0][0] == "Kop"
    assert remove_running_lines([["Kop"]] * 4, CleanStats()) == [["Kop"]] * 4  # never a whole page


def test_numbered_headings_and_table_of_contents() -> None:
    pages, stats = clean_pages(
        [
            "Inhoudsopgave\n1 Inleiding ...... 2\n3.2 Foutcodes .......... 12\n4 Berichten . . . . . . . 13",
            "1 Inleiding\nTekst over de inleiding van dit document.\n"
            "1.0 06-10-2014 Arjen Brienen Laatste consultatieronde\n"
            "3.2 Foutcodes\nDe foutcodes staan hieronder.\n3.3 Dit is een zin met een punt.\n"
            "3.4 Bijlagen\n4 Berichten\n1 Ja\n4.1 Heenbericht",
        ]
    )
    assert pages[0] == "Inhoudsopgave"  # dot-leader lines dropped
    assert stats.toc_lines_removed == 3
    body = pages[1].split("\n\n")
    assert [b for b in body if b.startswith("#")] == [
        "# 1 Inleiding", "## 3.2 Foutcodes", "## 3.4 Bijlagen", "# 4 Berichten", "## 4.1 Heenbericht",
    ]
    assert stats.headings == 5
    assert "1.0 06-10-2014 Arjen Brienen Laatste consultatieronde" in pages[1]  # a table row stays body
    assert "3.3 Dit is een zin met een punt." in pages[1] and "1 Ja" in pages[1]


def test_a_heading_numbered_as_another_title_in_the_table_of_contents_is_body() -> None:
    pages, _ = clean_pages(["2.1 De envelop ........ 3", "2.1 XML en verbeterde foutafhandeling\n2.1 De envelop"])
    assert pages[1] == "2.1 XML en verbeterde foutafhandeling\n\n## 2.1 De envelop"


# --- conversion in the worker process ---


def test_registry_knows_pdf() -> None:
    assert CONVERTERS["pdf"] is convert_pdf
    assert ".pdf" in SUPPORTED_SUFFIXES


def test_generated_pdf_gives_one_markdown_page_per_pdf_page(tmp_path: Path) -> None:
    path = _write(tmp_path, "specificatie.pdf", text_pdf(SPEC_PAGES, compress=True))
    result = FileConverter().run([_source(path)])

    assert result["failures"] == []
    docs = result["documents"]
    assert [d.meta["page"] for d in docs] == [1, 2, 3]
    assert {d.meta["markup"] for d in docs} == {"markdown"}
    assert docs[0].content == "Inhoudsopgave"
    assert docs[1].content == (
        "# 1 Inleiding\n\n"
        "De gemeente stuurt een toewijzing n.a.v. de aanvraag. Het berichtverkeer loopt via de ISD-keten en duurt "
        "hooguit drie dagen.\n\nDaarna volgt een tweede alinea.\n\n"
        "# 2 Berichten\n\nElk bericht krijgt een retourbericht t.b.v. de controle."
    )
    assert docs[2].content == f"## 2.1 Foutcodes\n\n{SPEC_PAGES[2][2]}"
    assert not any("Specificatie berichtenverkeer" in d.content or "Pagina" in d.content for d in docs)


def test_worker_is_reused_and_reports_cleanup_statistics(tmp_path: Path) -> None:
    path = _write(tmp_path, "a.pdf", text_pdf(SPEC_PAGES))
    with PdfWorker() as worker:
        first = worker.convert(path, Limits())
        second = worker.convert(path, Limits())
    assert worker.started == 1
    assert first == second
    assert first.stats["running_lines_removed"] == 6 and first.stats["headings"] == 3
    assert first.stats["toc_lines_removed"] == 3


def test_image_only_pdf_is_refused_as_a_scan(tmp_path: Path) -> None:
    path = _write(tmp_path, "scan.pdf", image_only_pdf(pages=2))
    assert len(PdfReader(path).pages) == 2  # a valid PDF, only without text
    with pytest.raises(ConversionError, match=r"^PDF bevat geen tekst \(gescand document\?\); OCR wordt niet"):
        convert_pdf(path, Limits())


@pytest.mark.parametrize("algorithm", ["RC4-128", "AES-256"])
def test_pdf_with_a_password_is_refused(tmp_path: Path, algorithm: str) -> None:
    path = _write(tmp_path, "geheim.pdf", _encrypted("geheim", algorithm))
    with pytest.raises(ConversionError, match="^PDF is versleuteld met een wachtwoord$"):
        convert_pdf(path, Limits())


@pytest.mark.parametrize("algorithm", ["RC4-128", "AES-128", "AES-256"])
def test_pdf_encrypted_with_an_empty_password_is_read(tmp_path: Path, algorithm: str) -> None:
    path = _write(tmp_path, "beveiligd.pdf", _encrypted("", algorithm))
    pages = convert_pdf(path, Limits())
    assert [(p.page, p.text) for p in pages] == [(1, "Vertrouwelijke tekst over de Wmo.")]


def test_truncated_and_empty_pdfs_are_reported(tmp_path: Path) -> None:
    whole = text_pdf(SPEC_PAGES, compress=True)
    paths = [
        _write(tmp_path, "half.pdf", whole[: len(whole) // 2]),
        _write(tmp_path, "kop.pdf", b"%PDF-1.7\n"),
        _write(tmp_path, "leeg.pdf", b""),
    ]
    reasons = {f.file: f.reason for f in FileConverter().run([_source(p) for p in paths])["failures"]}
    assert reasons["half.pdf"].startswith("PDF is beschadigd of afgebroken (")
    assert reasons["kop.pdf"].startswith("PDF is beschadigd of afgebroken (")
    assert reasons["leeg.pdf"] == "leeg bestand"


def test_page_limit_refuses_the_pdf(tmp_path: Path) -> None:
    path = _write(tmp_path, "lang.pdf", text_pdf(SPEC_PAGES))
    with pytest.raises(ConversionError, match=r"^PDF heeft 3 pagina's; de limiet is 2 \(paginalimiet\)$"):
        convert_pdf(path, Limits(max_pages=2))


def test_decompression_bomb_is_stopped_by_the_unpack_limit(tmp_path: Path) -> None:
    path = _write(tmp_path, "bom.pdf", content_bomb_pdf(gigabytes=4))
    assert path.stat().st_size < 5_000_000  # 4 GB once inflated
    started = time.monotonic()
    with pytest.raises(ConversionError, match="^PDF bevat een onderdeel dat uitgepakt te groot is"):
        convert_pdf(path, Limits())
    assert time.monotonic() - started < 30


def test_memory_bomb_kills_the_worker_at_the_memory_limit(tmp_path: Path) -> None:
    bomb = _write(tmp_path, "geheugenbom.pdf", inline_image_bomb_pdf(pages=40, megabytes=64))
    good = _write(tmp_path, "goed.pdf", text_pdf(SPEC_PAGES))
    assert bomb.stat().st_size < 5_000_000  # 2.5 GB of image data once inflated
    limits = Limits(memory_mb=400, seconds_per_file=120)
    with PdfWorker() as worker:
        worker.convert(good, limits)
        pid = worker.pid
        with pytest.raises(ConversionError, match="^PDF-verwerking afgebroken: geheugenlimiet van 400 MB"):
            worker.convert(bomb, limits)
        assert _gone(pid)
        assert len(worker.convert(good, limits).pages) == 3  # the next file gets a new worker
    assert worker.started == 2


def test_time_limit_kills_a_hanging_worker(tmp_path: Path) -> None:
    slow = _write(tmp_path, "traag.pdf", _slow_pdf())
    good = _write(tmp_path, "goed.pdf", text_pdf(SPEC_PAGES))
    limits = Limits(seconds_per_file=1.0)
    with PdfWorker() as worker:
        worker.convert(good, limits)
        pid = worker.pid
        started = time.monotonic()
        with pytest.raises(ConversionError, match=r"^PDF-verwerking afgebroken na 1 s \(tijdslimiet\)$"):
            worker.convert(slow, limits)
        assert time.monotonic() - started < 5
        assert _gone(pid)
        assert len(worker.convert(good, limits).pages) == 3
    assert worker.started == 2


def test_a_bad_pdf_never_stops_the_run(tmp_path: Path) -> None:
    paths = [
        _write(tmp_path, "een.pdf", text_pdf(SPEC_PAGES)),
        _write(tmp_path, "traag.pdf", _slow_pdf()),
        _write(tmp_path, "scan.pdf", image_only_pdf()),
        _write(tmp_path, "geheim.pdf", _encrypted("geheim", "AES-256")),
        _write(tmp_path, "bom.pdf", content_bomb_pdf(gigabytes=2)),
        _write(tmp_path, "twee.pdf", text_pdf([["Tweede document over de Jeugdwet."]])),
    ]
    result = FileConverter(limits={"seconds_per_file": 2.0}).run([_source(p) for p in paths])

    assert [(d.meta["file"], d.meta["page"]) for d in result["documents"]] == [
        ("een.pdf", 1), ("een.pdf", 2), ("een.pdf", 3), ("twee.pdf", 1),
    ]
    reasons = {f.file: f.reason for f in result["failures"]}
    assert reasons == {
        "traag.pdf": "PDF-verwerking afgebroken na 2 s (tijdslimiet)",
        "scan.pdf": "PDF bevat geen tekst (gescand document?); OCR wordt niet ondersteund",
        "geheim.pdf": "PDF is versleuteld met een wachtwoord",
        "bom.pdf": reasons["bom.pdf"],
    }
    assert reasons["bom.pdf"].startswith("PDF bevat een onderdeel dat uitgepakt te groot is")


def test_pdf_metadata_title_and_date(tmp_path: Path) -> None:
    dated = _write(tmp_path, "a.pdf", text_pdf([["Tekst."]], info={
        "Title": "Microsoft Word - Beleidsregels Wmo 2024.docx", "CreationDate": "D:20170420122939+00'00'"}))
    modified = _write(tmp_path, "b.pdf", text_pdf([["Tekst."]], info={
        "Title": "  ", "CreationDate": "D:20171340", "ModDate": "D:20180211121523+01'00'"}))
    bare = _write(tmp_path, "c.pdf", text_pdf([["Tekst."]]))

    assert pdf_metadata(dated, Limits()) == {"title": "Beleidsregels Wmo 2024", "date": "2017-04-20"}
    assert pdf_metadata(modified, Limits()) == {"title": None, "date": "2018-02-11"}
    assert pdf_metadata(bare, Limits()) == {"title": None, "date": None}
    with pytest.raises(ConversionError, match="^PDF is versleuteld met een wachtwoord$"):
        pdf_metadata(_write(tmp_path, "d.pdf", _encrypted("geheim", "RC4-128")), Limits())


# --- end to end: the ingest CLI on a folder with a good and a bad PDF ---


@pytest.mark.slow
def test_ingest_cli_indexes_a_pdf_with_page_numbers_and_names_the_bad_one(tmp_path: Path, data_dir: Path) -> None:
    corpus = tmp_path / "pdfs"
    corpus.mkdir()
    _write(corpus, "specificatie.pdf", text_pdf(SPEC_PAGES, compress=True, info={"Title": "Specificatie"}))
    whole = text_pdf(SPEC_PAGES)
    _write(corpus, "kapot.pdf", whole[: len(whole) // 2])

    result = run_cli(["ingest", "--corpus", str(corpus)], cli_env(data_dir, corpus))

    assert result.returncode == 1, result.stderr[-2000:]
    assert "MISLUKT kapot.pdf: PDF is beschadigd of afgebroken" in result.stderr
    assert "1 mislukt" in result.stdout
    with QAService(settings_for(data_dir, corpus)) as service:
        service.start()
        passages = service.search("Wat betekent foutcode TR301?", top_k=3).passages
    best = passages[0]
    assert "TR301" in best.text and best.page == 3 and best.section == "2 Berichten > 2.1 Foutcodes"


# --- the real PDFs of the reference corpus ---


def _reference_pdfs() -> list[Path]:
    if not REFERENCE_PDFS.is_dir():
        pytest.skip(f"reference corpus not found at {REFERENCE_PDFS}")
    return sorted(REFERENCE_PDFS.glob("*.pdf"))


@pytest.fixture(scope="module")
def reference_results() -> dict[str, tuple[list, dict]]:
    out = {}
    with PdfWorker() as worker:
        for path in _reference_pdfs():
            result = worker.convert(path, Limits())
            out[path.name] = (result.pages, result.stats)
    return out


@pytest.mark.reference
def test_every_reference_pdf_converts_with_page_numbers(reference_results: dict[str, tuple[list, dict]]) -> None:
    assert len(reference_results) == 12
    for name, (pages, _) in reference_results.items():
        count = len(PdfReader(REFERENCE_PDFS / name).pages)
        assert [n for n, _ in pages] == list(range(1, count + 1)), name
        assert sum(len(text) for _, text in pages) > 2000, name


@pytest.mark.reference
def test_reference_pdfs_have_no_whitespace_artefacts(reference_results: dict[str, tuple[list, dict]]) -> None:
    for name, (pages, _) in reference_results.items():
        text = "\n".join(t for _, t in pages)
        assert "\t" not in text and "  " not in text, name
        for artefact in ("n . a . v .", "t . b . v .", "ISD - keten", " ,", "( "):
            assert artefact not in text, (name, artefact)
        assert "..........." not in text, name  # table-of-contents leaders


@pytest.mark.reference
def test_reference_page_numbers_are_removed_and_headings_found(
    reference_results: dict[str, tuple[list, dict]],
) -> None:
    for name, (pages, stats) in reference_results.items():
        if not name.startswith("Specificaties"):
            assert stats["running_lines_removed"] == 0, name  # short error-code lists without header/footer
            continue
        assert stats["running_lines"] == ["#"], name  # the page number at the top of each page
        assert stats["running_lines_removed"] == len(pages) - 2, name  # all pages but the cover and title page
        for number, text in pages:
            assert not text.startswith(f"{number}\n") and text.split("\n", 1)[0] != str(number), (name, number)
        headings = [line for _, text in pages for line in text.split("\n") if line.startswith("#")]
        assert len(headings) >= 12 and stats["headings"] == len(headings), name
        assert "# 1 Inleiding" in headings and "# 3 Berichtspecificaties" in headings, name


@pytest.mark.reference
def test_reference_pdfs_are_cut_in_half_and_reported(tmp_path: Path) -> None:
    for path in _reference_pdfs()[:4]:
        data = path.read_bytes()
        half = _write(tmp_path, path.name, data[: len(data) // 2])
        with pytest.raises(ConversionError, match=r"^PDF is beschadigd of afgebroken \("):
            convert_pdf(half, Limits())
