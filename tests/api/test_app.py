"""The FastAPI app on a copy of the real index: /health, /docs, /v1/ask, /v1/search, errors in Dutch."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from api.schemas import AskResponse, SearchResponse
from tests.conftest import SessionIndex

pytestmark = pytest.mark.slow

START_QUESTION = "Welk bericht stuur ik als de zorg start?"
REGIONS = ["achterhoek", "de-fryske-marren", "drechtsteden", "landelijk"]


def _ask(client: TestClient, question: str, region: str | None = None) -> AskResponse:
    response = client.post("/v1/ask", json={"question": question, "region": region})
    assert response.status_code == 200, response.text
    return AskResponse.model_validate(response.json())


def _assert_error(response, status: int, code: str, *fragments: str) -> str:  # noqa: ANN001
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error_code", "detail"}
    assert body["error_code"] == code
    for fragment in fragments:
        assert fragment in body["detail"], body["detail"]
    assert "Traceback" not in response.text and 'File "' not in response.text
    return body["detail"]


# -- service endpoints ------------------------------------------------------------------------------


def test_health(client: TestClient, session_index: SessionIndex) -> None:
    body = client.get("/health").json()
    assert body["status"] == "ok"
    assert body["passages"] == session_index.passages
    assert body["regions"] == REGIONS
    assert body["embedding_model"].startswith("multilingual-e5-small@")
    assert body["index"] == "embedded"


def test_openapi_and_docs(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    assert {"/health", "/v1/ask", "/v1/search"} <= set(schema["paths"])
    ask_body = schema["paths"]["/v1/ask"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert ask_body["$ref"].endswith("/AskRequest")
    assert "422" in schema["paths"]["/v1/ask"]["post"]["responses"]
    docs = client.get("/docs")
    assert docs.status_code == 200 and "swagger-ui" in docs.text.lower()


# -- /v1/ask ----------------------------------------------------------------------------------------


def test_ask_answers_with_checkable_citations(client: TestClient) -> None:
    answer = _ask(client, START_QUESTION)

    assert answer.answered is True
    assert answer.question == START_QUESTION and answer.region is None
    assert "[1]" in answer.answer and "Bronnen:" in answer.answer
    assert answer.citations and [c.n for c in answer.citations] == list(range(1, len(answer.citations) + 1))
    for c in answer.citations:
        assert c.quote and c.quote in c.text
        assert c.document_id and c.title and c.publisher and c.scope and c.date and c.section and c.doc_type
        assert f"[{c.n}]" in answer.answer
    assert any("305" in c.text and "5 werkdagen" in c.text for c in answer.citations)
    assert 0.0 <= answer.relevance <= 1.0


def test_ask_reports_the_domain_words_it_searched_for(client: TestClient) -> None:
    answer = _ask(client, "Binnen hoeveel werkdagen moet het startbericht verstuurd zijn?")
    assert answer.searched_for and "305" in answer.searched_for.split()
    assert answer.answered
    assert any("5 werkdagen" in c.quote for c in answer.citations)


@pytest.mark.parametrize("region", ["drechtsteden", "achterhoek", "de-fryske-marren"])
def test_ask_with_region_cites_that_region_and_national_only(client: TestClient, region: str) -> None:
    answer = _ask(client, "Hoe gaat de indexering van de tarieven?", region)
    assert answer.region == region
    assert {c.scope for c in answer.citations} <= {region, "landelijk"}


def test_ask_region_is_normalised(client: TestClient) -> None:
    answer = _ask(client, "Wanneer wordt er geïndexeerd?", "  Drechtsteden ")
    assert answer.region == "drechtsteden"
    assert answer.answered
    assert {c.scope for c in answer.citations} <= {"drechtsteden", "landelijk"}
    assert any(c.document_id == "sdd-fot-begeleiding-2024-09-17" for c in answer.citations)


def test_off_topic_question_is_not_answered(client: TestClient) -> None:
    answer = _ask(client, "Wat waren gisteren de uitslagen van het betaald voetbal in de eredivisie?")
    assert answer.answered is False
    assert answer.citations == []
    assert answer.answer.startswith("De documenten geven geen antwoord op deze vraag.")


@pytest.mark.parametrize("question", ["", "   \n\t "])
def test_empty_question_is_a_422_in_dutch(client: TestClient, question: str) -> None:
    response = client.post("/v1/ask", json={"question": question})
    _assert_error(response, 422, "validation_error", "question", "De vraag is leeg")


def test_too_long_question_is_a_422_in_dutch(client: TestClient) -> None:
    response = client.post("/v1/ask", json={"question": "Welk bericht? " + "x" * 1000})
    _assert_error(response, 422, "validation_error", "De vraag is te lang", "maximaal 1000")


def test_question_of_exactly_1000_characters_is_accepted(client: TestClient) -> None:
    question = ("Welk bericht stuur ik als de zorg start? " * 30)[:1000]
    assert len(question.strip()) == 1000
    assert client.post("/v1/ask", json={"question": question}).status_code == 200


@pytest.mark.parametrize(
    ("payload", "fragment"),
    [
        ({}, "question: ontbreekt"),
        ({"question": 305}, "question: moet tekst zijn"),
        ({"vraag": "Welk bericht?"}, "question: ontbreekt"),
    ],
)
def test_malformed_body_is_a_422_in_dutch(client: TestClient, payload: dict, fragment: str) -> None:
    _assert_error(client.post("/v1/ask", json=payload), 422, "validation_error", fragment)


def test_invalid_json_is_a_422(client: TestClient) -> None:
    response = client.post("/v1/ask", content=b"{question: ", headers={"content-type": "application/json"})
    _assert_error(response, 422, "validation_error", "geen geldige JSON")


def test_unknown_region_is_a_422_that_lists_the_regions(client: TestClient) -> None:
    response = client.post("/v1/ask", json={"question": START_QUESTION, "region": "utrecht"})
    _assert_error(
        response, 422, "unknown_region", "Onbekende regio 'utrecht'", "Kies uit: " + ", ".join(REGIONS)
    )


def test_unknown_path_and_method_are_json_errors(client: TestClient) -> None:
    _assert_error(client.get("/v1/bestaat-niet"), 404, "not_found", "Onbekend adres: /v1/bestaat-niet")
    _assert_error(client.get("/v1/ask"), 405, "method_not_allowed", "GET is niet toegestaan op /v1/ask")


# -- /v1/search ---------------------------------------------------------------------------------------


def test_search_returns_ranked_passages(client: TestClient) -> None:
    response = client.get("/v1/search", params={"q": START_QUESTION, "top_k": 3})
    assert response.status_code == 200, response.text
    result = SearchResponse.model_validate(response.json())

    assert result.query == START_QUESTION and result.region is None
    assert [p.rank for p in result.passages] == [1, 2, 3]
    assert [p.score for p in result.passages] == sorted((p.score for p in result.passages), reverse=True)
    assert any("305" in p.text for p in result.passages)
    for p in result.passages:
        assert p.id and p.document_id and p.title and p.text and p.scope in REGIONS
        assert p.dense_score is not None or p.bm25_score is not None


def test_search_default_top_k_and_region(client: TestClient) -> None:
    result = SearchResponse.model_validate(
        client.get("/v1/search", params={"q": "overgangsregeling", "region": "achterhoek"}).json()
    )
    assert len(result.passages) == 5
    assert result.region == "achterhoek"
    assert {p.scope for p in result.passages} <= {"achterhoek", "landelijk"}


@pytest.mark.parametrize(
    ("params", "fragment"),
    [
        ({"q": "zorg", "top_k": 0}, "top_k: is te klein"),
        ({"q": "zorg", "top_k": 51}, "top_k: is te groot"),
        ({"q": "zorg", "top_k": "veel"}, "top_k: moet een geheel getal zijn"),
        ({"q": ""}, "q: mag niet leeg zijn"),
        ({"q": "   "}, "q: De vraag is leeg"),
        ({"q": "z" * 1001}, "q: is te lang"),
        ({}, "q: ontbreekt"),
    ],
)
def test_search_validation_errors(client: TestClient, params: dict, fragment: str) -> None:
    _assert_error(client.get("/v1/search", params=params), 422, "validation_error", fragment)


def test_search_unknown_region(client: TestClient) -> None:
    _assert_error(
        client.get("/v1/search", params={"q": "zorg", "region": "groningen"}), 422, "unknown_region"
    )


def test_search_filters_on_document_type_and_date(client: TestClient) -> None:
    only_minutes = SearchResponse.model_validate(
        client.get(
            "/v1/search", params={"q": "indexering tarieven", "doc_type": "notulen", "top_k": 10}
        ).json()
    )
    assert only_minutes.passages and {p.doc_type for p in only_minutes.passages} == {"notulen"}

    two_types = SearchResponse.model_validate(
        client.get(
            "/v1/search",
            params=[("q", "berichten"), ("doc_type", "notulen"), ("doc_type", "verslag"), ("top_k", "20")],
        ).json()
    )
    assert {p.doc_type for p in two_types.passages} == {"notulen", "verslag"}

    recent = SearchResponse.model_validate(
        client.get("/v1/search", params={"q": "berichten", "since": "2023-01", "top_k": 20}).json()
    )
    assert recent.passages and all(p.date and p.date >= "2023-01" for p in recent.passages)


def test_search_with_a_malformed_date_is_a_422(client: TestClient) -> None:
    response = client.get("/v1/search", params={"q": "berichten", "since": "gisteren"})
    _assert_error(
        response, 422, "validation_error", "Datum 'gisteren' moet de vorm JJJJ, JJJJ-MM of JJJJ-MM-DD hebben"
    )


@pytest.mark.parametrize(
    "raw",
    [
        b'{"question": "\\u0000\\ud800"}',
        b'{"question": "Welk bericht \\ud800 stuur ik?"}',
        b'{"question": "Welk bericht\\u0000 stuur ik als de zorg start?"}',
    ],
)
def test_control_characters_and_lone_surrogates_never_give_a_500(client: TestClient, raw: bytes) -> None:
    """A NUL or a lone surrogate in the question is refused (422) or cleaned, never a server error."""
    response = client.post("/v1/ask", content=raw, headers={"content-type": "application/json"})
    assert response.status_code in (200, 422), response.text
    if response.status_code == 422:
        assert response.json()["error_code"] == "validation_error"
        assert "ongeldige tekens" in response.json()["detail"]


@pytest.mark.parametrize(
    ("method", "path", "raw"),
    [
        ("POST", "/v1/chat", b'{"message": "\\u0000\\ud800", "conversation_id": "\\udfff"}'),
        ("POST", "/v1/ask", b'{"question": "Welk bericht?", "region": "\\ud800"}'),
        ("POST", "/v1/feedback", b'{"answer_id": "\\ud800", "rating": "up", "comment": "\\u0000"}'),
        ("GET", "/v1/search?q=%00%ED%A0%80", b""),
        ("GET", "/v1/search?q=welk%00bericht&region=%ED%A0%80", b""),
    ],
)
def test_every_text_input_refuses_lone_surrogates_without_a_500(
    client: TestClient, method: str, path: str, raw: bytes
) -> None:
    response = client.request(method, path, content=raw or None, headers={"content-type": "application/json"})
    assert response.status_code < 500, response.text
