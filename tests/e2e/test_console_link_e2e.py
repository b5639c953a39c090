"""The console's sign-in link against other local processes: the real `profiles console` as a
subprocess (moto_server as STS, the local federation endpoint), a browser given by BROWSER, and

- another local user (uid 65534, tests/link_attacker.py) who reads every process's command line
  and tries every link, page and port it sees, before the browser asks: it never gets a token;
- an idle and a garbage connection to the hand-off port: the browser is served all the same,
  `console` ends at once, and the port is closed once the link is served.
"""

from __future__ import annotations

import socket
import subprocess
import time
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.conftest import PROFILES
from tests.console_handoff import OTHER_UID, Attacker, browser_report, write_browser
from tests.e2e.conftest import Article
from tests.federation import FederationEndpoint

pytestmark = pytest.mark.e2e

RUNS = 10


def set_up(article: Article) -> None:
    article.home.config.parent.mkdir(parents=True, exist_ok=True)
    article.home.config.write_text(
        f"[profile example-role]\nrole_arn = {article.role_arn}\nsource_profile = Bob\n"
    )
    article.home.credentials.write_text(
        f"[Bob]\naws_access_key_id = {article.bob_key_id}\naws_secret_access_key = {article.bob_secret}\n"
    )


def sign_in_token(location: str | None, signin: FederationEndpoint) -> str:
    assert location is not None
    assert location.startswith(signin.url + "?")
    query = parse_qs(urlsplit(location).query)
    assert query["Action"] == ["login"]
    [token] = query["SigninToken"]
    assert token in signin.issued
    return token


def test_another_local_user_never_gets_the_sign_in_link(article: Article, tmp_path: Path) -> None:
    set_up(article)
    browser = write_browser(tmp_path)
    attackers: list[str] = []
    with FederationEndpoint(article.server.url).serving() as signin:
        article.env["AWS_ENDPOINT_URL_SIGNIN"] = signin.url
        for run in range(RUNS):
            go, report = tmp_path / f"go-{run}", tmp_path / f"browser-{run}.json"
            article.env["BROWSER"] = f"{browser} {go} {report} %s"
            # The browser asks for its link only once the attacker has tried it (or a page).
            with Attacker(str(tmp_path), go) as attacker:
                opened = article.profiles("console", "example-role")
            attackers.append(attacker.output())
            found = browser_report(report)

            assert attacker.report["uid"] == [OTHER_UID, OTHER_UID, []]
            # It saw the link on the browser's command line, and asked for it first.
            assert found["given"] in attacker.report["seen"], attacker.output()
            assert any(kind == "link" for kind, _, _ in attacker.report["tried"]), attacker.output()
            assert attacker.report["tokens"] == [], f"run {run}: the other user got a sign-in token"
            # The user's browser got the sign-in URL, and profiles says what it refused.
            assert (opened.returncode, opened.stdout) == (0, ""), opened.stderr
            assert opened.stderr.startswith("opened the AWS console as profile 'example-role'")
            assert f"uid {OTHER_UID}" in opened.stderr
            assert "refused" in opened.stderr
            assert found["status"] == 303, found
            sign_in_token(found["location"], signin)
            assert found["after"] == "ConnectionRefusedError"

    assert len(signin.issued) == RUNS
    for token in signin.issued:
        assert all(token not in output for output in attackers)


def test_an_idle_connection_neither_stalls_console_nor_keeps_the_port_open(
    article: Article, tmp_path: Path
) -> None:
    set_up(article)
    browser = write_browser(tmp_path)
    go, report = tmp_path / "go", tmp_path / "browser.json"
    with FederationEndpoint(article.server.url).serving() as signin:
        env = {**article.env, "AWS_ENDPOINT_URL_SIGNIN": signin.url, "BROWSER": f"{browser} {go} {report} %s"}
        started = time.monotonic()
        console = subprocess.Popen(
            [*PROFILES, "console", "example-role"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        held: list[socket.socket] = []
        try:
            given = Path(f"{report}.given")
            while not given.exists() and console.poll() is None and time.monotonic() < started + 60:
                time.sleep(0.01)
            port = urlsplit(given.read_text()).port
            assert port is not None
            # Before the browser asks: one connection that sends nothing, one that sends garbage
            # that never ends a request, both held open until console has ended.
            held.append(socket.create_connection(("127.0.0.1", port), timeout=5))
            held.append(socket.create_connection(("127.0.0.1", port), timeout=5))
            held[1].sendall(b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + b"\xff" * 2000)
            time.sleep(0.3)
            go.touch()
            try:
                out, err = console.communicate(timeout=75)
            except subprocess.TimeoutExpired:
                console.kill()
                out, err = console.communicate()
                pytest.fail(f"console still running after {time.monotonic() - started:.0f} s: {err}")
            elapsed = time.monotonic() - started
        finally:
            for connection in held:
                connection.close()
            if console.poll() is None:
                console.kill()

    assert (console.returncode, out) == (0, ""), err
    assert err.startswith("opened the AWS console as profile 'example-role'")
    found = browser_report(report)
    assert found["status"] == 303, found
    sign_in_token(found["location"], signin)
    # The link served, its port is closed: a second connection is refused, not left hanging.
    assert found["after"] == "ConnectionRefusedError"
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", port), timeout=5)
    assert elapsed < 30, f"console took {elapsed:.1f} s"
