"""Document upload over HTTP: the real app (TestClient(create_app)), real index copy, real SQLite file.

Callers are set with `app.dependency_overrides[current_principal]` and real Principal objects (the API-key path
itself is tested with the auth code).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.auth import Principal, current_principal
from index.settings import Settings
from ingest.converters import Limits
from tests.helpers import wait_until
from tests.ingest.pdf_fixtures import text_pdf

pytestmark = pytest.mark.slow

TEAM = Principal(name="team-achterhoek", role="documentatie", regions=("achterhoek",))
ASKER = Principal(name="medewerker", role="vrager", regions=None)
PDF = text_pdf([["Huishoudelijke ondersteuning Achterhoek", "",
                 "Een herindicatie voor huishoudelijke ondersteuning vraagt de aanbieder uiterlijk acht weken",
                 "voor het einde van de toewijzing aan bij het Wmo-loket van de gemeente."]])


@pytest.fixture(scope="module")
def app_client(settings: Settings) -> Iterator[TestClient]:
    app = create_app(settings)
    with TestClient(app) as client:
        yield client


@pytest.fixture
def as_user(app_client: TestClient) -> Iterator[Any]:
    def use(principal: Principal) -> TestClient:
        app_client.app.dependency_overrides[current_principal] = lambda: principal
        return app_client

    yield use
    app_client.app.dependency_overrides.pop(current_principal, None)


def _post(client: TestClient, name: str, data: bytes, **fields: str) -> Any:
    form = {"title": "Herindicatie huishoudelijke ondersteuning", "scope": "achterhoek",
            "doc_type": "werkinstructie", "date": "2025-06"} | fields
    return client.post("/v1/documents", files={"file": (name, data, "application/pdf")}, data=form)


def _wait(client: TestClient, job_id: str) -> dict[str, Any]:
    return wait_until(lambda: (j := client.get(f"/v1/jobs/{job_id}").json())["status"] in ("done", "failed") and j,
                      f"job {job_id}", timeout=120)


def test_upload_a_pdf_as_documentatie_search_it_and_delete_it(as_user: Any) -> None:
    client = as_user(TEAM)
    response = _post(client, "herindicatie.pdf", PDF)
    assert response.status_code == 202, response.text
    body = response.json()
    assert body["job"]["status"] in ("queued", "running", "done")
    assert body["document"]["uploaded_by"] == "team-achterhoek" and body["document"]["file_format"] == "pdf"
    job = _wait(client, body["job"]["id"])
    assert job["status"] == "done" and job["passages"] >= 1 and job["errors"] == []
    doc_id = job["document_id"]

    listed = client.get("/v1/documents").json()["documents"]
    assert [(d["id"], d["passages"], d["date"], d["job"]["status"]) for d in listed] == [
        (doc_id, job["passages"], "2025-06", "done")]
    assert client.get(f"/v1/documents/{doc_id}").json()["title"] == "Herindicatie huishoudelijke ondersteuning"

    found = client.get("/v1/search", params={"q": "herindicatie huishoudelijke ondersteuning acht weken",
                                             "region": "achterhoek", "top_k": 3}).json()["passages"]
    assert found[0]["document_id"] == doc_id and found[0]["page"] == 1 and found[0]["doc_type"] == "werkinstructie"
    answer = client.post("/v1/ask", json={"question": "Wanneer vraagt de aanbieder een herindicatie aan voor "
                                                      "huishoudelijke ondersteuning?", "region": "achterhoek"}).json()
    assert answer["answered"] and answer["citations"][0]["title"] == "Herindicatie huishoudelijke ondersteuning"
    assert answer["citations"][0]["page"] == 1

    deleted = client.delete(f"/v1/documents/{doc_id}")
    assert deleted.status_code == 200 and deleted.json() == {"document_id": doc_id,
                                                             "passages_removed": job["passages"]}
    assert client.get("/v1/documents").json()["documents"] == []
    again = client.get("/v1/search", params={"q": "herindicatie huishoudelijke ondersteuning acht weken",
                                             "region": "achterhoek"}).json()["passages"]
    assert doc_id not in {p["document_id"] for p in again}
    missing = client.delete(f"/v1/documents/{doc_id}")
    assert missing.status_code == 404 and missing.json()["error_code"] == "not_found"
    audit = [(r["action"], r["target"]) for r in client.app.state.accounts.audit_rows()]
    assert ("upload", doc_id) in audit and ("delete_document", doc_id) in audit


def test_roles_and_regions(as_user: Any) -> None:
    asker = as_user(ASKER)
    for response in (_post(asker, "a.pdf", PDF), asker.get("/v1/documents"), asker.get("/v1/jobs/x"),
                     asker.delete("/v1/documents/x"), asker.get("/v1/upload-options")):
        assert response.status_code == 403 and response.json()["error_code"] == "forbidden"
    team = as_user(TEAM)
    other = _post(team, "a.pdf", PDF, scope="drechtsteden")
    assert other.status_code == 403 and "drechtsteden" in other.json()["detail"]
    assert _post(team, "a.pdf", PDF, scope="landelijk").status_code == 403
    options = team.get("/v1/upload-options").json()
    assert options["scopes"] == ["achterhoek"] and "werkinstructie" in options["doc_types"]
    assert options["max_megabytes"] == 50
    assert team.get("/v1/jobs/onbekend").status_code == 404


@pytest.mark.parametrize(("fields", "name", "data", "status", "words"), [
    ({"scope": "atlantis"}, "a.pdf", PDF, 422, "Onbekende regio"),
    ({"doc_type": "gedicht"}, "a.pdf", PDF, 422, "Onbekend documenttype"),
    ({"date": "13-05-2025"}, "a.pdf", PDF, 422, "JJJJ-MM-DD"),
    ({}, "a.exe", b"MZ\x90\x00" * 50, 422, "wordt niet ondersteund"),
    ({}, "leeg.pdf", b"", 422, "leeg"),
    ({"title": ""}, "a.pdf", PDF, 422, "title"),
])
def test_bad_uploads_get_a_dutch_error(as_user: Any, fields: dict[str, str], name: str, data: bytes, status: int,
                                       words: str) -> None:
    response = _post(as_user(TEAM), name, data, **fields)
    assert response.status_code == status, response.text
    assert words in response.json()["detail"] and set(response.json()) == {"error_code", "detail"}


def test_a_missing_file_field_is_a_422(as_user: Any) -> None:
    response = as_user(TEAM).post("/v1/documents", data={"title": "x", "scope": "achterhoek"})
    assert response.status_code == 422 and "file" in response.json()["detail"]


def test_too_large_is_a_413_before_the_body_is_read(as_user: Any) -> None:
    client = as_user(TEAM)
    service = client.app.state.documents
    before = service.limits
    service.limits = Limits(max_bytes=1_000_000)
    try:
        response = _post(client, "groot.txt", b"woord " * 400_000)
    finally:
        service.limits = before
    assert response.status_code == 413 and response.json() == {
        "error_code": "payload_too_large", "detail": "Het bestand is groter dan 1 MB (maximum)."}


def test_upload_page_is_served(app_client: TestClient) -> None:
    page = app_client.get("/upload")
    assert page.status_code == 200 and 'id="upload-form"' in page.text and "/static/upload.js" in page.text
    assert app_client.get("/static/upload.js").status_code == 200
