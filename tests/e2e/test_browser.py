"""The chat page in a real browser (Debian chromium driven by playwright) against `vraagbaak serve`.

Asks a question, reads the answer and its sources, opens a source (highlighted quote), asks a follow-up, gives
feedback and checks it was stored; also the empty-answer and unreachable messages, keyboard use and the narrow
(mobile) layout. Screenshots go to the test's tmp dir and to evaluation/results/screenshots/ (git-ignored).
"""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.e2e.conftest import ChatServer
from tests.helpers import REPO

CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOTS = REPO / "evaluation" / "results" / "screenshots"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(),
                       reason="no browser: /usr/bin/chromium is missing (apt-get install -y chromium chromium-driver)"),
]
sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed (pip install -e '.[test]')")

FIRST = "Tot wanneer loopt de overgangsperiode in de Achterhoek?"
FOLLOW_UP = "Mogen we de oude productcodes in die periode nog gebruiken?"
UNANSWERABLE = "Wat is het uurtarief voor individuele begeleiding in 2022?"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    profile = tmp_path_factory.mktemp("chromium-profile")
    with sync_api.sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(profile), executable_path=str(CHROMIUM), args=ARGS, headless=True,
            viewport={"width": 1280, "height": 860})
        try:
            yield context
        finally:
            context.close()


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    folder = tmp_path_factory.mktemp("screenshots")
    yield folder
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for png in folder.glob("*.png"):
        shutil.copy2(png, SCREENSHOTS / png.name)


def _ask(page, question: str, turn: int) -> object:  # noqa: ANN001
    page.fill("#question", question)
    page.keyboard.press("Enter")
    answer = page.locator(f"#log > li:nth-child({turn}) .answer")
    sync_api.expect(answer).to_have_attribute("data-state", "done", timeout=60_000)
    return answer


def test_ask_read_sources_follow_up_and_feedback(browser, chat_server: ChatServer, shots: Path) -> None:  # noqa: ANN001
    page = browser.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(chat_server.url + "/")
    sync_api.expect(page.locator("#region option")).to_have_count(5)  # all + 4 regions from the index
    sync_api.expect(page.locator("h2#welcome-heading")).to_have_text("Waar kan ik u mee helpen?")
    page.screenshot(path=str(shots / "01-start-desktop.png"))

    page.select_option("#region", "achterhoek")
    first = _ask(page, FIRST, 1)
    sync_api.expect(first.locator(".answer-body")).to_contain_text("1 januari 2023")
    assert first.locator(".citation").count() >= 1
    assert first.locator(".answer-body .cite").count() >= 1

    first.locator(".answer-body .cite").first.click()
    source = page.locator("#source")
    sync_api.expect(source).to_be_visible()
    mark = source.locator(".passage mark").first
    sync_api.expect(mark).to_be_visible()
    sync_api.expect(mark).to_contain_text("1 januari 2023")
    for label in ("Organisatie", "Regio", "Datum", "Vindplaats"):
        sync_api.expect(source.locator("dt", has_text=label)).to_have_count(1)
    sync_api.expect(source.locator(".source-meta")).to_contain_text("Sociaal Domein Achterhoek")
    sync_api.expect(page.locator("#source-heading")).to_contain_text("Bron 1 van")
    page.screenshot(path=str(shots / "02-answer-and-source-desktop.png"))

    second = _ask(page, FOLLOW_UP, 2)
    sync_api.expect(second.locator(".searched")).to_contain_text("Gezocht naar:")
    sync_api.expect(second.locator(".searched")).to_contain_text("overgangsperiode")
    sync_api.expect(second.locator(".answer-body")).to_contain_text("de oude codes blijven bestaan")

    second.locator(".thumb[data-rating='up']").click()
    second.locator(".feedback-form textarea").fill("Duidelijk, met de juiste bron.")
    second.locator(".feedback-form button[type=submit]").click()
    sync_api.expect(second.locator(".feedback-status")).to_have_text("Bedankt! Uw beoordeling is opgeslagen.")
    second.locator(".citation").last.click()
    second.scroll_into_view_if_needed()
    page.screenshot(path=str(shots / "03-follow-up-and-feedback-desktop.png"))

    answer_id = second.get_attribute("data-answer-id")
    stored = httpx.get(f"{chat_server.url}/v1/feedback", params={"answer_id": answer_id}, timeout=10).json()
    assert [(f["rating"], f["comment"], f["question"]) for f in stored["feedback"]] == [
        ("up", "Duidelijk, met de juiste bron.", FOLLOW_UP)]
    with sqlite3.connect(chat_server.data_dir / "chat.sqlite3") as db:
        row = db.execute("SELECT rating, standalone_question FROM feedback WHERE answer_id = ?",
                         (answer_id,)).fetchone()
    assert row[0] == "up" and "overgangsperiode" in row[1]

    page.reload()  # the conversation comes back from the server
    sync_api.expect(page.locator("#log > li")).to_have_count(2)
    sync_api.expect(page.locator("#log > li:nth-child(2) .question-text")).to_have_text(FOLLOW_UP)

    empty = _ask(page, UNANSWERABLE, 3)
    sync_api.expect(empty).to_have_class("answer not-answered")
    sync_api.expect(empty.locator(".notice-title")).to_have_text("De documenten geven geen antwoord op deze vraag.")
    page.wait_for_timeout(600)  # the smooth scroll to the answer
    page.screenshot(path=str(shots / "04-no-answer-desktop.png"))

    typed = _ask(page, "Binnen hoeveel dagen moet het stratbericht eruit?", 4)  # a typing error
    sync_api.expect(typed.locator(".searched")).to_contain_text("Gezocht naar:")
    sync_api.expect(typed.locator(".searched")).to_contain_text("startbericht")
    sync_api.expect(typed.locator(".answer-body")).to_contain_text("305")
    assert not errors, errors


def test_unreachable_service_gets_a_clear_message(browser, chat_server: ChatServer, shots: Path) -> None:  # noqa: ANN001
    page = browser.new_page()
    page.goto(chat_server.url + "/")
    page.click("#new-conversation")
    page.route("**/v1/chat/stream", lambda route: route.abort("connectionrefused"))
    page.fill("#question", "Welk bericht stuur ik als de zorg start?")
    page.keyboard.press("Enter")
    banner = page.locator("#status")
    sync_api.expect(banner).to_be_visible()
    sync_api.expect(banner).to_contain_text("Vraagbaak is op dit moment niet bereikbaar")
    sync_api.expect(page.locator("#log .answer.failed")).to_contain_text("Geen verbinding")
    page.screenshot(path=str(shots / "05-unreachable-desktop.png"))

    page.unroute("**/v1/chat/stream")
    banner.get_by_role("button", name="Opnieuw proberen").click()
    sync_api.expect(page.locator("#log > li:last-child .answer")).to_have_attribute("data-state", "done",
                                                                                  timeout=60_000)
    sync_api.expect(banner).to_be_hidden()


def test_keyboard_only(browser, chat_server: ChatServer) -> None:  # noqa: ANN001
    page = browser.new_page()
    page.goto(chat_server.url + "/")
    page.click("#new-conversation")
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Tab")
    sync_api.expect(page.locator("#question")).to_be_focused()  # focus returns to the question after "new"
    page.keyboard.type("Welk bericht stuur ik als de zorg start?")
    page.keyboard.press("Enter")
    answer = page.locator("#log > li:nth-child(1) .answer")
    sync_api.expect(answer).to_have_attribute("data-state", "done", timeout=60_000)
    cite = answer.locator(".answer-body .cite").first
    cite.focus()
    page.keyboard.press("Enter")
    sync_api.expect(page.locator("#source .passage mark").first).to_be_visible()
    sync_api.expect(page.locator("#source-panel")).to_be_focused()
    page.keyboard.press("Escape")
    sync_api.expect(cite).to_be_focused()


def test_narrow_screen(browser, chat_server: ChatServer, shots: Path) -> None:  # noqa: ANN001
    page = browser.new_page()
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(chat_server.url + "/")
    page.click("#new-conversation")
    page.select_option("#region", "")
    sync_api.expect(page.locator(".brand-tagline")).to_be_hidden()
    page.screenshot(path=str(shots / "06-start-mobile.png"))
    answer = _ask(page, "Vanaf wanneer geldt het bandbreedtemodel voor huishoudelijke ondersteuning?", 1)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # nothing wider than the screen
    page.screenshot(path=str(shots / "07-answer-mobile.png"))

    answer.locator(".citation").first.click()
    panel = page.locator("#source-panel")
    sync_api.expect(panel).to_have_attribute("role", "dialog")
    sync_api.expect(page.locator("#close-source")).to_be_focused()
    sync_api.expect(panel.locator(".passage mark").first).to_be_visible()
    page.wait_for_timeout(300)  # the sheet slides in
    page.screenshot(path=str(shots / "08-source-mobile.png"))
    page.keyboard.press("Escape")
    sync_api.expect(panel).not_to_have_attribute("role", "dialog")
    sync_api.expect(answer.locator(".citation").first).to_be_focused()


def test_a_source_of_several_parts_opens_whole_with_its_quote_marked(browser, trained_chat_server: ChatServer,  # noqa: ANN001
                                                                      shots: Path) -> None:
    """With the trained reranker a citation is a source (sources.py): the panel says how many parts it shows and
    marks the quote in their text."""
    question = "Hoe werkt de indexering?"
    api = httpx.post(f"{trained_chat_server.url}/v1/ask", json={"question": question}, timeout=60).json()
    several = [c for c in api["citations"] if len(c["passage_ids"]) > 1]
    assert several, [c["passage_ids"] for c in api["citations"]]
    citation = several[0]

    page = browser.new_page()
    page.goto(trained_chat_server.url + "/")
    answer = _ask(page, question, 1)
    answer.locator(".citation").nth(citation["n"] - 1).click()
    source = page.locator("#source")
    sync_api.expect(page.locator("#source-heading")).to_contain_text(f"Bron {citation['n']} van")
    sync_api.expect(source.locator(".passage-heading")).to_have_text(
        f"Uit de bron ({len(citation['passage_ids'])} delen)", ignore_case=True)
    passage = source.locator(".passage")
    for part in citation["text"].split("\n\n"):  # every part of the source is shown, in the document's order
        sync_api.expect(passage).to_contain_text(" ".join(part.split()[:8]))
    sync_api.expect(source.locator(".passage mark").first).to_be_visible()
    page.screenshot(path=str(shots / "09-source-of-several-parts.png"))
    page.close()
