"""The credential endpoint in-process: who gets in, what it answers, how it holds up, and how the
credentials it serves are renewed (botocore's refreshing credentials on an injected clock).

End to end (the real `aws` CLI and boto3 as the command, moto_server): tests/e2e/test_endpoint_e2e.py.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import re
import select
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from botocore.credentials import RefreshableCredentials

from awsprofiles import endpoint, shells, store
from awsprofiles.aws.credentials import Credentials, LiveCredentials
from awsprofiles.errors import BadInput, CheckFailed, ProfilesError, Refused
from tests.conftest import PROFILES, Home
from tests.console_handoff import OTHER_UID, SETPRIV, python_for_other_user

KEYS = Credentials("AKIAIOSFODNN7EXAMPLE", "static-secret", region="eu-west-1")


def _session(expires: datetime, n: int = 1) -> Credentials:
    return Credentials(f"ASIASESSION{n:09d}", f"secret-{n}", f"token-{n}", expires)


class Recorded:
    """A `Reporter` that keeps what it would say."""

    def __init__(self) -> None:
        self.errors: list[ProfilesError] = []

    def __call__(self, error: ProfilesError) -> None:
        self.errors.append(error)


@pytest.fixture
def served() -> Iterator[tuple[endpoint.Endpoint, list[Credentials | ProfilesError], Recorded]]:
    """A running endpoint whose answers come from a list (its last item); an error is raised."""
    answers: list[Credentials | ProfilesError] = [KEYS]

    def source() -> Credentials:
        last = answers[-1]
        if isinstance(last, ProfilesError):
            raise last
        return last

    report = Recorded()
    point = endpoint.Endpoint(source, report=report)
    point.start()
    yield point, answers, report
    point.stop()


def get(
    point: endpoint.Endpoint, headers: dict[str, str] | None = None, method: str = "GET", path: str = "/"
) -> tuple[int, dict[str, str]]:
    connection = http.client.HTTPConnection(endpoint.HOST, point.port, timeout=10)
    try:
        connection.request(
            method, path, headers=headers if headers is not None else {"Authorization": point.token}
        )
        response = connection.getresponse()
        return response.status, json.loads(response.read())
    finally:
        connection.close()


def head(host: str, token: str | None, extra: str = "", request_line: str = "GET / HTTP/1.1") -> bytes:
    lines = [request_line, f"Host: {host}"] + ([f"Authorization: {token}"] if token is not None else [])
    return ("\r\n".join(lines) + extra + "\r\n\r\n").encode("latin-1")


# --------------------------------------------------------------------------- who gets in


def test_the_token_is_256_random_bits_and_each_endpoint_has_its_own() -> None:
    first = endpoint.Endpoint(lambda: KEYS)
    second = endpoint.Endpoint(lambda: KEYS)
    try:
        assert len(bytes.fromhex(first.token)) == 32
        assert first.token != second.token
        assert first.token not in repr(first)
    finally:
        first.stop()
        second.stop()


def _outward_address() -> str | None:
    """This machine's address on its network (no packet is sent), or None without one."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("10.255.255.255", 1))
        except OSError:
            return None
        address = str(probe.getsockname()[0])
    return None if address.startswith("127.") else address


def test_it_listens_on_127_0_0_1_only(served: tuple[endpoint.Endpoint, list, Recorded]) -> None:
    point, _, _ = served
    assert point.url == f"http://127.0.0.1:{point.port}/"
    assert point._listener.getsockname() == ("127.0.0.1", point.port)
    outward = _outward_address()
    if outward is not None:
        with pytest.raises(OSError):  # noqa: PT011  (refused, or unreachable: either way, not served)
            socket.create_connection((outward, point.port), timeout=2).close()


def test_a_request_with_the_token_gets_the_credentials(
    served: tuple[endpoint.Endpoint, list, Recorded],
) -> None:
    point, answers, _ = served
    expires = datetime.now(UTC).replace(microsecond=0) + timedelta(hours=1)
    answers.append(_session(expires))
    status, body = get(point)
    assert status == 200
    assert body == {
        "AccessKeyId": "ASIASESSION000000001",
        "SecretAccessKey": "secret-1",
        "Token": "token-1",
        "Expiration": shells.iso8601(expires),
    }


def test_an_access_key_is_served_with_an_empty_token_and_an_expiry_an_hour_away(
    served: tuple[endpoint.Endpoint, list, Recorded],
) -> None:
    point, _, _ = served
    status, body = get(point)
    assert status == 200
    assert body["Token"] == ""
    left = datetime.fromisoformat(body["Expiration"]) - datetime.now(UTC)
    assert timedelta(minutes=59) < left <= timedelta(hours=1)


@pytest.mark.parametrize(
    ("headers", "status"),
    [
        ({}, 401),
        ({"Authorization": "wrong"}, 403),
        ({"Authorization": ""}, 403),
        ({"Authorization": "Bearer TOKEN"}, 403),
        ({"Authorization": "TOKEN "}, 200),  # HTTP trims the value's white space, as every server does
        ({"Authorization": "TOKENx"}, 403),
        ({"Authorization": "TOKEN"[:-1]}, 403),
    ],
)
def test_a_missing_token_is_401_and_a_wrong_one_403_without_credentials(
    served: tuple[endpoint.Endpoint, list, Recorded], headers: dict[str, str], status: int
) -> None:
    point, _, _ = served
    sent = {name: value.replace("TOKEN", point.token) for name, value in headers.items()}
    got, body = get(point, sent)
    assert got == status
    if status != 200:
        assert set(body) == {"code", "message"}
        assert point.token not in json.dumps(body)
        assert KEYS.secret_access_key not in json.dumps(body)


@pytest.mark.parametrize(
    "host",
    [
        "localhost:{port}",
        "evil.example:{port}",
        "127.0.0.1",
        "127.0.0.1:1",
        "127.0.0.2:{port}",
        "[::1]:{port}",
    ],
)
def test_another_host_header_is_refused_even_with_the_token(
    served: tuple[endpoint.Endpoint, list, Recorded], host: str
) -> None:
    """DNS rebinding: a web page that resolves its own name to 127.0.0.1 sends its own name."""
    point, _, _ = served
    assert point.answer(head(host.format(port=point.port), point.token))[0] == 403
    assert point.answer(head(point.host, point.token))[0] == 200


def _on_port_80() -> endpoint.Endpoint:
    """An endpoint on port 80 (we run as root in CI), or a skip when it cannot listen there."""
    deadline = time.monotonic() + 5
    while True:
        try:
            return endpoint.Endpoint(lambda: KEYS, port=80)
        except ProfilesError as error:  # not root, or another test of this machine has it now
            if time.monotonic() > deadline:
                pytest.skip(f"cannot listen on port 80 here: {error.message}")
            time.sleep(0.2)


def test_on_port_80_a_host_without_the_port_is_this_endpoint() -> None:
    """`profiles serve --port 80`: an HTTP client leaves the default port out of Host."""
    point = _on_port_80()
    point.start()
    try:
        assert point.url == "http://127.0.0.1:80/"
        assert get(point)[0] == 200  # http.client sends "Host: 127.0.0.1"
        assert point.answer(head("127.0.0.1", point.token))[0] == 200
        assert point.answer(head("127.0.0.1:80", point.token))[0] == 200
        for other in ("localhost", "127.0.0.2", "127.0.0.1:8080", "127.0.0.1:", "attacker.example"):
            assert point.answer(head(other, point.token))[0] == 403, other
    finally:
        point.stop()


@pytest.mark.parametrize(
    "request_head",
    [
        b"GET / HTTP/1.1\r\nHost: {host}\r\nHost: {host}\r\nAuthorization: {token}\r\n",
        b"GET / HTTP/1.1\r\nHost: {host}\r\nAuthorization: {token}\r\nAuthorization: {token}\r\n",
        b"GET / HTTP/1.1\r\nHost: {host}\r\nAuthorization: {token}\r\n continued\r\n",
        b"GET / HTTP/1.1\r\nHost: {host}\r\nAuthorization {token}\r\n",
        b"GET / HTTP/1.1\r\nHost : {host}\r\nAuthorization: {token}\r\n",
        b"GET /\r\nHost: {host}\r\nAuthorization: {token}\r\n",
        b"GET / SPDY/3\r\nHost: {host}\r\nAuthorization: {token}\r\n",
    ],
)
def test_an_ambiguous_or_malformed_request_is_400(
    served: tuple[endpoint.Endpoint, list, Recorded], request_head: bytes
) -> None:
    point, _, _ = served
    sent = request_head.replace(b"{host}", point.host.encode()).replace(b"{token}", point.token.encode())
    assert point.answer(sent + b"\r\n")[0] == 400


def test_only_get_of_the_root_is_served(served: tuple[endpoint.Endpoint, list, Recorded]) -> None:
    point, _, _ = served
    assert get(point, method="POST")[0] == 405
    assert get(point, path="/latest/meta-data")[0] == 404
    assert get(point, {"Authorization": "wrong"}, path="/x")[0] == 403  # nothing is said before the token


# --------------------------------------------------------------------------- failures


def test_credentials_that_cannot_be_had_are_an_error_the_sdk_shows_said_once_on_stderr(
    served: tuple[endpoint.Endpoint, list, Recorded],
) -> None:
    point, answers, report = served
    needs_login = CheckFailed(
        "profile 'dev': the SSO sign-in has ended; run 'profiles login dev'", "sso-login"
    )
    answers.append(needs_login)
    for _ in range(3):  # botocore asks three times
        status, body = get(point)
        assert status == 503
        assert body == {"code": "sso-login", "message": needs_login.message}
    assert len(report.errors) == 3  # the endpoint reports each; the Reporter says it once


def test_the_reporter_says_a_problem_once_a_minute(capsys: pytest.CaptureFixture[str]) -> None:
    report = endpoint.Reporter()
    problem = CheckFailed("run 'profiles login dev'\x1b[31m", "sso-login")
    report(problem)
    report(problem)
    report(CheckFailed("another", "expired"))
    err = capsys.readouterr().err
    assert err == "profiles: run 'profiles login dev'\\x1b[31m [sso-login]\nprofiles: another [expired]\n"


@pytest.mark.parametrize("stderr", [None, "closed"])
def test_the_reporter_never_fails_on_a_stderr_that_is_gone(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, stderr: str | None
) -> None:
    """It runs on the endpoint's threads (its accepting one included), which must serve on."""
    gone = None if stderr is None else open(tmp_path / "err", "w")  # noqa: SIM115
    if gone is not None:
        gone.close()
    monkeypatch.setattr(sys, "stderr", gone)
    endpoint.Reporter()(ProfilesError("refused a connection from uid 65534"))


def test_an_unexpected_failure_is_named_by_its_type_only(
    served: tuple[endpoint.Endpoint, list, Recorded],
) -> None:
    point = endpoint.Endpoint(
        lambda: (_ for _ in ()).throw(KeyError("secret-in-a-message")), report=Recorded()
    )
    try:
        status, body = point.answer(head(point.host, point.token))
    finally:
        point.stop()
    assert status == 503
    assert "secret-in-a-message" not in json.dumps(body)
    assert "KeyError" in body["message"]


# --------------------------------------------------------------------------- holding up


def test_an_idle_connection_does_not_hold_up_another(
    served: tuple[endpoint.Endpoint, list, Recorded],
) -> None:
    point, _, _ = served
    idle = socket.create_connection((endpoint.HOST, point.port))
    idle.sendall(b"GET / HTTP/1.1\r\n")  # and never the rest
    try:
        started = time.monotonic()
        assert get(point)[0] == 200
        assert time.monotonic() - started < endpoint.REQUEST_SECONDS / 2
    finally:
        idle.close()


def test_a_slow_request_is_dropped_and_a_long_one_refused(
    served: tuple[endpoint.Endpoint, list, Recorded], monkeypatch: pytest.MonkeyPatch
) -> None:
    point, _, _ = served
    monkeypatch.setattr(endpoint, "REQUEST_SECONDS", 0.3)
    with socket.create_connection((endpoint.HOST, point.port)) as slow:
        slow.settimeout(5)
        slow.sendall(b"GET / HTTP/1.1\r\n")
        assert slow.recv(100) == b""  # closed without an answer, after the deadline
    with socket.create_connection((endpoint.HOST, point.port)) as long:
        long.settimeout(5)
        with contextlib.suppress(OSError):  # the endpoint may close before it is all sent
            long.sendall(b"GET / HTTP/1.1\r\nX: " + b"a" * (2 * endpoint.MAX_REQUEST_BYTES))
        try:
            reply = long.recv(100)
        except ConnectionResetError:  # closed with the rest of the request unread
            reply = b""
        assert reply == b"" or reply.startswith(b"HTTP/1.1 431 ")


def test_a_dribbling_client_cannot_stretch_its_deadline(
    served: tuple[endpoint.Endpoint, list, Recorded], monkeypatch: pytest.MonkeyPatch
) -> None:
    point, _, _ = served
    monkeypatch.setattr(endpoint, "REQUEST_SECONDS", 0.5)
    with socket.create_connection((endpoint.HOST, point.port)) as slow:
        started = time.monotonic()
        closed_after = None
        while time.monotonic() - started < 5:  # a byte every 0.1 s: never idle long, never done
            try:
                slow.sendall(b"X")
                readable, _, _ = select.select([slow], [], [], 0.1)
                if readable and slow.recv(100) == b"":
                    closed_after = time.monotonic() - started
                    break
            except OSError:
                closed_after = time.monotonic() - started
                break
        assert closed_after is not None
        assert closed_after < 2.5


def _answer_of(connection: socket.socket) -> bytes:
    connection.settimeout(10)
    answer = b""
    while data := connection.recv(4096):
        answer += data
    return answer


def test_when_every_slot_is_taken_the_oldest_connection_without_a_request_makes_way() -> None:
    """A flood of idle connections (on a system without a socket table to tell whose they are)
    cannot hold every slot: a new connection takes the slot of the oldest one that has not sent
    its request; one being answered keeps its own."""
    gate = threading.Event()

    def credentials() -> Credentials:
        gate.wait(10)
        return KEYS

    point = endpoint.Endpoint(credentials, report=Recorded())
    point.start()
    address = (endpoint.HOST, point.port)
    answering = socket.create_connection(address)
    idle: list[socket.socket] = []
    try:
        answering.sendall(head(point.host, point.token))
        time.sleep(0.3)  # read, and waiting for its credentials
        idle = [socket.create_connection(address) for _ in range(endpoint.MAX_CONNECTIONS - 1)]
        time.sleep(0.5)  # every slot is taken now
        with socket.create_connection(address) as newest:
            newest.sendall(head(point.host, point.token))
            idle[0].settimeout(2)  # long before its REQUEST_SECONDS are up
            assert idle[0].recv(10) == b""  # the oldest idle one was closed for it
            still_open, _, _ = select.select(idle[1:], [], [], 0.3)
            assert still_open == []  # the others keep their slots: nothing to read, not even a close
            gate.set()
            assert _answer_of(newest).startswith(b"HTTP/1.1 200 OK\r\n")
        assert _answer_of(answering).startswith(b"HTTP/1.1 200 OK\r\n")
    finally:
        gate.set()
        for connection in [answering, *idle]:
            connection.close()
        point.stop()


def marks_the_shell(line: str) -> bool:
    """Whether ``line`` of serve's is its last, the one that marks the shell with PROFILES_ACTIVE
    (the lines before it that save the shell's values test it: `shells.saving`)."""
    return shells.ACTIVE in line and not line.startswith("if ")


def _serve_keys(home: Home) -> tuple[subprocess.Popen[str], str]:
    """`profiles serve k` (a keys profile: no AWS call) running, and the lines it printed."""
    home.credentials.parent.mkdir(parents=True)
    home.credentials.write_text("[k]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = s\n")
    serving = subprocess.Popen(
        [*PROFILES, "serve", "k", "--shell", "bash"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert serving.stdout is not None
    lines = ""
    line = ""
    while not marks_the_shell(line):
        line = serving.stdout.readline()
        assert line, serving.communicate(timeout=30)[1]
        lines += line
    return serving, lines


FLOOD = 64


def test_another_local_user_holding_idle_connections_cannot_lock_the_user_out(home: Home) -> None:
    """Another uid keeps 64 idle connections open (twice as many as the endpoint serves at once),
    opening a new one for each closed, while the user's client fetches the credentials: every
    fetch is served, and the other uid is never sent a byte."""
    python = python_for_other_user()
    serving, lines = _serve_keys(home)
    attacker = None
    try:
        url = re.search(r"AWS_CONTAINER_CREDENTIALS_FULL_URI='http://127.0.0.1:(\d+)/'", lines)
        token = re.search(r"AWS_CONTAINER_AUTHORIZATION_TOKEN='([0-9a-f]+)'", lines)
        assert url is not None
        assert token is not None
        port = int(url.group(1))
        source = (Path(__file__).parent / "endpoint_flood.py").read_text()
        attacker = subprocess.Popen(
            ["setpriv", *SETPRIV, python, "-I", "-c", source, str(port), str(FLOOD)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd="/",
        )  # fmt: skip
        assert attacker.stdout is not None
        assert attacker.stdout.readline().split()[:2] == ["ready", str(OTHER_UID)]
        time.sleep(0.5)  # the flood is on: whatever is closed is opened again at once
        answers = []
        for _ in range(12):
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)  # botocore's own limit
            try:
                connection.request("GET", "/", headers={"Authorization": token.group(1)})
                answers.append(connection.getresponse().status)
            except (OSError, http.client.HTTPException) as error:
                answers.append(type(error).__name__)
            finally:
                connection.close()
            time.sleep(0.1)
    finally:
        flooded = attacker.communicate("", timeout=30)[0] if attacker is not None else ""
        serving.send_signal(signal.SIGTERM)
        _, err = serving.communicate(timeout=30)
    assert answers == [200] * 12, err
    assert err.count(f"refused a connection from uid {OTHER_UID}") == 1  # said, once a minute
    report = json.loads(flooded.splitlines()[-1])
    assert report["opened"] > FLOOD  # its connections were closed, and it opened new ones
    assert report["received"] == 0  # closed unread: not even a 401


def test_stop_closes_the_port() -> None:
    point = endpoint.Endpoint(lambda: KEYS)
    point.start()
    assert get(point)[0] == 200
    point.stop()
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection((endpoint.HOST, point.port), timeout=2).close()


class _Stub:
    """An endpoint that starts nothing: `serve_until_signal` waits for a signal around it."""

    def __init__(self, on_start: Callable[[], None]) -> None:
        self.on_start = on_start
        self.stopped = False

    def start(self) -> None:
        self.on_start()

    def stop(self) -> None:
        self.stopped = True


@pytest.mark.skipif(not hasattr(signal, "SIGTERM") or os.name != "posix", reason="POSIX signals")
def test_a_second_signal_while_serve_stops_is_ignored_not_raised(monkeypatch: pytest.MonkeyPatch) -> None:
    """Ctrl-C, then SIGTERM arriving while `serve` handles the first (before the signals are set
    to be ignored): the handler raises once; the second changes nothing."""
    installed = signal.signal
    sent: list[int] = []

    def install(number: int, handler: object) -> object:
        if handler is signal.SIG_IGN and not sent:  # the window: handling the first signal
            sent.append(signal.SIGTERM)
            os.kill(os.getpid(), signal.SIGTERM)  # its handler runs before the next line
        return installed(number, handler)  # type: ignore[arg-type]

    previous = {number: signal.getsignal(number) for number in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)}
    stub = _Stub(lambda: os.kill(os.getpid(), signal.SIGINT))
    monkeypatch.setattr(signal, "signal", install)
    try:
        code = endpoint.serve_until_signal(stub, lambda: None)  # type: ignore[arg-type]
    finally:
        for number, handler in previous.items():
            installed(number, handler)
    assert sent == [signal.SIGTERM]
    assert code == 130  # the first signal decides
    assert stub.stopped


def test_a_port_in_use_is_a_clear_error() -> None:
    first = endpoint.Endpoint(lambda: KEYS)
    try:
        with pytest.raises(Refused, match=f"cannot listen on 127.0.0.1:{first.port}: Address already in use"):
            endpoint.Endpoint(lambda: KEYS, port=first.port)
    finally:
        first.stop()


# --------------------------------------------------------------------------- renewal


class Clock:
    def __init__(self) -> None:
        self.now = datetime.now(UTC).replace(microsecond=0)

    def __call__(self) -> datetime:
        return self.now

    def timestamp(self) -> float:
        return self.now.timestamp()


def _refreshing(
    clock: Clock, seconds: int, windows: endpoint.Windows
) -> tuple[RefreshableCredentials, list[int]]:
    """botocore's refreshing credentials on ``clock``, each refresh a new session of ``seconds``."""
    made: list[int] = []

    def refresh() -> dict[str, str]:
        made.append(len(made) + 1)
        n = made[-1]
        return {
            "access_key": f"ASIASESSION{n:09d}",
            "secret_key": f"secret-{n}",
            "token": f"token-{n}",
            "expiry_time": (clock.now + timedelta(seconds=seconds)).isoformat(),
        }

    first = refresh()
    credentials = RefreshableCredentials.create_from_metadata(
        first, refresh, "test", advisory_timeout=windows.advisory, mandatory_timeout=windows.mandatory
    )
    credentials._time_fetcher = clock  # botocore's own clock parameter, set after its factory
    return credentials, made


def _never() -> LiveCredentials:
    raise AssertionError("resolved afresh, while botocore renews the credentials itself")


def test_a_request_after_the_first_credentials_need_renewing_gets_new_ones() -> None:
    clock = Clock()
    windows = endpoint.Windows(15 * 60, 10 * 60)
    credentials, made = _refreshing(clock, 3600, windows)
    live = LiveCredentials(None, credentials, "dev", None)
    source = endpoint.Source("dev", windows, _never, live=live, clock=clock.timestamp)
    first = source.current()
    clock.now += timedelta(minutes=44)  # 16 minutes left: not yet
    assert source.current() == first
    assert made == [1]
    clock.now += timedelta(minutes=2)  # 14 left: botocore renews them
    second = source.current()
    assert made == [1, 2]
    assert second.access_key_id != first.access_key_id
    assert second.expiration is not None
    assert first.expiration is not None
    assert second.expiration > first.expiration
    clock.now += timedelta(hours=2)  # long after both expired
    third = source.current()
    assert third.access_key_id == "ASIASESSION000000003"
    assert third.expiration is not None
    assert (third.expiration - clock.now) == timedelta(hours=1)


def _failing(credentials: RefreshableCredentials, error: ProfilesError) -> list[bool]:
    """Make botocore's refresh of ``credentials`` fail with ``error`` while the flag is set."""
    failing = [True]
    refresh = credentials._refresh_using

    def maybe() -> dict[str, str]:
        if failing[0]:
            raise error
        return refresh()  # type: ignore[no-any-return]

    credentials._refresh_using = maybe
    return failing


def test_credentials_that_cannot_be_renewed_are_never_served_stale() -> None:
    """botocore cannot renew them (an MFA code is needed): the profile resolved afresh cannot
    either; the old ones are served while they have minutes left, then an error that says why."""
    clock = Clock()
    windows = endpoint.Windows(15 * 60, 10 * 60)
    credentials, _ = _refreshing(clock, 3600, windows)
    needs_code = CheckFailed(
        "profile 'dev' needs a new MFA code: run 'profiles exec dev -- true'", "mfa-required"
    )
    attempts: list[float] = []

    def afresh() -> LiveCredentials:
        attempts.append(clock.timestamp())
        raise needs_code

    report = Recorded()
    live = LiveCredentials(None, credentials, "dev", None)
    source = endpoint.Source("dev", windows, afresh, live=live, report=report, clock=clock.timestamp)
    source.current()
    failing = _failing(credentials, needs_code)
    clock.now += timedelta(minutes=47)  # 13 left: botocore's advisory refresh fails, the old ones serve
    assert source.current().access_key_id == "ASIASESSION000000001"
    assert source.current().access_key_id == "ASIASESSION000000001"
    assert len(attempts) == 1  # not on every request
    assert report.errors == [needs_code]  # said while the credentials still work
    clock.now += timedelta(seconds=endpoint.Source.RETRY_SECONDS)
    source.current()
    assert len(attempts) == 2
    clock.now += timedelta(minutes=5)  # 8 left: botocore must renew them, and cannot; they still serve
    assert source.current().access_key_id == "ASIASESSION000000001"
    clock.now += timedelta(minutes=4)  # 4 left: under the minimum
    with pytest.raises(CheckFailed, match="MFA code"):
        source.current()
    failing[0] = False
    assert source.current().access_key_id == "ASIASESSION000000002"


def test_a_session_botocore_will_not_renew_is_resolved_afresh() -> None:
    """botocore assumes a role with mfa_serial once and then refuses to refresh it; the profile
    resolved again finds the session the user renewed (here: made by the new resolution)."""
    clock = Clock()
    windows = endpoint.Windows(15 * 60, 10 * 60)
    credentials, _ = _refreshing(clock, 3600, windows)
    _failing(credentials, CheckFailed("its session needs a new MFA code", "mfa-required"))
    renewed, _ = _refreshing(clock, 3600, windows)
    renewed._refresh_using = lambda: {
        "access_key": "ASIARENEWEDRENEWED01",
        "secret_key": "renewed",
        "token": "renewed-token",
        "expiry_time": (clock.now + timedelta(hours=1)).isoformat(),
    }
    renewed._expiry_time = clock.now  # due at once: the fresh chain's first use resolves it
    live = LiveCredentials(None, credentials, "dev", None)
    source = endpoint.Source(
        "dev", windows, lambda: LiveCredentials(None, renewed, "dev", None), live=live, clock=clock.timestamp
    )
    clock.now += timedelta(minutes=55)  # 5 left: botocore refuses; resolved afresh
    assert source.current().access_key_id == "ASIARENEWEDRENEWED01"
    clock.now += timedelta(minutes=10)
    assert source.current().access_key_id == "ASIARENEWEDRENEWED01"  # the new chain serves on


def test_renewed_credentials_that_expire_too_soon_are_not_served() -> None:
    clock = Clock()
    windows = endpoint.Windows(15 * 60, 10 * 60)
    credentials, _ = _refreshing(clock, 60, windows)  # a process that hands out one-minute sessions
    live = LiveCredentials(None, credentials, "dev", None)
    source = endpoint.Source(
        "dev",
        windows,
        lambda: LiveCredentials(None, credentials, "dev", None),
        live=live,
        clock=clock.timestamp,
    )
    soon = r"its credentials expire in 1m \(\d\d:\d\d UTC\) and could not be renewed"
    with pytest.raises(CheckFailed, match=soon) as raised:
        source.current()
    assert raised.value.code == "expired"


class _Stuck:
    """Refreshing credentials that are never renewed: ``current`` gives the same ones, expired."""

    def __init__(self, credentials: Credentials) -> None:
        self.credentials = credentials

    def current(self) -> Credentials:
        return self.credentials


def test_credentials_that_have_expired_are_said_to_have_expired_when_they_cannot_be_renewed() -> None:
    clock = Clock()
    expired = _session(clock.now - timedelta(minutes=3))
    stuck: LiveCredentials = _Stuck(expired)  # type: ignore[assignment]
    source = endpoint.Source(
        "dev", endpoint.Windows(15 * 60, 10 * 60), lambda: stuck, live=stuck, clock=clock.timestamp
    )
    with pytest.raises(CheckFailed) as raised:
        source.current()
    assert raised.value.message == (
        f"profile 'dev': its credentials expired at {expired.expiration:%H:%M} UTC and could not be "
        "renewed; they are not served"
    )


def test_exec_s_first_credentials_are_served_until_they_need_renewing_then_botocores() -> None:
    clock = Clock()
    windows = endpoint.Windows(15 * 60, 10 * 60)
    cached = _session(clock.now + timedelta(minutes=40), n=7)
    made: list[LiveCredentials] = []

    def make_live() -> LiveCredentials:
        credentials, _ = _refreshing(clock, 3600, windows)
        made.append(LiveCredentials(None, credentials, "dev", None))
        return made[-1]

    source = endpoint.Source("dev", windows, make_live, first=cached, clock=clock.timestamp)
    assert source.current() == cached
    clock.now += timedelta(minutes=24)  # 16 left
    assert source.current() == cached
    assert made == []  # botocore not even loaded
    clock.now += timedelta(minutes=2)
    assert source.current().access_key_id == "ASIASESSION000000001"
    assert source.current().access_key_id == "ASIASESSION000000001"
    assert len(made) == 1


def test_concurrent_requests_share_one_renewal() -> None:
    clock = Clock()
    windows = endpoint.Windows(15 * 60, 10 * 60)
    credentials, made = _refreshing(clock, 3600, windows)
    live = LiveCredentials(None, credentials, "dev", None)
    source = endpoint.Source("dev", windows, _never, live=live, clock=clock.timestamp)
    clock.now += timedelta(minutes=55)  # 5 left: mandatory
    got: list[str] = []
    threads = [threading.Thread(target=lambda: got.append(source.current().access_key_id)) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert made == [1, 2]
    assert got == ["ASIASESSION000000002"] * 8


@pytest.mark.parametrize(
    ("windows", "seconds"),
    [(endpoint.Windows(15 * 60, 10 * 60), 643), (endpoint.Windows(60, 60), 112)],
    ids=["default", "refresh-60"],
)
def test_a_failed_renewal_serves_the_credentials_held_until_the_minimum_then_an_error(
    windows: endpoint.Windows, seconds: int
) -> None:
    """The AWS endpoint goes down: botocore's mandatory refresh raises, but the credentials held
    still work; they are served (the failure said, a renewal tried now and then) while they have
    more than the minimum left, and only then is the answer an error."""
    clock = Clock()
    credentials, made = _refreshing(clock, seconds, windows)
    expires = clock.now + timedelta(seconds=seconds)
    down = CheckFailed("profile 'dev': cannot reach STS", "network")
    failing = _failing(credentials, down)
    attempts: list[float] = []

    def afresh() -> LiveCredentials:
        attempts.append(clock.timestamp())
        raise down

    report = Recorded()
    live = LiveCredentials(None, credentials, "dev", None)
    source = endpoint.Source("dev", windows, afresh, live=live, report=report, clock=clock.timestamp)
    assert source.current().access_key_id == "ASIASESSION000000001"
    clock.now = expires - timedelta(seconds=windows.mandatory - 1)  # botocore must renew them, and cannot
    start = clock.timestamp()
    while clock.now < expires - timedelta(seconds=windows.minimum):
        assert source.current().access_key_id == "ASIASESSION000000001"
        clock.now += timedelta(seconds=1)
    assert report.errors  # said while they work
    assert all(error is down for error in report.errors)
    tried = len(attempts)
    assert 1 <= tried <= (clock.timestamp() - start) / endpoint.Source.RETRY_SECONDS + 2  # a bounded rate
    clock.now = expires - timedelta(seconds=windows.minimum - 1)
    with pytest.raises(CheckFailed, match="cannot reach STS"):
        source.current()
    failing[0] = False  # back up: the next request renews them
    renewed = source.current()
    assert renewed.access_key_id == f"ASIASESSION{len(made):09d}" != "ASIASESSION000000001"


def test_a_session_as_short_as_the_advisory_window_is_renewed_once_not_on_every_request() -> None:
    """A 900-second role session (the STS minimum) has no more than the 15-minute advisory window
    left when it is got: it is renewed halfway through its life, by one AssumeRole, not on every
    request."""
    clock = Clock()
    windows = endpoint.Windows(15 * 60, 10 * 60)
    credentials, made = _refreshing(clock, 900, windows)
    live = LiveCredentials(None, credentials, "dev", None)
    source = endpoint.Source("dev", windows, _never, live=live, clock=clock.timestamp)
    for _ in range(20):  # 400 seconds of requests
        assert source.current().access_key_id == "ASIASESSION000000001"
        clock.now += timedelta(seconds=20)
    assert made == [1]
    clock.now += timedelta(seconds=60)  # 440 left: past half of its life, well before the minimum
    assert source.current().access_key_id == "ASIASESSION000000002"
    assert made == [1, 2]
    for _ in range(20):
        assert source.current().access_key_id == "ASIASESSION000000002"
        clock.now += timedelta(seconds=20)
    assert made == [1, 2]


def test_a_profile_resolved_afresh_is_not_resolved_again_on_every_request() -> None:
    """botocore will not renew the session (an MFA role) and resolving afresh finds one that is
    itself inside the advisory window: it serves, and the profile is resolved again at a bounded
    rate, not on every request."""
    clock = Clock()
    windows = endpoint.Windows(15 * 60, 10 * 60)
    credentials, _ = _refreshing(clock, 3600, windows)
    _failing(credentials, CheckFailed("its session needs a new MFA code", "mfa-required"))
    resolved: list[float] = []

    def afresh() -> LiveCredentials:
        resolved.append(clock.timestamp())
        cached = _session(clock.now + timedelta(minutes=12), n=9)  # renewed by the user 48 minutes ago
        return _Stuck(cached)  # type: ignore[return-value]

    live = LiveCredentials(None, credentials, "dev", None)
    source = endpoint.Source("dev", windows, afresh, live=live, clock=clock.timestamp)
    assert source.current().access_key_id == "ASIASESSION000000001"
    clock.now += timedelta(minutes=50)  # 10 left: botocore refuses; resolved afresh
    for _ in range(10):
        assert source.current().access_key_id == "ASIASESSION000000009"
    assert len(resolved) == 1


@pytest.mark.parametrize(
    ("value", "windows"),
    [(None, (900, 600)), ("", (900, 600)), ("900", (900, 600)), ("890", (890, 600)), ("120", (120, 120))],
)
def test_the_refresh_setting(value: str | None, windows: tuple[int, int]) -> None:
    environ = {} if value is None else {endpoint.REFRESH_SETTING: value}
    got = endpoint.refresh_windows(environ)
    assert (got.advisory, got.mandatory) == windows
    assert 0 < got.minimum <= got.mandatory


@pytest.mark.parametrize("value", ["59", "901", "15m", "-5", "1e3"])
def test_a_refresh_setting_out_of_range_is_bad_input(value: str) -> None:
    with pytest.raises(BadInput, match=endpoint.REFRESH_SETTING):
        endpoint.refresh_windows({endpoint.REFRESH_SETTING: value})


# --------------------------------------------------------------------------- the environment


ENDPOINT_URL = "http://127.0.0.1:4321/"
TOKEN = "ab" * 32


def test_the_command_gets_the_endpoint_and_nothing_an_sdk_would_use_before_it() -> None:
    assignments = dict(shells.endpoint_assignments(ENDPOINT_URL, TOKEN, "eu-west-2"))
    assert assignments[shells.ENDPOINT_URL] == ENDPOINT_URL
    assert assignments[shells.ENDPOINT_TOKEN] == TOKEN
    removed = {name for name, value in assignments.items() if value is None}
    assert removed >= {
        "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN",
        "AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
        "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_ROLE_ARN",
    }  # fmt: skip
    assert (assignments["AWS_REGION"], assignments["AWS_DEFAULT_REGION"]) == ("eu-west-2", "eu-west-2")
    assert not any(name.startswith("AWS_ENDPOINT_URL") for name in assignments)


@pytest.mark.parametrize("shell", [shell for shell in shells.SHELLS if shell != "json"])
def test_serve_writes_its_lines_for_every_shell_env_writes_for(shell: str) -> None:
    text = shells.saving(shell) + shells.render(
        shell, shells.serve_assignments(ENDPOINT_URL, TOKEN, "eu-west-2", "dev")
    )
    assert ENDPOINT_URL in text
    assert TOKEN in text
    # The shell that runs the lines saves its own AWS_PROFILE for --unset (tested in real shells
    # in tests/e2e/test_endpoint_e2e.py); cmd and a dotenv file cannot, and claim nothing.
    assert ("PROFILES_SAVED_AWS_PROFILE" in text) == (shell not in ("cmd", "dotenv"))
    if shell != "dotenv":
        assert "PROFILES_ACTIVE" in text


def test_serve_s_powershell_lines_save_the_pasting_shell_s_values_once() -> None:
    assert shells.saving("powershell").splitlines()[0] == (
        "if (-not (Test-Path Env:PROFILES_ACTIVE) -and (Test-Path Env:AWS_PROFILE)) "
        "{ $Env:PROFILES_SAVED_AWS_PROFILE = $Env:AWS_PROFILE }"
    )


def test_env_unset_takes_back_the_endpoint_serve_set_but_never_a_container_s_own() -> None:
    served = {"PROFILES_ACTIVE": "dev", shells.ENDPOINT_URL: ENDPOINT_URL, shells.ENDPOINT_TOKEN: TOKEN}
    assert (shells.ENDPOINT_URL, None) in shells.unset_assignments(served)
    assert (shells.ENDPOINT_TOKEN, None) in shells.unset_assignments(served)
    in_a_container = {shells.ENDPOINT_URL: "http://169.254.170.23/v1/credentials", shells.ENDPOINT_TOKEN: "x"}
    for environ in (in_a_container, {**in_a_container, "PROFILES_ACTIVE": "dev"}):
        names = [name for name, _ in shells.unset_assignments(environ)]
        assert shells.ENDPOINT_URL not in names
        assert shells.ENDPOINT_TOKEN not in names


@pytest.mark.parametrize(
    ("default", "warned"),
    [
        ("", False),
        ("[default]\nregion = eu-west-1\n", False),
        ("[default]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = s\n", True),
        ("[default]\ncredential_process = /bin/true\n", True),
        ("[default]\nrole_arn = arn:aws:iam::123456789012:role/r\nsource_profile = k\n", True),
    ],
)
def test_a_default_profile_with_credentials_is_named_as_what_the_sdks_would_use_instead(
    home: Home, default: str, warned: bool
) -> None:
    home.config.parent.mkdir(parents=True)
    home.config.write_text(default)
    warning = endpoint.default_shadows(store.load(home.paths))
    assert (warning is not None) == warned
    if warning:
        assert "profile 'default' has credentials of its own" in warning


# --------------------------------------------------------------------------- a real process


PROCESS = """\
import json, os, sys
from datetime import datetime, timedelta, timezone
counter = sys.argv[1]
n = int(open(counter).read()) + 1 if os.path.exists(counter) else 1
open(counter, "w").write(str(n))
expires = datetime.now(timezone.utc) + timedelta(seconds=int(sys.argv[2]))
print(json.dumps({"Version": 1, "AccessKeyId": "ASIAPROCESS%09d" % n, "SecretAccessKey": "s%d" % n,
                  "SessionToken": "t%d" % n, "Expiration": expires.strftime("%Y-%m-%dT%H:%M:%SZ")}))
"""
FETCH = """\
import json, os, sys, time, urllib.request
def fetch():
    request = urllib.request.Request(os.environ["AWS_CONTAINER_CREDENTIALS_FULL_URI"],
        headers={"Authorization": os.environ["AWS_CONTAINER_AUTHORIZATION_TOKEN"]})
    return json.load(urllib.request.urlopen(request, timeout=30))["AccessKeyId"]
seen = [fetch(), fetch()]
time.sleep(float(sys.argv[1]))
seen.append(fetch())
print(" ".join(seen))
"""


def test_a_credential_process_is_run_again_through_botocore_when_its_credentials_near_expiry(
    home: Home, tmp_path: Path
) -> None:
    process, fetch, counter = tmp_path / "process.py", tmp_path / "fetch.py", tmp_path / "runs"
    process.write_text(PROCESS)
    fetch.write_text(FETCH)
    home.config.parent.mkdir(parents=True)
    # 66-second sessions with the shortest refresh setting (60): renewed halfway through, after 33 s
    home.config.write_text(f"[profile p]\ncredential_process = {sys.executable} {process} {counter} 66\n")
    ran = subprocess.run(
        [*PROFILES, "exec", "p", "--server", "--", sys.executable, str(fetch), "35"],
        capture_output=True, text=True, timeout=120, env={**os.environ, endpoint.REFRESH_SETTING: "60"},
    )  # fmt: skip
    assert ran.returncode == 0, ran.stderr
    first, again, later = ran.stdout.split()
    assert first == again == "ASIAPROCESS000000001"
    assert later == "ASIAPROCESS000000002"


def test_exec_server_warns_when_the_default_profile_would_win_over_the_endpoint(home: Home) -> None:
    home.credentials.parent.mkdir(parents=True)
    keys = "aws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = s\n"
    home.credentials.write_text(f"[k]\n{keys}[default]\n{keys}")
    ran = subprocess.run([*PROFILES, "exec", "k", "--server", "--", "true"], capture_output=True, text=True)
    assert ran.returncode == 0
    assert ran.stderr.startswith("warning: profile 'default' has credentials of its own (keys)")


@pytest.mark.skipif(os.name != "posix", reason="POSIX signals")
@pytest.mark.parametrize(
    "signals", [(signal.SIGINT, signal.SIGTERM), (signal.SIGTERM, signal.SIGINT, signal.SIGINT)]
)
def test_serve_ends_cleanly_on_signals_sent_together(home: Home, signals: tuple[signal.Signals, ...]) -> None:
    serving, _ = _serve_keys(home)
    for number in signals:
        serving.send_signal(number)
    _, err = serving.communicate(timeout=30)
    assert serving.returncode in (0, 130), err  # whichever Python's handlers took first
    assert "Traceback" not in err
    assert "error:" not in err
