"""Re-index of the corpus over HTTP (role `beheer`): the real app, a copy of the real index and of the corpus
directory, a real SQLite file. A new corpus document becomes searchable through the job; an upload that replaces
an ingested document keeps its mark after the re-index rewrote that document.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.auth import Principal, current_principal
from ingest.single import document_filter
from tests.conftest import SessionIndex
from tests.helpers import CORPUS, copy_data_dir, settings_for, wait_until
from tests.ingest.pdf_fixtures import text_pdf

pytestmark = pytest.mark.slow

ADMIN = Principal(name="beheerder", role="beheer", regions=None)
TEAM = Principal(name="team-achterhoek", role="documentatie", regions=("achterhoek",))
ASKER = Principal(name="medewerker", role="vrager", regions=("achterhoek",))
NEW_DOC = """
  - id: test-reindex-logeeropvang
    title: "Werkinstructie logeeropvang Achterhoek"
    publisher: Sociaal Domein Achterhoek
    scope: achterhoek
    doc_type: werkinstructie
    date: "2025-03"
    file: logeeropvang.md
"""
NEW_TEXT = ("# Logeeropvang\n\nEen aanvraag voor logeeropvang (kortdurend verblijf) beoordeelt de toegang binnen "
            "tien werkdagen; de logeerweekenden worden per kwartaal gefactureerd met productcode 45A99.\n")


@pytest.fixture(scope="module")
def corpus_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("reindex") / "corpus"
    shutil.copytree(CORPUS, target)
    return target


@pytest.fixture(scope="module")
def app_client(session_index: SessionIndex, corpus_dir: Path,
               tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    data = copy_data_dir(session_index.data_dir, tmp_path_factory.mktemp("reindex-data") / "data")
    with TestClient(create_app(settings_for(data, corpus_dir))) as client:
        yield client


@pytest.fixture
def as_user(app_client: TestClient) -> Iterator[Any]:
    def use(principal: Principal) -> TestClient:
        app_client.app.dependency_overrides[current_principal] = lambda: principal
        return app_client

    yield use
    app_client.app.dependency_overrides.pop(current_principal, None)


def _wait(client: TestClient, job_id: str) -> dict[str, Any]:
    return wait_until(lambda: (j := client.get(f"/v1/jobs/{job_id}").json())["status"] in ("done", "failed") and j,
                      f"job {job_id}", timeout=180)


def _reindex(client: TestClient) -> dict[str, Any]:
    response = client.post("/v1/admin/reindex")
    assert response.status_code == 202, response.text
    assert response.json()["document_id"] == "(corpus)"
    return _wait(client, response.json()["id"])


def test_only_beheer_may_reindex(as_user: Any) -> None:
    for principal in (ASKER, TEAM):
        response = as_user(principal).post("/v1/admin/reindex")
        assert response.status_code == 403, (principal.role, response.text)
        assert response.json()["error_code"] == "forbidden"


def test_reindex_without_change_reports_the_corpus_and_is_audited(as_user: Any) -> None:
    client = as_user(ADMIN)
    before = client.get("/v1/search", params={"q": "startbericht 305", "top_k": 3}).json()["passages"]
    job = _reindex(client)
    assert job["status"] == "done" and job["errors"] == [], job
    assert job["message"].startswith("Klaar: 0 document(en) (opnieuw) geïndexeerd, 5 ongewijzigd, 0 verwijderd")
    assert job["passages"] > 100
    after = client.get("/v1/search", params={"q": "startbericht 305", "top_k": 3}).json()["passages"]
    assert [p["id"] for p in after] == [p["id"] for p in before]
    audit = client.get("/v1/admin/audit").json()["audit"]
    assert audit[0]["action"] == "reindex" and audit[0]["actor"] != "beheerder"  # an id, not the person's name


def test_a_new_corpus_document_is_searchable_after_the_reindex_job(as_user: Any, corpus_dir: Path) -> None:
    client = as_user(ADMIN)
    (corpus_dir / "logeeropvang.md").write_text(NEW_TEXT, encoding="utf-8")
    manifest = corpus_dir / "manifest.yaml"
    manifest.write_text(manifest.read_text(encoding="utf-8") + NEW_DOC, encoding="utf-8")
    job = _reindex(client)
    assert job["status"] == "done", job
    assert job["message"].startswith("Klaar: 1 document(en) (opnieuw) geïndexeerd, 5 ongewijzigd"), job
    found = client.get("/v1/search", params={"q": "logeeropvang kortdurend verblijf", "region": "achterhoek",
                                             "top_k": 3}).json()["passages"]
    assert found[0]["document_id"] == "test-reindex-logeeropvang"
    answer = as_user(ASKER).post("/v1/ask", json={"question": "Hoe snel beoordeelt de toegang een aanvraag "
                                                              "voor logeeropvang?"}).json()
    assert answer["citations"][0]["document_id"] == "test-reindex-logeeropvang"


def test_a_bad_file_in_the_corpus_is_named_in_the_job(as_user: Any, corpus_dir: Path) -> None:
    client = as_user(ADMIN)
    (corpus_dir / "logeeropvang.md").write_bytes(b"")
    job = _reindex(client)
    assert job["status"] == "done", job
    assert [e["file"] for e in job["errors"]] == ["logeeropvang.md"] and job["errors"][0]["reason"]
    assert "1 mislukt" in job["message"]


def test_an_uploaded_replacement_keeps_its_mark_when_the_reindex_rewrites_the_old_document(
        as_user: Any, corpus_dir: Path) -> None:
    client = as_user(TEAM)
    old_id = "test-reindex-logeeropvang"
    (corpus_dir / "logeeropvang.md").write_text(NEW_TEXT, encoding="utf-8")
    assert _reindex(as_user(ADMIN))["status"] == "done"
    pdf = text_pdf([["Werkinstructie logeeropvang 2026", "", "Een aanvraag voor logeeropvang beoordeelt de toegang "
                     "voortaan binnen vijf werkdagen."]])
    response = as_user(TEAM).post("/v1/documents", files={"file": ("logeeropvang-2026.pdf", pdf, "application/pdf")},
                                  data={"title": "Werkinstructie logeeropvang 2026", "scope": "achterhoek",
                                        "doc_type": "werkinstructie", "date": "2026-01", "supersedes": old_id})
    assert response.status_code == 202, response.text
    new_id = response.json()["document"]["id"]
    assert _wait(client, response.json()["job"]["id"])["status"] == "done"

    def superseded_by() -> set[Any]:  # the old document's passages as the running service's index holds them
        store = client.app.state.service.store
        return {d.meta.get("superseded_by") for d in store.filter_documents(document_filter(old_id))}

    assert superseded_by() == {new_id}
    (corpus_dir / "logeeropvang.md").write_text(NEW_TEXT + "\nDe logeerweekenden worden vooraf gepland.\n",
                                                encoding="utf-8")
    job = _reindex(as_user(ADMIN))
    assert job["message"].startswith("Klaar: 1 document(en) (opnieuw) geïndexeerd"), job
    assert superseded_by() == {new_id}
