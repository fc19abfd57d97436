"""The upload page in a real browser (Debian chromium driven by playwright) against `vraagbaak serve`.

Chooses a PDF, fills in the metadata, submits, sees the job become done and the document in the list, finds it
through the API, then deletes it from the page. Screenshots go to evaluation/results/screenshots/ (git-ignored).
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import SessionIndex
from tests.e2e.test_browser import ARGS, CHROMIUM, SCREENSHOTS
from tests.helpers import cli_env, copy_data_dir, free_port, serving
from tests.ingest.pdf_fixtures import image_only_pdf, text_pdf

pytestmark = [
    pytest.mark.slow,
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(),
                       reason="no browser: /usr/bin/chromium is missing (apt-get install -y chromium chromium-driver)"),
]
sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed (pip install -e '.[test]')")

PDF = text_pdf([["Vervoer naar dagbesteding", "",
                 "Het vervoer naar de dagbesteding regelt de aanbieder zelf; de gemeente betaalt een vaste",
                 "vergoeding van elf euro per rit als de afstand meer dan vijf kilometer is."]])


@pytest.fixture(scope="module")
def server(session_index: SessionIndex, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    root = tmp_path_factory.mktemp("upload-serve")
    data_dir = copy_data_dir(session_index.data_dir, root / "data")
    port = free_port()
    with serving(cli_env(data_dir), port, root / "serve.log"):
        yield f"http://127.0.0.1:{port}"


@pytest.fixture(scope="module")
def page(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    profile = tmp_path_factory.mktemp("chromium-upload-profile")
    with sync_api.sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(profile), executable_path=str(CHROMIUM), args=ARGS, headless=True,
            viewport={"width": 1100, "height": 900})
        try:
            yield context.new_page()
        finally:
            context.close()


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    folder = tmp_path_factory.mktemp("upload-screenshots")
    yield folder
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for png in folder.glob("*.png"):
        shutil.copy2(png, SCREENSHOTS / png.name)


def _choose(page, name: str, data: bytes, title: str) -> None:  # noqa: ANN001
    page.set_input_files("#file", files=[{"name": name, "mimeType": "application/pdf", "buffer": data}])
    page.fill("#title", title)


def test_upload_a_pdf_see_the_job_finish_and_delete_it(page, server: str, shots: Path) -> None:  # noqa: ANN001
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(server + "/upload")
    sync_api.expect(page.locator("#scope option")).to_have_count(4)  # the index's scopes (open mode: beheer)
    sync_api.expect(page.locator("#no-documents")).to_be_visible()

    _choose(page, "vervoer.pdf", PDF, "Vervoer naar dagbesteding De Fryske Marren")
    page.select_option("#scope", "de-fryske-marren")
    page.select_option("#doc_type", "werkinstructie")
    page.fill("#date", "2025-04-01")
    page.fill("#publisher", "Gemeente De Fryske Marren")
    page.screenshot(path=str(shots / "upload-01-form.png"))
    page.click("#submit")

    sync_api.expect(page.locator("#job")).to_have_attribute("data-status", "done", timeout=120_000)
    sync_api.expect(page.locator("#job")).to_contain_text(" geïndexeerd")
    row = page.locator("#documents tr", has_text="Vervoer naar dagbesteding De Fryske Marren")
    sync_api.expect(row).to_have_count(1)
    sync_api.expect(row.locator("td.status")).to_have_text("Klaar")
    assert int(row.locator("td.passages").inner_text()) >= 1
    sync_api.expect(row).to_contain_text("de-fryske-marren")
    page.screenshot(path=str(shots / "upload-02-done.png"))

    found = httpx.get(f"{server}/v1/search", params={"q": "vervoer dagbesteding elf euro per rit",
                                                     "region": "de-fryske-marren", "top_k": 1}, timeout=30).json()
    assert found["passages"][0]["title"] == "Vervoer naar dagbesteding De Fryske Marren"
    assert found["passages"][0]["publisher"] == "Gemeente De Fryske Marren"

    page.once("dialog", lambda dialog: dialog.accept())
    row.get_by_role("button", name="Vervoer naar dagbesteding De Fryske Marren verwijderen").click()
    sync_api.expect(page.locator("#status")).to_contain_text("is verwijderd")
    sync_api.expect(page.locator("#documents tr")).to_have_count(0)
    assert errors == []


def test_a_refused_file_shows_the_reason_and_the_key_is_sent(page, server: str, shots: Path) -> None:  # noqa: ANN001
    sent: list[str | None] = []

    def record(route) -> None:  # noqa: ANN001 - the key is recorded, then dropped: this server runs in open mode
        headers = dict(route.request.headers)
        sent.append(headers.pop("authorization", None))
        route.continue_(headers=headers)

    page.route("**/v1/**", record)
    page.goto(server + "/upload")
    page.evaluate("sessionStorage.setItem('vraagbaak-key', 'test-sleutel')")
    page.reload()
    sync_api.expect(page.locator("#scope option")).to_have_count(4)

    _choose(page, "scan.pdf", image_only_pdf(), "Gescande brief")
    page.click("#submit")
    sync_api.expect(page.locator("#job")).to_have_attribute("data-status", "failed", timeout=120_000)
    sync_api.expect(page.locator("#job-errors li")).to_contain_text("scan.pdf: PDF bevat geen tekst")
    page.screenshot(path=str(shots / "upload-03-failed.png"))

    _choose(page, "foto.jpg", b"\xff\xd8\xff\xe0 JFIF" * 10, "Foto")
    page.click("#submit")
    sync_api.expect(page.locator("#status")).to_contain_text("wordt niet ondersteund")
    assert len(sent) >= 4 and set(sent[2:]) == {"Bearer test-sleutel"}  # the first two: before the key was set
    page.evaluate("sessionStorage.removeItem('vraagbaak-key')")
    page.unroute("**/v1/**")
