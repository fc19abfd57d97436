"""The chat page against `vraagbaak serve --auth` in a real browser: it asks for a key, refuses a wrong one, then a
`vrager` of one region sees only its regions and gets answers; "Afmelden" forgets the key."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import SessionIndex
from tests.e2e.test_browser import ARGS, CHROMIUM, SCREENSHOTS, _ask, sync_api
from tests.helpers import cli_env, copy_data_dir, free_port, run_cli, serving

pytestmark = [
    pytest.mark.slow,
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(),
                       reason="no browser: /usr/bin/chromium is missing (apt-get install -y chromium chromium-driver)"),
]


@pytest.fixture(scope="module")
def auth_page_server(session_index: SessionIndex, tmp_path_factory: pytest.TempPathFactory
                     ) -> Iterator[tuple[str, str]]:
    root = tmp_path_factory.mktemp("browser-auth")
    env = cli_env(copy_data_dir(session_index.data_dir, root / "data"))
    assert run_cli(["users", "add", "ann", "--role", "vrager", "--region", "achterhoek"], env).returncode == 0
    created = run_cli(["keys", "create", "--user", "ann"], env)
    assert created.returncode == 0, created.stderr
    port = free_port()
    with serving(env, port, root / "serve.log", ("--auth",)):
        yield f"http://127.0.0.1:{port}", created.stdout.strip()


def test_log_in_with_a_key_and_ask_in_own_region(auth_page_server: tuple[str, str], tmp_path: Path) -> None:
    url, token = auth_page_server
    with sync_api.sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(tmp_path / "profile"), executable_path=str(CHROMIUM), args=ARGS, headless=True,
            viewport={"width": 1280, "height": 860})
        try:
            page = context.new_page()
            errors: list[str] = []
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            page.goto(url + "/")
            key_form = page.locator("#key-form")
            sync_api.expect(key_form).to_be_visible()
            sync_api.expect(page.locator("#region option")).to_have_count(1)  # nothing loaded without a key

            page.fill("#api-key", token[:-3] + "xyz")
            page.keyboard.press("Enter")
            sync_api.expect(page.locator("#key-status")).to_contain_text("niet (meer) geaccepteerd")
            sync_api.expect(key_form).to_be_visible()

            page.fill("#api-key", token)
            page.get_by_role("button", name="Aanmelden").click()
            sync_api.expect(key_form).to_be_hidden()
            sync_api.expect(page.locator("#logout")).to_be_visible()
            sync_api.expect(page.locator("#region option")).to_have_count(3)  # all (of hers), Achterhoek, national
            assert page.evaluate("sessionStorage.getItem('vraagbaak-key')") == token

            answer = _ask(page, "Welk bericht stuur ik als de zorg start?", 1)
            sync_api.expect(answer.locator(".answer-body")).to_contain_text("305")
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(SCREENSHOTS / "09-logged-in-desktop.png"))

            page.click("#logout")
            sync_api.expect(key_form).to_be_visible()
            assert page.evaluate("sessionStorage.getItem('vraagbaak-key')") is None
            assert not errors, errors
        finally:
            context.close()
