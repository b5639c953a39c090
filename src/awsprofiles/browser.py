"""Open a URL that is a credential in the user's browser without putting it on a command line.

Python's ``webbrowser`` starts the browser (``xdg-open``, ``$BROWSER``, ``firefox`` ...) with the
URL as an argument, and every local user can read a process's arguments (``ps``) for as long as it
runs: a browser started that way shows a console sign-in URL for hours. The browser gets instead a
loopback address with a random path, served by this process, which answers once with a redirect
to the real URL and then closes. What stays visible is a link that has already been used.
"""

from __future__ import annotations

import secrets
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

from awsprofiles.errors import ProfilesError

#: How long the browser has to ask for the link once it has been started.
HANDOFF_SECONDS = 60.0


def open_secret_url(url: str, what: str) -> None:
    """Open ``url`` in the browser through a one-time loopback redirect; ProfilesError if it is
    not opened. ``what`` names the URL in messages (the URL itself never appears in one)."""
    import webbrowser

    path = "/" + secrets.token_urlsafe(24)
    handed = threading.Event()

    class Handoff(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if self.path != path or handed.is_set():
                self.send_response(404)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            handed.set()
            self.send_response(303)
            self.send_header("Location", url)
            self.send_header("Cache-Control", "no-store")
            self.send_header("Referrer-Policy", "no-referrer")
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            pass  # never on stderr, whatever it would say

    server = HTTPServer(("127.0.0.1", 0), Handoff)
    server.timeout = 0.1
    closing = threading.Event()

    def serve() -> None:
        while not (handed.is_set() or closing.is_set()):
            server.handle_request()

    # Served while webbrowser.open runs too: it waits for a browser given by $BROWSER to exit,
    # and a terminal browser (lynx, w3m) asks for the link before it does.
    serving = threading.Thread(target=serve, name="browser-handoff", daemon=True)
    serving.start()
    try:
        if not webbrowser.open(f"http://127.0.0.1:{server.server_address[1]}{path}"):
            raise ProfilesError(
                f"no web browser could be started; run again with --print and open {what} yourself"
            )
        handed.wait(HANDOFF_SECONDS)
    finally:
        closing.set()
        serving.join()
        server.server_close()
    if not handed.is_set():
        raise ProfilesError(
            f"the web browser did not ask for {what} within {HANDOFF_SECONDS:g} s; "
            "run again with --print and open it yourself"
        )
