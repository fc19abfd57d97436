"""Authentication, roles and region isolation over HTTP: the real app with auth on, a real SQLite file, the real
index of the bundled corpus (regions achterhoek, de-fryske-marren, drechtsteden and national documents).

A user of Achterhoek must never receive a passage, conversation, feedback or log row of Drechtsteden, also not
through another user's conversation or answer id (404, as for an id that does not exist).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient

from api.accounts import Accounts
from api.app import create_app
from api.storage import open_database
from index.settings import Settings
from ingest.manifest import load_manifest
from tests.conftest import SessionIndex
from tests.helpers import CORPUS, copy_data_dir, settings_for

pytestmark = pytest.mark.slow

OWN = {"achterhoek", "landelijk"}
SCOPE = {entry.id: entry.scope for entry in load_manifest(CORPUS).documents}
DRECHTSTEDEN_QUESTION = "Wanneer wordt er geïndexeerd?"  # answered from the Drechtsteden minutes
QUESTIONS = [DRECHTSTEDEN_QUESTION, "Hoe werkt de indexering bij de SDD?", "Welk bericht stuur ik als de zorg start?",
             "Wat is het bandbreedtemodel voor huishoudelijke ondersteuning?", "Tot wanneer kunnen aanbieders bezwaar "
             "indienen tegen de indexering?"]


@dataclass
class World:
    client: TestClient
    accounts: Accounts
    keys: dict[str, str]  # user name -> token
    settings: Settings

    def h(self, user: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.keys[user]}"}


@pytest.fixture(scope="module")
def world(session_index: SessionIndex, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    data = copy_data_dir(session_index.data_dir, tmp_path_factory.mktemp("auth") / "data")
    settings = settings_for(data, auth={"enabled": True, "rate_per_minute": 60, "rate_burst": 40})
    engine = open_database(settings.chat_database_url)
    accounts = Accounts(engine)
    keys = {}
    for name, role, regions in [("ann", "vrager", ("achterhoek",)), ("bob", "vrager", ("drechtsteden",)),
                                ("doc_a", "documentatie", ("achterhoek",)),
                                ("doc_d", "documentatie", ("drechtsteden",)), ("root", "beheer", None)]:
        accounts.add_user(name, role, regions, "cli")
        keys[name] = accounts.create_key(name, "cli")[1]
    with TestClient(create_app(settings)) as client:
        yield World(client, accounts, keys, settings)
    engine.dispose()


def test_every_api_route_needs_a_key(world: World) -> None:
    paths = world.client.app.openapi()["paths"]
    operations = [(method.upper(), re.sub(r"\{[^}]+\}", "x", path)) for path, item in paths.items()
                  if path.startswith("/v1/") for method in item]
    assert len(operations) >= 12
    for method, path in [*operations, ("GET", "/coverage")]:
        response = world.client.request(method, path, json={})
        assert response.status_code == 401, (method, path, response.text)
        assert response.headers["www-authenticate"] == "Bearer"
        assert response.json()["error_code"] == "unauthenticated"


def test_a_wrong_or_malformed_key_is_refused(world: World) -> None:
    good = world.keys["ann"]
    wrong = good[:-4] + ("AAAA" if not good.endswith("AAAA") else "BBBB")
    for token in (wrong, "vbk_000000000000_" + "x" * 43, "geheim", good + "x"):
        response = world.client.get("/v1/regions", headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 401, token
        assert response.json()["error_code"] == "unauthenticated"
    assert world.client.get("/v1/regions", headers=world.h("ann")).status_code == 200


def test_a_revoked_key_stops_working_at_once(world: World) -> None:
    key, token = world.accounts.create_key("ann", "cli", label="tijdelijk")
    headers = {"Authorization": f"Bearer {token}"}
    assert world.client.get("/v1/regions", headers=headers).status_code == 200  # verified and cached
    # Revoked through a second connection, as the CLI does while the server runs.
    Accounts(world.accounts.engine).revoke_key(key.id, "cli")
    response = world.client.get("/v1/regions", headers=headers)
    assert response.status_code == 401 and "ingetrokken" in response.json()["detail"]


def test_roles(world: World) -> None:
    c, h = world.client, world.h
    assert c.get("/v1/coverage", headers=h("ann")).status_code == 403
    assert c.get("/v1/question-log", headers=h("ann")).status_code == 403
    assert c.get("/v1/admin/users", headers=h("doc_a")).status_code == 403
    assert c.get("/v1/admin/audit", headers=h("doc_a")).json()["error_code"] == "forbidden"
    assert c.get("/v1/question-log", headers=h("doc_a")).status_code == 200
    assert c.get("/v1/regions", headers=h("doc_a")).status_code == 200  # a higher role may ask too
    users = c.get("/v1/admin/users", headers=h("root")).json()["users"]
    assert {u["name"] for u in users} >= {"ann", "bob", "doc_a", "doc_d", "root"}


def test_regions_and_health_show_only_own_regions(world: World) -> None:
    c, h = world.client, world.h
    assert [r["slug"] for r in c.get("/v1/regions", headers=h("ann")).json()["regions"]] == ["achterhoek",
                                                                                           "landelijk"]
    anonymous = c.get("/health").json()
    assert anonymous == {"status": "ok", "auth": {"enabled": True}}
    health = c.get("/health", headers=h("bob")).json()
    assert health["regions"] == ["drechtsteden", "landelijk"] and health["auth"]["role"] == "vrager"
    assert len(c.get("/v1/regions", headers=h("root")).json()["regions"]) == 4


def test_search_and_answers_never_cite_another_region(world: World) -> None:
    c, h = world.client, world.h
    # The same question finds the Drechtsteden minutes for a Drechtsteden user: the filter is what keeps them out.
    bob = c.get("/v1/search", params={"q": DRECHTSTEDEN_QUESTION, "top_k": 20}, headers=h("bob")).json()
    assert "drechtsteden" in {p["scope"] for p in bob["passages"]}
    for question in QUESTIONS:
        found = c.get("/v1/search", params={"q": question, "top_k": 50}, headers=h("ann")).json()["passages"]
        assert found and {p["scope"] for p in found} <= OWN, question
        for path, body in (("/v1/ask", {"question": question}), ("/v1/chat", {"message": question})):
            response = c.post(path, json=body, headers=h("ann"))
            if response.status_code == 422:  # the question names the other region ("bij de SDD"): refused
                assert response.json()["error_code"] == "unknown_region", response.text
                continue
            assert response.status_code == 200, response.text
            assert {x["scope"] for x in response.json()["citations"]} <= OWN, (path, question)


def test_corrections_and_short_forms_never_show_a_word_of_another_region(world: World) -> None:
    # "bandbreedtemodel" occurs only in Drechtsteden documents: a Drechtsteden user's typing error is corrected
    # to it; an Achterhoek user's is left as typed (the correction is shown and would tell a word of those
    # documents). The same for a short form that only Drechtsteden documents define ("HO").
    c, h = world.client, world.h
    question = "Wat is het bandbreedtemodl voor huishoudelijke ondersteuning?"
    bob = c.post("/v1/ask", json={"question": question}, headers=h("bob")).json()
    assert bob["corrected_question"] == "Wat is het bandbreedtemodel voor huishoudelijke ondersteuning?"
    ann = c.post("/v1/ask", json={"question": question}, headers=h("ann")).json()
    assert ann["corrected_question"] is None and "bandbreedtemodel" not in (ann["searched_for"] or "")
    short = "Hoe vaak wordt de HO geïndexeerd?"
    assert "ondersteuning" in (c.post("/v1/ask", json={"question": short}, headers=h("bob")).json()["searched_for"]
                               or "")
    assert "ondersteuning" not in (c.post("/v1/ask", json={"question": short}, headers=h("ann")).json()["searched_for"]
                                   or "")


def test_a_region_outside_the_users_regions_is_unknown(world: World) -> None:
    c, h = world.client, world.h
    for region in ("drechtsteden", "de-fryske-marren", "bestaat-niet"):
        response = c.post("/v1/ask", json={"question": DRECHTSTEDEN_QUESTION, "region": region}, headers=h("ann"))
        assert response.status_code == 422 and response.json()["error_code"] == "unknown_region"
        detail = response.json()["detail"]
        assert detail == f"Onbekende regio '{region}'. Kies uit: achterhoek, landelijk."  # no other region named
        search = c.get("/v1/search", params={"q": "indexering", "region": region}, headers=h("ann"))
        assert search.status_code == 422
    # A region named in the question itself (a follow-up's region switch) is held to the same rule.
    first = c.post("/v1/chat", json={"message": "Welk bericht stuur ik als de zorg start?"}, headers=h("ann")).json()
    switched = c.post("/v1/chat", json={"message": "Geldt dat ook in de Drechtsteden?",
                                        "conversation_id": first["conversation_id"]}, headers=h("ann"))
    if switched.status_code == 200:
        assert {x["scope"] for x in switched.json()["citations"]} <= OWN
    else:
        assert switched.status_code == 422 and switched.json()["error_code"] == "unknown_region"
    national = c.post("/v1/ask", json={"question": "Wat is een stopbericht?", "region": "landelijk"},
                      headers=h("ann"))
    assert national.status_code == 200 and {x["scope"] for x in national.json()["citations"]} <= {"landelijk"}


def test_another_users_conversation_is_not_found(world: World) -> None:
    c, h = world.client, world.h
    mine = c.post("/v1/chat", json={"message": DRECHTSTEDEN_QUESTION}, headers=h("bob")).json()
    cid = mine["conversation_id"]
    assert c.get(f"/v1/conversations/{cid}", headers=h("bob")).status_code == 200
    unknown = c.get("/v1/conversations/bestaat-niet", headers=h("ann"))
    for user in ("ann", "doc_d", "root"):  # not even the same region's documentation team or an admin
        response = c.get(f"/v1/conversations/{cid}", headers=h(user))
        assert response.status_code == 404 and response.json()["error_code"] == "not_found"
        assert response.json()["detail"] == unknown.json()["detail"].replace("bestaat-niet", cid)
        cont = c.post("/v1/chat", json={"message": "En daarna?", "conversation_id": cid}, headers=h(user))
        assert cont.status_code == 404
    assert len(c.get(f"/v1/conversations/{cid}", headers=h("bob")).json()["turns"]) == 1  # nothing was added


def test_feedback_only_on_own_answers_and_only_in_own_regions(world: World) -> None:
    c, h = world.client, world.h
    ann_answer = c.post("/v1/ask", json={"question": "Welk bericht stuur ik als de zorg start?"},
                        headers=h("ann")).json()["answer_id"]
    bob_answer = c.post("/v1/ask", json={"question": DRECHTSTEDEN_QUESTION}, headers=h("bob")).json()["answer_id"]
    taken = c.post("/v1/feedback", json={"answer_id": bob_answer, "rating": "down"}, headers=h("ann"))
    assert taken.status_code == 404 and taken.json()["error_code"] == "not_found"
    assert c.post("/v1/feedback", json={"answer_id": ann_answer, "rating": "up", "comment": "ann"},
                  headers=h("ann")).status_code == 201
    assert c.post("/v1/feedback", json={"answer_id": bob_answer, "rating": "down", "comment": "bob"},
                  headers=h("bob")).status_code == 201

    def seen(user: str, **params: str) -> set[str]:
        response = c.get("/v1/feedback", params=params, headers=h(user))
        assert response.status_code == 200
        return {f["answer_id"] for f in response.json()["feedback"]}

    assert seen("ann") == {ann_answer} and seen("bob") == {bob_answer}
    assert bob_answer not in seen("ann", answer_id=bob_answer)
    assert ann_answer in seen("doc_a") and bob_answer not in seen("doc_a")
    assert bob_answer in seen("doc_d") and ann_answer not in seen("doc_d")
    assert {ann_answer, bob_answer} <= seen("root")


def test_question_log_and_coverage_only_show_own_regions(world: World) -> None:
    c, h = world.client, world.h
    # New keys of the same users: the tests before may have used up their keys' rate budget (429, nothing logged).
    fresh = {user: {"Authorization": f"Bearer {world.accounts.create_key(user, 'cli', label='log')[1]}"}
             for user in ("ann", "bob")}
    for user, question in [("ann", "Hoe snel stuur ik een retourbericht in de Achterhoek?"),
                           ("bob", "Tot wanneer kan ik bezwaar maken tegen de SDD?")]:
        assert c.post("/v1/ask", json={"question": question}, headers=fresh[user]).status_code == 200
    log_a = c.get("/v1/question-log", headers=h("doc_a")).json()["questions"]
    log_d = c.get("/v1/question-log", headers=h("doc_d")).json()["questions"]
    texts_a, texts_d = {q["question"] for q in log_a}, {q["question"] for q in log_d}
    assert "Hoe snel stuur ik een retourbericht in de Achterhoek?" in texts_a
    assert "Tot wanneer kan ik bezwaar maken tegen de SDD?" in texts_d
    assert "Tot wanneer kan ik bezwaar maken tegen de SDD?" not in texts_a
    assert "Hoe snel stuur ik een retourbericht in de Achterhoek?" not in texts_d
    assert not {q["answer_id"] for q in log_a} & {q["answer_id"] for q in log_d}  # no row in both
    assert {SCOPE[x["document_id"]] for q in log_a for x in q["cited"]} <= OWN
    assert len(c.get("/v1/question-log", headers=h("root")).json()["questions"]) >= len(log_a) + len(log_d)

    report = c.get("/v1/coverage", headers=h("doc_a")).json()
    questions = {r["question"] for r in report["results"]}
    assert "Hoe snel stuur ik een retourbericht in de Achterhoek?" in questions
    assert "Tot wanneer kan ik bezwaar maken tegen de SDD?" not in questions
    assert not {r["region"] for r in report["results"]} - {None, "achterhoek", "landelijk"}
    documents = {d["document_id"] for d in report["documents"]["per_document"]}
    assert documents and {SCOPE[d] for d in documents} == OWN, documents
    html = c.get("/coverage", headers=h("doc_a"))
    assert html.status_code == 200 and "Tot wanneer kan ik bezwaar maken tegen de SDD?" not in html.text


def test_security_headers_on_every_response(world: World) -> None:
    c = world.client
    for response in (c.get("/"), c.get("/v1/regions"), c.get("/bestaat-niet"), c.get("/health"),
                     c.get("/v1/regions", headers=world.h("ann")), c.get("/static/app.js")):
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["x-frame-options"] == "DENY"
        assert response.headers["referrer-policy"] == "no-referrer"
        csp = response.headers["content-security-policy"]
        assert "frame-ancestors 'none'" in csp and "script-src 'self'" in csp
    assert "cdn.jsdelivr.net" in c.get("/docs").headers["content-security-policy"]
    assert "Traceback" not in c.get("/bestaat-niet").text


def test_cors_is_off_by_default(world: World) -> None:
    c = world.client
    preflight = c.options("/v1/ask", headers={"Origin": "https://evil.example", "Access-Control-Request-Method":
                                              "POST", "Access-Control-Request-Headers": "authorization"})
    assert "access-control-allow-origin" not in preflight.headers
    assert preflight.status_code in (401, 405)
    response = c.get("/v1/regions", headers={**world.h("ann"), "Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in response.headers


def test_cors_only_for_configured_origins(world: World) -> None:
    settings = world.settings.model_copy(update={"http": world.settings.http.model_copy(
        update={"cors_origins": ["https://intranet.example"]})})
    client = TestClient(create_app(settings))  # no lifespan needed: CORS answers before any route
    ok = client.options("/v1/ask", headers={"Origin": "https://intranet.example",
                                            "Access-Control-Request-Method": "POST"})
    assert ok.headers["access-control-allow-origin"] == "https://intranet.example"
    other = client.options("/v1/ask", headers={"Origin": "https://evil.example",
                                               "Access-Control-Request-Method": "POST"})
    assert "access-control-allow-origin" not in other.headers


def test_body_over_the_limit_is_413(world: World) -> None:
    c, h = world.client, world.h
    big = {"question": "x" * (world.settings.http.max_request_bytes + 10)}
    response = c.post("/v1/ask", json=big, headers=h("ann"))
    assert response.status_code == 413
    assert response.json()["error_code"] == "payload_too_large" and "te groot" in response.json()["detail"]

    def chunks() -> Iterator[bytes]:  # no Content-Length: the limit is counted while reading
        yield b'{"question": "'
        for _ in range(100):
            yield b"y" * 1024
        yield b'"}'

    chunked = c.post("/v1/ask", content=chunks(), headers={**h("ann"), "Content-Type": "application/json"})
    assert chunked.status_code == 413 and chunked.json()["error_code"] == "payload_too_large"
    assert chunked.headers["x-content-type-options"] == "nosniff"


def test_rate_limit_per_key_answers_429_with_retry_after(world: World) -> None:
    _, token = world.accounts.create_key("bob", "cli", label="snel")
    headers = {"Authorization": f"Bearer {token}"}
    statuses = [world.client.get("/v1/regions", headers=headers).status_code for _ in range(45)]
    assert statuses[:35] == [200] * 35 and 429 in statuses
    limited = world.client.get("/v1/regions", headers=headers)
    assert limited.status_code == 429 and limited.json()["error_code"] == "rate_limited"
    assert int(limited.headers["retry-after"]) >= 1
    # Another key of the same user has its own budget.
    assert world.client.get("/v1/regions", headers=world.h("bob")).status_code == 200


def test_audit_log_has_ids_not_names(world: World) -> None:
    rows = world.client.get("/v1/admin/audit", params={"limit": 1000}, headers=world.h("root")).json()["audit"]
    actions = {r["action"] for r in rows}
    assert {"user.add", "key.create", "key.revoke"} <= actions
    text = repr(rows)
    for name in ("ann", "bob", "doc_a", "doc_d", "root", "tijdelijk"):
        assert f"'{name}'" not in text
    users = {u.id for u in world.accounts.list_users()}
    assert {r["target"] for r in rows if r["action"] == "user.add"} <= users
    key = world.client.delete(f"/v1/admin/keys/{world.accounts.create_key('ann', 'cli')[0].id}",
                              headers=world.h("root"))
    assert key.status_code == 204
    newest = world.client.get("/v1/admin/audit", params={"limit": 1}, headers=world.h("root")).json()["audit"][0]
    assert newest["action"] == "key.revoke" and newest["actor"] == world.accounts.user("root").id


def test_an_unexpected_error_has_no_trace_and_the_same_headers(world: World) -> None:
    from api.chat_routes import get_chat

    app = world.client.app

    def broken() -> None:
        raise RuntimeError("geheim detail uit /home/server/api/chat.py")

    app.dependency_overrides[get_chat] = broken
    try:
        response = TestClient(app, raise_server_exceptions=False).get("/v1/regions", headers=world.h("ann"))
    finally:
        app.dependency_overrides.pop(get_chat)
    assert response.status_code == 500 and response.json()["error_code"] == "internal_error"
    assert "geheim" not in response.text and "Traceback" not in response.text
    assert response.headers["x-content-type-options"] == "nosniff" and "content-security-policy" in response.headers
