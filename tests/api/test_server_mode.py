"""Server mode end to end: the service builds its index through the server backend (qdrant-client) and answers from
it, region filter included. The "server" is qdrant-client's local mode (the same client calls, answered in this
process), so this runs everywhere; with VRAAGBAAK_QDRANT_URL set it also runs against that Qdrant server."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from api.service import QAService
from index.server_backend import IN_PROCESS
from tests.helpers import QDRANT_URL, settings_for

pytestmark = [pytest.mark.slow,
              pytest.mark.filterwarnings("ignore:Payload indexes have no effect in the local Qdrant")]


@pytest.mark.parametrize("url", [
    IN_PROCESS,
    pytest.param(QDRANT_URL, marks=[pytest.mark.server, pytest.mark.skipif(
        not QDRANT_URL, reason="VRAAGBAAK_QDRANT_URL is not set: no Qdrant server to test against")]),
], ids=["client-local", "server"])
def test_the_service_builds_its_index_on_the_server_backend_and_answers_from_it(data_dir: Path, url: str) -> None:
    collection = f"vraagbaak-e2e-{uuid.uuid4().hex[:8]}"
    settings = settings_for(data_dir, qdrant={"url": url, "collection": collection})
    with QAService(settings) as service:
        try:
            service.start()  # an empty collection: the bundled corpus is ingested into it first
            assert service.store is not None and not service.store.embedded
            assert service.build_report is not None and service.build_report.indexed > 0
            assert service.store.count_documents() == service.build_report.chunks_total
            answer = service.ask("Welk bericht stuur ik als de zorg start?")
            assert answer.answered and answer.citations
            assert any("305" in c.text for c in answer.citations)
            regional = service.ask("Welk bericht stuur ik als de zorg start?", region="achterhoek")
            assert regional.citations and {c.scope for c in regional.citations} <= {"achterhoek", "landelijk"}
            assert not service.ask("Wat kost een parkeervergunning in Amsterdam?").answered
        finally:
            if service.store is not None:
                service.store.backend.drop_collection()  # type: ignore[attr-defined]
