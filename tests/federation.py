"""A small local stand-in for the AWS sign-in federation endpoint (``Action=getSigninToken``).

Like the real one, it takes the session document (``sessionId``, ``sessionKey``, ``sessionToken``)
in the query string, refuses long-term keys (no session token), and answers ``{"SigninToken"}``.
It also proves the credentials are real: it asks STS (moto) who they belong to, and remembers
which identity each token it issued stands for.
"""

from __future__ import annotations

import json
import secrets
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import boto3


@dataclass
class Issued:
    arn: str
    session: dict[str, str] = field(repr=False)
    session_duration: str | None


class FederationEndpoint:
    """Serves on a free loopback port; ``url`` is what AWS_ENDPOINT_URL_SIGNIN points at."""

    def __init__(self, sts_endpoint: str | None = None) -> None:
        self.sts_endpoint = sts_endpoint
        self.issued: dict[str, Issued] = {}
        self.refused: list[str] = []
        endpoint = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                status, body = endpoint.answer(self.path)
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: Any) -> None:
                pass  # the query holds the credentials

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/federation"

    def answer(self, path: str) -> tuple[int, dict[str, str]]:
        parts = urlsplit(path)
        query = {key: values[0] for key, values in parse_qs(parts.query).items()}
        if parts.path != "/federation" or query.get("Action") != "getSigninToken":
            return 400, {"error": "not getSigninToken"}
        session = json.loads(query.get("Session", "{}"))
        if not session.get("sessionToken"):
            self.refused.append("long-term keys")
            return 400, {"error": "temporary credentials only"}
        sts = boto3.client(
            "sts",
            region_name="us-east-1",
            endpoint_url=self.sts_endpoint,
            aws_access_key_id=session["sessionId"],
            aws_secret_access_key=session["sessionKey"],
            aws_session_token=session["sessionToken"],
        )
        try:
            arn = sts.get_caller_identity()["Arn"]
        except Exception as error:
            self.refused.append(type(error).__name__)
            return 400, {"error": "credentials not valid"}
        token = secrets.token_urlsafe(24)
        self.issued[token] = Issued(arn, session, query.get("SessionDuration"))
        return 200, {"SigninToken": token}

    def secrets_seen(self) -> list[str]:
        """Every credential value sent to the endpoint, and every token it issued."""
        values = [value for issued in self.issued.values() for value in issued.session.values()]
        return [*values, *self.issued]

    @contextmanager
    def serving(self) -> Iterator[FederationEndpoint]:
        thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        thread.start()
        try:
            yield self
        finally:
            self._server.shutdown()
            self._server.server_close()
            thread.join(timeout=5)
