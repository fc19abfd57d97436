"""End to end: a folder with Word minutes and an HTML FAQ page is ingested and answers cite the right section."""

from __future__ import annotations

import io
from pathlib import Path

import docx
import pytest

from api.service import QAService
from tests.helpers import settings_for, write_corpus
from tests.ingest.test_docx import _minutes
from tests.ingest.test_html import FAQ_PAGE

pytestmark = pytest.mark.slow


def _minutes_bytes() -> bytes:
    document = docx.Document()
    _minutes(document)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def test_word_minutes_and_html_faq_are_answered_with_their_sections(tmp_path: Path, data_dir: Path) -> None:
    corpus = write_corpus(tmp_path / "corpus", [
        {"id": "denkstad-notulen", "title": "Notulen overleg zorgaanbieders Denkstad", "scope": "denkstad",
         "publisher": "Gemeente Denkstad", "doc_type": "notulen", "date": "2030-10-02", "file": "notulen.docx",
         "text": _minutes_bytes()},
        {"id": "denkstad-faq", "title": "Veelgestelde vragen Wmo Denkstad", "scope": "denkstad",
         "publisher": "Gemeente Denkstad", "doc_type": "faq", "date": "2031-03", "file": "faq/wmo.html",
         "text": FAQ_PAGE},
    ])
    with QAService(settings_for(data_dir, corpus)) as service:
        service.start()
        report = service.build_report
        assert report is not None and (report.indexed, report.failed) == (2, 0), report.failures

        response = service.ask("Geldt het nieuwe tarief van Denkstad ook voor lopende indicaties?")
        assert response.answered
        top = response.citations[0]
        assert (top.document_id, top.file) == ("denkstad-notulen", "notulen.docx")
        # The Word title heading is the document's title: the section does not repeat it.
        assert top.section == "3. Vragen van aanbieders > Geldt het nieuwe tarief ook voor lopende indicaties?"
        assert "vanaf 1 januari" in top.quote

        response = service.ask("Hoeveel eigen bijdrage betaal ik voor een scootmobiel?")
        assert response.answered
        top = response.citations[0]
        assert top.document_id == "denkstad-faq"
        assert top.section == "Veelgestelde vragen over de Wmo > Eigen bijdrage > Wat kost een scootmobiel per maand?"
        assert "21 euro" in top.quote
        assert not any("NAVTEKST" in c.text or "SCRIPTTEKST" in c.text for c in response.citations)
