"""Hand a URL that is a credential (the console's sign-in URL) to the user's browser, and to no
other local user.

Python's ``webbrowser`` starts the browser (``xdg-open``, ``$BROWSER``, ``firefox`` ...) with the
URL as an argument, and every local user can read a process's arguments (``/proc/PID/cmdline``,
``ps``) for as long as it runs. The browser gets instead a one-time loopback link,
``http://127.0.0.1:PORT/RANDOM``, served by this process: the one request for that path is
answered with a redirect (303, ``no-store``, ``no-referrer``) to the real URL, the port is closed
before the answer is sent, and the real URL is written nowhere.

That link is on a command line too, so its random path cannot be the secret on its own: another
user polling ``/proc`` reads it before the browser has started, and asks first (20 runs of 20 in
issue 17). What decides who is served is therefore who owns the connection:

- **Where the kernel's socket table can be read** (Linux: sock_diag, or ``/proc/net/tcp`` and
  ``tcp6``, by `awsprofiles.peers`), each connection is checked as it is accepted. The table lists
  the client's end of a loopback connection with the uid that created that socket, which another
  uid cannot create and cannot change (that takes CAP_CHOWN). A connection is served only if its
  client end is listed once, as an open socket (an orphaned or TIME_WAIT end has inode 0 and shows
  uid 0) of the user's own uid; any other is closed unread, and named in a warning or in the
  error. This holds however the browser gets the link (``xdg-open``, ``gio``, ``$BROWSER``, or
  passed by IPC to a browser that already runs as the user) and for confined browsers (snap,
  flatpak): they share the host's network, or the loopback link would not reach them. A browser
  that runs as another uid (in a container, through WSL's port forwarding, behind a proxy run by
  another user) is refused: the user is told to use ``--print``.
- **Elsewhere** (macOS, Windows, the BSDs; Linux without ``/proc``), the browser is given a
  ``file://`` page instead, in a new folder of the user's temporary folder (``tempfile.mkdtemp``:
  0700; per user on macOS and Windows), itself 0600, whose meta refresh names the loopback link.
  The link is then on no command line; the page's path is, and another user cannot read the
  page. The page and its folder are removed as soon as the link is served or given up (a killed
  ``profiles`` leaves a page naming a port nobody serves any more).

What this does not protect against: another process of the same user, which can read the
browser's memory and the user's keys anyway, and root. Another user can still keep the hand-off
from happening (flooding the port), but never obtain the link.

Every wait is bounded: a connection has REQUEST_SECONDS to send its request, the hand-off
HANDOFF_SECONDS in all; one selector serves every connection at once (an idle or garbage one
cannot hold up the browser's), at most MAX_CONNECTIONS are kept (the oldest goes first).
"""

from __future__ import annotations

import hmac
import html
import os
import secrets
import selectors
import socket
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

from awsprofiles.errors import ProfilesError
from awsprofiles.peers import Address, address_of, owners_of, uid_if_checkable

#: How long the browser has to ask for the link, from the moment it is started.
HANDOFF_SECONDS = 60.0
#: How long a connection has to send its request once accepted.
REQUEST_SECONDS = 5.0
#: Once the link is served, how long a browser command still running is waited for: webbrowser
#: waits for a browser given by $BROWSER to exit (a terminal browser holds the terminal till then).
BROWSER_EXIT_SECONDS = 5.0
MAX_CONNECTIONS = 16
MAX_REQUEST_BYTES = 8192

_LOOPBACK = "127.0.0.1"
_POLL_SECONDS = 0.1
_NOT_FOUND = b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
_PAGE = """<!DOCTYPE html>
<html><head><meta charset="utf-8"><meta name="referrer" content="no-referrer">
<meta http-equiv="refresh" content="0; url={link}">
<title>profiles: {what}</title></head>
<body><p><a href="{link}">Continue</a></p></body></html>
"""


@dataclass(eq=False)
class _Request:
    connection: socket.socket
    deadline: float
    head: bytes = b""


class _Handoff:
    """The loopback server of one link: it serves the link once, to the user's own processes."""

    def __init__(self, url: str) -> None:
        if "\r" in url or "\n" in url:
            raise ValueError("a URL with a line break cannot be a Location")
        self._answer = (
            f"HTTP/1.1 303 See Other\r\nLocation: {url}\r\nCache-Control: no-store\r\n"
            "Referrer-Policy: no-referrer\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
        ).encode()
        self._path = ("/" + secrets.token_urlsafe(24)).encode()
        self.listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            self.listener.bind((_LOOPBACK, 0))
            self.listener.listen(MAX_CONNECTIONS)
            self.listener.setblocking(False)
        except OSError as error:
            self.listener.close()
            raise ProfilesError(
                f"cannot listen on a loopback port for the browser: {error.strerror}"
            ) from None
        self.address: Address = address_of(_LOOPBACK, self.listener.getsockname()[1])
        self.link = f"http://{_LOOPBACK}:{self.address[1]}{self._path.decode()}"
        #: The uid every connection must belong to; None where the socket table cannot tell.
        self.uid = uid_if_checkable(self.listener, self.address)
        #: Connections closed unread because another uid (None: nobody known) owns them.
        self.refused: dict[int | None, int] = {}
        #: "served" once the link has been sent, "lost" if the connection that asked for it broke.
        self.outcome: str | None = None

    def serve(self, deadline: float, give_up: Callable[[], bool]) -> None:
        """Serve until the link is sent, ``give_up()`` says so, or the deadline; then close the port."""
        selector = selectors.DefaultSelector()
        waiting: list[_Request] = []
        selector.register(self.listener, selectors.EVENT_READ)
        try:
            while self.outcome is None and not give_up():
                now = time.monotonic()
                if now >= deadline:
                    break
                for request in [request for request in waiting if request.deadline <= now]:
                    self._drop(selector, waiting, request)
                wake = min([deadline, now + _POLL_SECONDS, *(request.deadline for request in waiting)])
                for key, _ in selector.select(max(0.0, wake - now)):
                    if self.outcome is not None:
                        break
                    if key.data is None:
                        self._accept(selector, waiting)
                    elif key.data in waiting:
                        self._read(selector, waiting, key.data)
        finally:
            for request in waiting:
                request.connection.close()
            selector.close()
            self.listener.close()

    def _accept(self, selector: selectors.BaseSelector, waiting: list[_Request]) -> None:
        arrived: list[tuple[socket.socket, Address]] = []
        while len(arrived) < MAX_CONNECTIONS:
            try:
                connection, (host, port) = self.listener.accept()
            except OSError:  # none left (BlockingIOError), or gone before it was accepted
                break
            arrived.append((connection, address_of(host, port)))
        if not arrived:
            return
        # Each one's owner, asked after it was accepted: its client end is there then (unless it
        # is closed already: refused).
        owners = None if self.uid is None else owners_of(self.address, [peer for _, peer in arrived])
        for connection, peer in arrived:
            if owners is not None and owners.get(peer) != self.uid:
                owner = owners.get(peer)
                self.refused[owner] = self.refused.get(owner, 0) + 1
                connection.close()
                continue
            if len(waiting) >= MAX_CONNECTIONS:
                self._drop(selector, waiting, waiting[0])
            connection.setblocking(False)
            request = _Request(connection, time.monotonic() + REQUEST_SECONDS)
            waiting.append(request)
            selector.register(connection, selectors.EVENT_READ, request)

    def _read(self, selector: selectors.BaseSelector, waiting: list[_Request], request: _Request) -> None:
        try:
            data = request.connection.recv(4096)
        except BlockingIOError:
            return
        except OSError:
            data = b""
        request.head += data
        if data and b"\r\n\r\n" not in request.head and len(request.head) <= MAX_REQUEST_BYTES:
            return  # more to come (within its REQUEST_SECONDS)
        method, _, rest = request.head.partition(b" ")
        if data and method == b"GET" and hmac.compare_digest(rest.partition(b" ")[0], self._path):
            # Closed before the answer leaves: once the browser has it, nobody can connect.
            selector.unregister(self.listener)
            self.listener.close()
            self.outcome = "served" if _send(request.connection, self._answer) else "lost"
        elif data:
            _send(request.connection, _NOT_FOUND)
        self._drop(selector, waiting, request)

    @staticmethod
    def _drop(selector: selectors.BaseSelector, waiting: list[_Request], request: _Request) -> None:
        waiting.remove(request)
        with suppress(KeyError, ValueError):
            selector.unregister(request.connection)
        request.connection.close()

    def refused_by(self) -> str:
        """Who was refused, for a message: 'uid 65534 and uid 1001', or whose owner was unknown."""
        owners = [f"uid {uid}" for uid in sorted(uid for uid in self.refused if uid is not None)]
        if None in self.refused:
            owners.append("connections whose owner could not be read")
        return " and ".join(owners)


def _send(connection: socket.socket, data: bytes) -> bool:
    try:
        connection.settimeout(REQUEST_SECONDS)
        connection.sendall(data)
    except OSError:
        return False
    with suppress(OSError):
        connection.shutdown(socket.SHUT_WR)
    return True


@contextmanager
def _page(link: str, what: str) -> Iterator[str]:
    """A page only the user can read, whose meta refresh names ``link``; its file:// URL."""
    folder = tempfile.mkdtemp(prefix="profiles-")
    page = os.path.join(folder, "open.html")
    try:
        descriptor = os.open(page, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as file:
            file.write(_PAGE.format(link=html.escape(link), what=html.escape(what)))
        yield Path(page).as_uri()
    finally:
        with suppress(OSError):
            os.unlink(page)
        with suppress(OSError):
            os.rmdir(folder)


class _Browser:
    """``webbrowser.open`` in a thread of its own: it waits for a browser given by $BROWSER to
    exit, and a terminal browser (lynx, w3m) asks for the link before it does."""

    def __init__(self, link: str) -> None:
        self.opened = False
        self.done = threading.Event()
        threading.Thread(target=self._open, args=(link,), name="browser", daemon=True).start()

    def _open(self, link: str) -> None:
        import webbrowser

        try:
            self.opened = bool(webbrowser.open(link))
        except Exception:  # a thread's traceback would reach stderr: say 'not started' instead
            self.opened = False
        finally:
            self.done.set()

    def failed(self) -> bool:
        return self.done.is_set() and not self.opened


def open_secret_url(url: str, what: str) -> list[str]:
    """Open ``url`` in the user's browser through a one-time loopback link served to the user's
    own processes only (see above). Returns warnings for the user (connections refused to other
    users); ProfilesError if the browser did not get the URL. ``what`` names the URL in messages,
    which never hold the URL itself."""
    deadline = time.monotonic() + HANDOFF_SECONDS
    handoff = _Handoff(url)
    with ExitStack() as cleanup:
        cleanup.callback(handoff.listener.close)
        given = handoff.link if handoff.uid is not None else cleanup.enter_context(_page(handoff.link, what))
        browser = _Browser(given)
        handoff.serve(deadline, browser.failed)
    refused = handoff.refused_by()
    if handoff.outcome == "served":
        browser.done.wait(max(0.0, min(BROWSER_EXIT_SECONDS, deadline - time.monotonic())))
        if not refused:
            return []
        return [
            f"a connection to the port of {what} from another local user ({refused}) was refused; "
            "it did not get the link, only your own processes are served"
        ]
    if browser.failed():
        raise ProfilesError(
            f"no web browser could be started; run again with --print and open {what} yourself"
        )
    if handoff.outcome == "lost":
        raise ProfilesError(
            f"the web browser's connection broke before it got {what}, which cannot be sent again; "
            "run again (or with --print)"
        )
    why = ""
    if refused:
        why = (
            f" (connections from another user, {refused}, were refused: a browser that runs as another "
            "user, in a container or behind a proxy cannot be given the link)"
        )
    raise ProfilesError(
        f"the web browser did not ask for {what} within {HANDOFF_SECONDS:g} s{why}; "
        "run again with --print and open it yourself"
    )
