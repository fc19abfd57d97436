"""`vraagbaak users` / `vraagbaak keys` and `vraagbaak serve --auth` as a new user runs them: subprocesses on a copy
of the real index, a real SQLite file and real HTTP on a loopback port."""

from __future__ import annotations

import sqlite3
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import SessionIndex
from tests.helpers import cli_env, copy_data_dir, free_port, run_cli, serving

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def env(session_index: SessionIndex, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    return cli_env(copy_data_dir(session_index.data_dir, tmp_path_factory.mktemp("auth-cli") / "data"))


def _ok(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    result = run_cli(args, env, timeout=120)
    assert result.returncode == 0, (args, result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    return result


def test_users_and_keys_commands(env: dict[str, str]) -> None:
    unknown = run_cli(["users", "add", "kees", "--role", "vrager", "--region", "utrecht"], env)
    assert unknown.returncode == 2 and "Regio 'utrecht' staat niet in de index" in unknown.stderr
    assert "achterhoek, de-fryske-marren, drechtsteden" in unknown.stderr
    neither = run_cli(["users", "add", "kees", "--role", "vrager"], env)
    assert neither.returncode == 2 and "--alle-regios" in neither.stderr

    _ok(["users", "add", "beheerder", "--role", "beheer", "--alle-regios"], env)
    added = _ok(["users", "add", "ann", "--role", "vrager", "--region", "achterhoek"], env)
    assert "rol vrager, achterhoek (+ landelijk)" in added.stdout
    token = _ok(["keys", "create", "--user", "ann", "--label", "laptop"], env).stdout.strip()
    assert token.startswith("vbk_") and "\n" not in token  # stdout is the key alone (KEY=$(vraagbaak keys create ...))
    listed = _ok(["users", "list"], env).stdout
    assert "ann\tvrager\tachterhoek\t1 actieve sleutel(s)" in listed and "beheerder\tbeheer\talle regio's" in listed
    key_id = token.split("_")[1]
    assert f"{key_id}\tann\tlaptop\tactief" in _ok(["keys", "list"], env).stdout
    _ok(["keys", "revoke", key_id], env)
    assert f"{key_id}\tann\tlaptop\tingetrokken" in _ok(["keys", "list", "--user", "ann"], env).stdout
    again = run_cli(["keys", "revoke", key_id], env)
    assert again.returncode == 2 and "al ingetrokken" in again.stderr
    _ok(["users", "remove", "ann"], env)
    assert "ann" not in _ok(["users", "list"], env).stdout

    with sqlite3.connect(Path(env["VRAAGBAAK_DATA_DIR"]) / "chat.sqlite3") as db:
        rows = db.execute("SELECT actor, action, target FROM audit_log ORDER BY id").fetchall()
    assert [r[1] for r in rows] == ["user.add", "user.add", "key.create", "key.revoke", "user.remove"]
    assert {r[0] for r in rows} == {"cli"} and "ann" not in repr(rows) and "laptop" not in repr(rows)


def test_serve_refuses_another_address_without_auth(env: dict[str, str]) -> None:
    result = run_cli(["serve", "--host", "0.0.0.0", "--port", str(free_port())], env, timeout=120)
    assert result.returncode == 2
    assert "Vraagbaak start niet op 0.0.0.0 zonder aanmelding" in result.stderr and "--auth" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.fixture(scope="module")
def auth_server(env: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str, str]]:
    _ok(["users", "add", "vrager-a", "--role", "vrager", "--region", "achterhoek"], env)
    token = _ok(["keys", "create", "--user", "vrager-a"], env).stdout.strip()
    port = free_port()
    log = tmp_path_factory.mktemp("auth-serve") / "serve.log"
    with serving(env, port, log, ("--auth",)):
        yield f"http://127.0.0.1:{port}", token, log.read_text()


def test_serve_with_auth_asks_for_a_key_and_answers_a_vrager_of_one_region(auth_server: tuple[str, str, str],
                                                                           env: dict[str, str]) -> None:
    url, token, log = auth_server
    assert "Aanmelden met API-sleutel staat aan" in log and "open modus" not in log
    anonymous = httpx.post(f"{url}/v1/ask", json={"question": "Wanneer wordt er geïndexeerd?"}, timeout=60)
    assert anonymous.status_code == 401 and anonymous.headers["www-authenticate"] == "Bearer"
    headers = {"Authorization": f"Bearer {token}"}
    answer = httpx.post(f"{url}/v1/ask", json={"question": "Wanneer wordt er geïndexeerd?"}, headers=headers,
                        timeout=60)
    assert answer.status_code == 200, answer.text
    assert {c["scope"] for c in answer.json()["citations"]} <= {"achterhoek", "landelijk"}
    assert answer.headers["x-frame-options"] == "DENY"
    _ok(["keys", "revoke", token], env)  # the CLI next to the running server (the database is shared)
    assert httpx.get(f"{url}/v1/regions", headers=headers, timeout=30).status_code == 401
