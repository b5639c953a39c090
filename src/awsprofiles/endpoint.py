"""A credential endpoint on 127.0.0.1 that keeps a profile's credentials fresh, for one command
(``profiles exec NAME --server -- COMMAND``) or for whatever is given its URL and token
(``profiles serve NAME``).

**Protocol.** The ECS container credentials provider's, which every AWS SDK and the AWS CLI read:
the command's environment holds ``AWS_CONTAINER_CREDENTIALS_FULL_URI`` (``http://127.0.0.1:PORT/``)
and ``AWS_CONTAINER_AUTHORIZATION_TOKEN``; the SDK sends ``GET /`` with the token as its
``Authorization`` header and gets ``{"AccessKeyId", "SecretAccessKey", "Token", "Expiration"}``.
When its credentials come near their expiry the SDK asks again. botocore takes such a URL only
on a loopback address (``127.0.0.1`` or any ``127/8``, ``::1``), ``localhost`` and the ECS and
EKS link-local hosts; older releases only ``127.0.0.1`` and ``localhost``: the URL names
``127.0.0.1``.

**Refresh.** What the endpoint serves comes from botocore's own refreshing credentials
(`aws.credentials.LiveCredentials`: roles and chains, SSO, a ``credential_process`` that says when
its credentials expire, a keyring profile's MFA session through its credential_process), renewed
by botocore once they have less than 15 minutes left (or half the time they had when they were
got, when that is shorter). Where botocore does not renew them (a role with ``mfa_serial``:
botocore asks for one code per chain) the profile is resolved afresh, which
finds a session renewed in the AWS CLI's cache or asks for a code (`Source`). An answer never
holds credentials with less than a few minutes left: when they cannot be renewed, the SDK gets an
error that says why and what to run (and ``profiles`` says it on its stderr, once, while the old
ones still serve), never stale credentials. ``exec --server`` starts from what ``exec`` would
have given the command (a role's session in the AWS CLI's cache, without botocore), and loads
botocore only when that needs renewing. ``PROFILES_REFRESH_SECONDS`` (60-900, default 900)
renews them that long before they expire.

**Protection.** Only who holds the token gets credentials: 256 random bits per endpoint, compared
in constant time; a missing token is 401, a wrong one 403, neither says anything more. The socket
listens on 127.0.0.1 only, and a request whose ``Host`` is not ``127.0.0.1:PORT`` (or
``127.0.0.1`` on port 80, HTTP's default, which clients leave out) is refused (403): a web page
that makes its own name resolve to 127.0.0.1 (DNS rebinding) sends its own name.
The token reaches the command only in its environment (never in argv, which every local user
can read in ``ps``), and is never printed by ``exec --server``, logged, or put in an error.
Reads are bounded (8 KiB of request head, 5 seconds per connection), each connection has a
thread of its own (one idle connection cannot hold up the others).

**Whose connections.** Where the kernel's socket table says who owns the other end of each
connection (Linux: `awsprofiles.peers`), a connection from another uid than the user's own or
root's is closed as it is accepted, unread, before it takes one of the 32 slots (root can read
the token from ``/proc`` anyway; ``sudo`` and a root container keep working), and said on
stderr (once a minute): another local user cannot hold the slots and lock the user's SDK out.
A container on this machine is served when it shares the host's network (the endpoint listens
on 127.0.0.1 only: ``docker run --network host``) and runs as the user's uid or root. Where no
socket table can be read (macOS, Windows, the BSDs), every connection is accepted. Either way,
when all 32 slots are taken, a new connection takes the slot of the oldest one that has not yet
sent its whole request head (which is closed): a flood of idle connections makes way for the
SDK's, which sends its request at once. What no program can prevent: another user who floods
the port with new connections as fast as two CPUs allow fills the kernel's queue of connections
not yet accepted, and a few of the SDK's requests are delayed or time out (the SDKs retry); they
get no credentials and hold no slot.

**Not protected against**: a process running as the same user. It can read the command's
environment (``/proc/PID/environ``), or the memory of ``profiles``, and so the token or the
credentials themselves, as it could read ``~/.aws`` or the AWS CLI's cache. The endpoint keeps
other users and web pages out, not the user's own programs.
"""

from __future__ import annotations

import contextlib
import errno
import hmac
import json
import os
import selectors
import socket
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from awsprofiles.errors import BadInput, CheckFailed, ProfilesError, Refused
from awsprofiles.expiry import expire_phrase, iso8601
from awsprofiles.peers import Address, address_of, owners_of, uid_if_checkable

if TYPE_CHECKING:
    from awsprofiles.aws.credentials import LiveCredentials
    from awsprofiles.model import Credentials
    from awsprofiles.store import Paths, Snapshot

HOST = "127.0.0.1"
PATH = "/"
TOKEN_BYTES = 32  # 256 bits
#: A connection has this long to send its request head, and again to take the answer.
REQUEST_SECONDS = 5.0
MAX_REQUEST_BYTES = 8 * 1024
#: Connections served at once (each has a thread); a new one takes the slot of the oldest that
#: has not sent its request head when they are all taken.
MAX_CONNECTIONS = 32
#: Connections the kernel queues until they are accepted: as many as it allows (a flood of
#: connections fills a short queue faster than one thread accepts them, and the SDK's is dropped).
BACKLOG = socket.SOMAXCONN
#: Credentials that do not expire (an access key) are served as if they did after this long, so
#: that the SDK asks again now and then (the SDKs require an Expiration).
STATIC_SECONDS = 60 * 60

#: How long before they expire credentials are renewed (botocore's advisory refresh window).
REFRESH_SETTING = "PROFILES_REFRESH_SECONDS"
DEFAULT_REFRESH_SECONDS = 15 * 60
MIN_REFRESH_SECONDS = 60
#: botocore's mandatory refresh window: under it, botocore blocks until it has new credentials.
MANDATORY_SECONDS = 10 * 60


@dataclass(frozen=True)
class Windows:
    """When credentials are renewed: under ``advisory`` seconds left botocore tries (and keeps the
    old ones if it fails), under ``mandatory`` it must succeed; none is served with less than
    ``minimum``."""

    advisory: int
    mandatory: int

    @property
    def minimum(self) -> int:
        return min(5 * 60, self.mandatory // 2)


def refresh_windows(environ: dict[str, str] | None = None) -> Windows:
    """botocore's windows, or those ``PROFILES_REFRESH_SECONDS`` asks for (at most botocore's: the
    caches botocore renews role and SSO credentials from keep their entries for 15 minutes)."""
    text = (os.environ if environ is None else environ).get(REFRESH_SETTING, "").strip()
    if not text:
        return Windows(DEFAULT_REFRESH_SECONDS, MANDATORY_SECONDS)
    if not text.isdigit() or not MIN_REFRESH_SECONDS <= int(text) <= DEFAULT_REFRESH_SECONDS:
        raise BadInput(
            f"{REFRESH_SETTING} is seconds from {MIN_REFRESH_SECONDS} to {DEFAULT_REFRESH_SECONDS} "
            "(how long before they expire credentials are renewed)"
        )
    seconds = int(text)
    return Windows(seconds, min(seconds, MANDATORY_SECONDS))


def _printable(text: str) -> str:
    """An error line as a terminal shows it: a control character (a credential_process's stderr
    is quoted in some) is escaped, never obeyed."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


class Reporter:
    """Says on stderr what stops the endpoint from serving credentials, and what to do about it:
    once, not once per request (an SDK asks three times a call), again after a minute."""

    AGAIN_SECONDS = 60.0

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._last: tuple[str, float] | None = None

    def __call__(self, error: ProfilesError) -> None:
        code = f" [{error.code}]" if isinstance(error, CheckFailed) and error.code else ""
        line = f"profiles: {_printable(error.message)}{code}\n"
        now = time.monotonic()
        with self._lock:
            if self._last is not None and self._last[0] == line and now - self._last[1] < self.AGAIN_SECONDS:
                return
            self._last = (line, now)
        try:
            sys.stderr.write(line)
            sys.stderr.flush()
        except (OSError, ValueError, AttributeError):  # a stderr closed or gone: the endpoint serves on
            pass


class Source:
    """What the endpoint serves.

    The credentials held (at first ``first``: those just got, or what ``exec`` would give the
    command) are served until they come inside their renewal window; then botocore's refreshing
    credentials (``live``, made by ``make_live`` when first needed) are asked again, which botocore
    renews. When botocore has not renewed them (it never asks for a second MFA code: a role with
    ``mfa_serial`` is assumed once per chain; or its attempt failed: the AWS endpoint cannot be
    reached), the profile is resolved afresh by ``make_live``, which finds a session the user
    renewed in the AWS CLI's cache, asks for a code (``serve`` on a terminal) or says what to run
    (``report``).
    A renewal is tried at most every ``RETRY_SECONDS`` while the credentials held have more than
    ``windows.minimum`` left (they serve meanwhile), and on every request once they do not.
    Raises `ProfilesError` rather than serve credentials with less than the minimum left.
    """

    RETRY_SECONDS = 10.0

    def __init__(
        self,
        profile: str,
        windows: Windows,
        make_live: Callable[[], LiveCredentials],
        *,
        live: LiveCredentials | None = None,
        first: Credentials | None = None,
        report: Callable[[ProfilesError], None] | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.profile = profile
        self.windows = windows
        self._make_live = make_live
        self._live = live
        self.report = report or Reporter()
        self._clock = clock
        self._lock = threading.Lock()
        #: Held by the request that renews the credentials; the others serve the ones held.
        self._renew_lock = threading.Lock()
        #: The credentials served, and how long before they expire they are renewed.
        self._held: tuple[Credentials, float] | None = None
        self._next_try = 0.0
        if first is not None:
            self._hold(first)

    def _seconds_left(self, credentials: Credentials) -> float:
        if credentials.expiration is None:
            return float("inf")
        return credentials.expiration.timestamp() - self._clock()

    def _window(self, credentials: Credentials) -> float:
        """How long before they expire ``credentials`` (just got) are renewed: the advisory window,
        or half their life when that is shorter (a 900-second role session is renewed once, after
        7.5 minutes, not on every request), never under the minimum."""
        half = self._seconds_left(credentials) / 2
        return max(float(self.windows.minimum), min(float(self.windows.advisory), half))

    def _serves(self, held: tuple[Credentials, float] | None) -> Credentials | None:
        """The credentials held, while they need no renewal or one is not due yet."""
        if held is None:
            return None
        credentials, window = held
        left = self._seconds_left(credentials)
        if left >= window or (left >= self.windows.minimum and self._clock() < self._next_try):
            return credentials
        return None

    def current(self) -> Credentials:
        served = self._serves(self._held)
        if served is not None:
            return served
        held = self._held
        if held is not None and self._seconds_left(held[0]) >= self.windows.minimum:
            if not self._renew_lock.acquire(blocking=False):
                return held[0]  # another request renews them; these serve meanwhile
        else:
            self._renew_lock.acquire()
        try:
            served = self._serves(self._held)  # renewed by the request this one waited for
            if served is not None:
                return served
            return self._renew()
        finally:
            self._renew_lock.release()

    def _hold(self, credentials: Credentials) -> Credentials:
        self._held = (credentials, self._window(credentials))
        return credentials

    def _renew(self) -> Credentials:
        """New credentials from botocore, else from the profile resolved afresh, else the ones
        held while they have more than the minimum left (the failure said); else the error."""
        tried = self._clock()
        failure: ProfilesError | None = None
        credentials: Credentials | None = None
        try:
            with self._lock:
                if self._live is None:
                    self._live = self._make_live()
                live = self._live
            credentials = live.current()
        except ProfilesError as error:
            failure = error  # botocore's mandatory refresh failed (or refused)
        held = self._held[0] if self._held is not None else None
        if (
            credentials is not None
            and credentials != held  # renewed by botocore (or the first ones)
            and self._seconds_left(credentials) >= self._window(credentials)
        ):
            return self._hold(credentials)
        self._next_try = tried + self.RETRY_SECONDS
        try:
            live = self._make_live()
            renewed = live.current()
        except ProfilesError as error:
            failure = error
        else:
            if self._seconds_left(renewed) >= self.windows.minimum:
                with self._lock:
                    self._live = live
                return renewed if renewed == held else self._hold(renewed)  # the same: retried as due
        old = credentials if credentials is not None else held
        if old is not None and self._seconds_left(old) >= self.windows.minimum:
            if failure is not None:
                self.report(failure)
            return old if old == held else self._hold(old)
        if failure is not None:
            raise failure
        if old is None or old.expiration is None:  # a profile that gives nothing, never the case
            raise CheckFailed(f"profile {self.profile!r}: no credentials", "no-credentials")
        expire = expire_phrase(self._seconds_left(old), old.expiration)
        raise CheckFailed(
            f"profile {self.profile!r}: its credentials {expire} and could not be renewed; "
            "they are not served",
            "expired",
        )


def document(credentials: Credentials, now: float | None = None) -> dict[str, str]:
    """The answer the SDKs' container credentials providers read."""
    expiration = credentials.expiration
    if expiration is None:
        from datetime import UTC, datetime

        expiration = datetime.fromtimestamp((time.time() if now is None else now) + STATIC_SECONDS, UTC)
    return {
        "AccessKeyId": credentials.access_key_id,
        "SecretAccessKey": credentials.secret_access_key,
        # An access key has no token; the SDKs require the field to be a string.
        "Token": credentials.session_token or "",
        "Expiration": iso8601(expiration),
    }


def _error(code: str, message: str) -> dict[str, str]:
    # The form the SDKs parse an endpoint's error from; botocore quotes the body in its error.
    return {"code": code, "message": message}


_REASONS = {
    200: "OK",
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    408: "Request Timeout",
    431: "Request Header Fields Too Large",
    503: "Service Unavailable",
}


def parse_head(head: bytes) -> tuple[str, str, dict[str, str]] | None:
    """Method, target and headers (names in lower case) of an HTTP/1.x request head; None for
    anything else, a header line without a colon, a folded line, or a second Host or
    Authorization (which of two would a proxy have checked?)."""
    lines = head.decode("latin-1").split("\r\n")
    words = lines[0].split(" ")
    if len(words) != 3 or not words[2].startswith("HTTP/1."):
        return None
    headers: dict[str, str] = {}
    for line in lines[1:]:
        if not line:
            break
        name, colon, value = line.partition(":")
        if not colon or not name or name != name.strip() or line[0] in " \t":
            return None
        key = name.lower()
        if key in headers and key in ("host", "authorization"):
            return None
        headers[key] = value.strip(" \t")
    return words[0], words[1], headers


class Endpoint:
    """The HTTP endpoint: listening from construction (so that a child can be started before its
    threads are), serving from `start` until `stop`."""

    def __init__(
        self,
        credentials: Callable[[], Credentials],
        *,
        port: int = 0,
        report: Callable[[ProfilesError], None] | None = None,
    ) -> None:
        self._credentials = credentials
        self._report = report or Reporter()
        self._token = os.urandom(TOKEN_BYTES).hex()
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            if os.name == "posix":  # a port in TIME_WAIT after a restart; never a second listener
                listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            listener.bind((HOST, port))
            listener.listen(BACKLOG)
        except OSError as error:
            listener.close()
            message = f"cannot listen on {HOST}:{port}: {error.strerror or error}"
            if error.errno == errno.EADDRINUSE:  # another program's port: refused, as a name in use is
                raise Refused(message) from None
            raise ProfilesError(message) from None
        listener.setblocking(False)
        self._listener = listener
        self.port: int = listener.getsockname()[1]
        self.host = f"{HOST}:{self.port}"
        #: The Host headers of requests to it: an HTTP client leaves out port 80, HTTP's default.
        self._hosts = (self.host, HOST) if self.port == 80 else (self.host,)
        self.url = f"http://{self.host}{PATH}"
        self._address: Address = address_of(HOST, self.port)
        #: The user's uid where the socket table says whose each connection is, else None.
        self._uid = uid_if_checkable(listener, self._address)
        #: The connections being served, oldest first: True until its request head is read.
        self._open: dict[socket.socket, bool] = {}
        self._open_lock = threading.Lock()
        self._wake_reader, self._wake_writer = socket.socketpair()
        self._thread: threading.Thread | None = None

    @property
    def token(self) -> str:
        """The value of AWS_CONTAINER_AUTHORIZATION_TOKEN (a secret: never print or log it)."""
        return self._token

    def __repr__(self) -> str:
        return f"Endpoint({self.url!r})"

    def start(self) -> None:
        self._thread = threading.Thread(target=self._accept, name="profiles-endpoint", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop accepting and close the port (answers under way finish on their own threads)."""
        with contextlib.suppress(OSError):
            self._wake_writer.send(b"x")
        if self._thread is not None:
            with contextlib.suppress(RuntimeError):  # its start was interrupted before it began
                self._thread.join(timeout=5)
        for closing in (self._listener, self._wake_reader, self._wake_writer):
            closing.close()

    def _accept(self) -> None:
        with selectors.DefaultSelector() as selector:
            selector.register(self._listener, selectors.EVENT_READ)
            selector.register(self._wake_reader, selectors.EVENT_READ)
            while True:
                for key, _ in selector.select():
                    if key.fileobj is self._wake_reader:
                        return
                    for connection in self._welcome(self._arrived()):
                        threading.Thread(target=self._serve, args=(connection,), daemon=True).start()

    def _arrived(self) -> list[tuple[socket.socket, Address]]:
        """The connections waiting to be accepted (as many as MAX_CONNECTIONS at a time)."""
        arrived: list[tuple[socket.socket, Address]] = []
        while len(arrived) < MAX_CONNECTIONS:
            try:
                connection, (host, port) = self._listener.accept()
            except BlockingIOError:
                break
            except OSError:  # gone before accept, or out of file descriptors for now
                time.sleep(0.01)
                break
            arrived.append((connection, address_of(host, port)))
        return arrived

    def _welcome(self, arrived: list[tuple[socket.socket, Address]]) -> list[socket.socket]:
        """Those of ``arrived`` to be served, each given a slot; the others closed unread: another
        uid's, or any beyond the slots when every connection is being answered."""
        # Each one's owner, asked after it was accepted: its client end is there then (unless it
        # is closed already: refused).
        owners = None if self._uid is None else owners_of(self._address, [peer for _, peer in arrived])
        welcome = []
        for connection, peer in arrived:
            owner = None if owners is None else owners.get(peer)
            if owners is not None and owner not in (self._uid, 0):
                connection.close()
                if owner is not None:
                    self._report(
                        ProfilesError(
                            f"refused a connection from uid {owner}: the endpoint serves only your own "
                            f"processes (uid {self._uid}) and root's"
                        )
                    )
                continue
            if self._take_slot(connection):
                welcome.append(connection)
            else:
                connection.close()
        return welcome

    def _take_slot(self, connection: socket.socket) -> bool:
        """A slot for ``connection``: a free one, or the oldest one whose connection has not sent
        its request head yet (shut down: its thread wakes, and closes it). False when every slot
        is answering a request."""
        with self._open_lock:
            if len(self._open) >= MAX_CONNECTIONS:
                oldest = next((waiting for waiting, reading in self._open.items() if reading), None)
                if oldest is None:
                    return False
                del self._open[oldest]
                with contextlib.suppress(OSError):
                    oldest.shutdown(socket.SHUT_RDWR)
            self._open[connection] = True
            return True

    def _serve(self, connection: socket.socket) -> None:
        try:
            connection.setblocking(True)
            head = _read_head(connection, time.monotonic() + REQUEST_SECONDS)
            with self._open_lock:
                if head is None or not self._open.get(connection):
                    return  # closed, too slow, or its slot given to a newer connection
                self._open[connection] = False  # being answered: it keeps its slot
            status, body = self.answer(head) if head else (431, _error("TooLarge", "request too large"))
            _send(connection, status, body, time.monotonic() + REQUEST_SECONDS)
        except Exception:  # noqa: S110  (a connection's failure is its own: the endpoint serves on)
            pass
        finally:
            with self._open_lock:  # closed under the lock: never shut down by _take_slot once closed
                self._open.pop(connection, None)
                connection.close()

    def answer(self, head: bytes) -> tuple[int, dict[str, str]]:
        """The status and JSON body for a request head (bytes up to the blank line)."""
        request = parse_head(head)
        if request is None:
            return 400, _error("BadRequest", "not an HTTP/1.x request this endpoint reads")
        method, target, headers = request
        if headers.get("host", "").lower() not in self._hosts:
            return 403, _error("Forbidden", f"this endpoint answers requests to {self.host} only")
        token = headers.get("authorization")
        if token is None:
            return 401, _error("Unauthorized", "no Authorization header (AWS_CONTAINER_AUTHORIZATION_TOKEN)")
        if not hmac.compare_digest(token.encode("latin-1"), self._token.encode("ascii")):
            return 403, _error("Forbidden", "wrong authorization token")
        if method != "GET":
            return 405, _error("MethodNotAllowed", "only GET")
        if target != PATH:
            return 404, _error("NotFound", f"the credentials are at {PATH}")
        try:
            credentials = self._credentials()
        except ProfilesError as error:
            self._report(error)
            code = error.code if isinstance(error, CheckFailed) else "error"
            return 503, _error(code, error.message)
        except Exception as error:  # its message could hold anything, a secret included
            unexpected = ProfilesError(f"unexpected {type(error).__name__} while getting the credentials")
            self._report(unexpected)
            return 503, _error("error", unexpected.message)
        return 200, document(credentials)


def _read_head(connection: socket.socket, deadline: float) -> bytes | None:
    """The request head, up to its blank line; b"" when it is longer than MAX_REQUEST_BYTES; None
    when the client closes or the deadline passes first."""
    data = b""
    while b"\r\n\r\n" not in data:
        if len(data) > MAX_REQUEST_BYTES:
            return b""
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return None
        connection.settimeout(remaining)
        try:
            chunk = connection.recv(4096)
        except TimeoutError:
            return None
        if not chunk:
            return None
        data += chunk
    head = data[: data.index(b"\r\n\r\n") + 2]
    return head if len(head) <= MAX_REQUEST_BYTES else b""


def _send(connection: socket.socket, status: int, body: dict[str, str], deadline: float) -> None:
    payload = json.dumps(body).encode("utf-8")
    head = (
        f"HTTP/1.1 {status} {_REASONS[status]}\r\n"
        "Content-Type: application/json\r\n"
        f"Content-Length: {len(payload)}\r\n"
        "Cache-Control: no-store\r\n"
        "Connection: close\r\n\r\n"
    ).encode("ascii")
    connection.settimeout(max(deadline - time.monotonic(), 0.001))
    connection.sendall(head + payload)


# --------------------------------------------------------------------------- using it


def default_shadows(snapshot: Snapshot) -> str | None:
    """A warning when the files' ``default`` profile has credentials of its own: the SDKs' chain
    asks the files before a container endpoint, so the command would use those instead."""
    default = snapshot.profile("default")
    if default is None:
        return None
    from awsprofiles.model import Kind

    if default.kind is Kind.OTHER:
        return None
    return (
        f"profile 'default' has credentials of its own ({default.kind.value}), and the AWS SDKs and CLI "
        "take them before a credential endpoint: the command would not use the endpoint; give those "
        "credentials a profile of their own ('profiles rename default NAME')"
    )


class _Resolver:
    """Makes botocore's refreshing credentials of one profile for an endpoint (`Source`'s
    ``make_live``); ``interactive``: a renewal that needs an MFA code asks for it on this
    terminal, else the error says what to run."""

    def __init__(
        self,
        paths: Paths,
        name: str,
        duration: int | None,
        use_cache: bool,
        interactive: bool,
        windows: Windows,
        report: Reporter,
    ) -> None:
        self.paths, self.name, self.duration = paths, name, duration
        self.use_cache, self.interactive = use_cache, interactive
        self.windows, self.report = windows, report

    def __call__(
        self, snapshot: Snapshot | None = None, mfa_code: str | None = None, *, first: bool = False
    ) -> LiveCredentials:
        """``first``: the credentials got before the endpoint serves (an MFA code is asked for on
        this terminal when there is one, as ``exec`` asks); a failure is raised for the command's
        one ``error:`` line, not said through ``report`` as a renewal's is."""
        from awsprofiles.aws.credentials import interactive, live_credentials

        duration = "" if self.duration is None else f" --duration {self.duration}"
        return live_credentials(
            self.paths,
            self.name,
            duration=self.duration,
            mfa_code=mfa_code,
            use_cache=self.use_cache,
            can_prompt=self.interactive or (first and interactive()),
            snapshot=snapshot,
            windows=(self.windows.advisory, self.windows.mandatory),
            needs_you=None if first else self.report,
            renew_hint=""
            if first
            else (
                f"run 'profiles exec {self.name}{duration} -- true' in a terminal: it asks for the code and "
                "keeps the new session in the AWS CLI's cache, where the endpoint finds it"
                if self.use_cache
                else "start the endpoint again with a code (--mfa-code)"
            ),
        )


def open_source(
    paths: Paths,
    snapshot: Snapshot | None,
    name: str,
    *,
    duration: int | None,
    mfa_code: str | None,
    use_cache: bool,
    interactive: bool,
) -> tuple[Source, Credentials]:
    """What an endpoint for ``name`` serves, and its first credentials, got now (``mfa_code``
    answers a first MFA prompt; without it, the code is asked for on this terminal when there is
    one). ``interactive``: later renewals may ask on this terminal."""
    windows = refresh_windows()
    report = Reporter()
    resolve = _Resolver(paths, name, duration, use_cache, interactive, windows, report)
    live = resolve(snapshot, mfa_code, first=True)
    first = live.current()  # botocore assumes a role when first asked: its failure is this command's own
    source = Source(name, windows, resolve, live=live, first=first, report=report)
    return source, source.current()


def cached_source(paths: Paths, name: str, first: Credentials, duration: int | None) -> Source:
    """For ``exec``'s fast path: ``first`` (a role's session from the AWS CLI's cache) until it
    needs renewing, then botocore's refreshing credentials, loaded then (never asking)."""
    windows = refresh_windows()
    report = Reporter()
    resolve = _Resolver(paths, name, duration, True, False, windows, report)
    return Source(name, windows, resolve, first=first, report=report)


class _Stopped(Exception):
    def __init__(self, code: int) -> None:
        super().__init__(code)
        self.code = code


def serve_until_signal(endpoint: Endpoint, ready: Callable[[], None]) -> int:
    """Serve ``endpoint`` (``ready`` runs first: `profiles serve` prints its lines) until SIGINT
    (130) or SIGTERM or SIGHUP (0), then close the port; the exit code.

    The handlers are in place before ``ready`` says that the endpoint serves, and the signals
    wait while its thread starts (one interrupted half-way could not be stopped). The first signal
    decides: any later one (a second Ctrl-C while the first is handled) is ignored, never raised
    again."""
    import signal

    stopping: list[int] = []

    def stop(signum: int, _frame: object) -> None:
        if stopping:
            return
        stopping.append(signum)
        raise _Stopped(130 if signum == signal.SIGINT else 0)

    numbers = [getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name)]
    try:
        try:
            for number in numbers:
                signal.signal(number, stop)
            ready()
            if hasattr(signal, "pthread_sigmask"):
                mask = signal.pthread_sigmask(signal.SIG_BLOCK, numbers)
                try:
                    endpoint.start()
                finally:
                    signal.pthread_sigmask(signal.SIG_SETMASK, mask)
            else:
                endpoint.start()
            while True:
                time.sleep(3600)  # until a signal's handler raises _Stopped
        except _Stopped as stopped:
            return stopped.code
    finally:
        stopping.append(0)  # however it ends (``ready`` may fail): no signal raises from here on
        for number in numbers:  # a second Ctrl-C while the port closes changes nothing
            signal.signal(number, signal.SIG_IGN)
        endpoint.stop()
