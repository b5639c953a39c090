"""A local emulator of the IAM Identity Center APIs that the AWS CLI v2 and botocore call.

moto has no SSO or SSO OIDC API, so the tests run this one: a real HTTP server on a free
loopback port, speaking the REST-JSON wire format of the AWS API references (operation paths,
query strings, the ``x-amz-sso_bearer_token`` header, ``x-amzn-ErrorType`` error codes), so that
unmodified botocore clients talk to it once ``AWS_ENDPOINT_URL_SSO_OIDC`` and
``AWS_ENDPOINT_URL_SSO`` point at ``emulator.url`` (see ``emulator.env()``).

SSO OIDC (the sign-in, https://docs.aws.amazon.com/singlesignon/latest/OIDCAPIReference/):

- ``POST /client/register`` RegisterClient: a public client, its secret valid 90 days.
- ``POST /device_authorization`` StartDeviceAuthorization: a device code, a user code and the
  verification URI (on this server) with the polling ``interval``.
- ``POST /token`` CreateToken, grant ``urn:ietf:params:oauth:grant-type:device_code``:
  ``AuthorizationPendingException`` until the authorization is approved, then the token
  (``SlowDownException`` when the test asks for it with `slow_down`, ``AccessDeniedException``
  after `deny`, ``ExpiredTokenException`` once the authorization has expired); grant
  ``refresh_token``: a new access token (and a new refresh token; the old one stops working).
  As AWS does, refresh tokens are issued only to clients registered with scopes.

SSO portal (https://docs.aws.amazon.com/singlesignon/latest/PortalAPIReference/):

- ``GET /assignment/accounts`` ListAccounts and ``GET /assignment/roles`` ListAccountRoles,
  paginated: at most ``page_size`` entries per page (or ``max_result`` if smaller), with an
  opaque ``nextToken``.
- ``GET /federation/credentials`` GetRoleCredentials: role credentials for an assigned role
  (from ``credentials_factory`` when set, e.g. moto's STS, else made up here).
- ``POST /logout`` Logout: the access token stops working.

An unknown or expired access token gets ``UnauthorizedException`` (401), as from AWS.

Approving a sign-in, as a person would in the browser: an HTTP GET of the verification URL with
its user code (what ``webbrowser`` would open), or `approve` from the test. Every call is recorded
in ``calls`` (operation and its non-secret parameters) for assertions.
"""

from __future__ import annotations

import base64
import contextlib
import json
import secrets
import string
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
REFRESH_GRANT = "refresh_token"
CLIENT_SECRET_DAYS = 90
DEVICE_CODE_SECONDS = 600

#: (account_id, role_name) -> the ``roleCredentials`` document of GetRoleCredentials.
CredentialsFactory = Callable[[str, str], dict[str, Any]]


class ApiError(Exception):
    """An error answer: its HTTP status, AWS error code (the shape name) and JSON body."""

    def __init__(self, status: int, code: str, body: dict[str, str]) -> None:
        super().__init__(code)
        self.status = status
        self.code = code
        self.body = body


def _oidc_error(status: int, code: str, error: str, description: str) -> ApiError:
    return ApiError(status, code, {"error": error, "error_description": description})


def _portal_error(status: int, code: str, message: str) -> ApiError:
    return ApiError(status, code, {"message": message})


def _random(size: int) -> str:
    return secrets.token_urlsafe(size)


@dataclass
class Client:
    client_id: str
    client_secret: str
    name: str
    scopes: tuple[str, ...]
    expires_at: float


@dataclass
class DeviceAuthorization:
    device_code: str
    user_code: str
    client_id: str
    start_url: str
    expires_at: float
    approved: bool = False
    denied: bool = False
    used: bool = False


@dataclass
class AccessToken:
    start_url: str
    client_id: str
    expires_at: float


@dataclass
class Account:
    account_id: str
    name: str
    email: str
    roles: list[str] = field(default_factory=list)


@dataclass
class Call:
    operation: str
    params: dict[str, Any]


class SsoEmulator:
    """The state of one emulated IAM Identity Center instance, and its HTTP server."""

    def __init__(
        self,
        *,
        page_size: int = 2,
        interval: int = 1,
        token_seconds: int = 3600,
        credentials_factory: CredentialsFactory | None = None,
    ) -> None:
        self.page_size = page_size
        self.interval = interval
        self.token_seconds = token_seconds
        self.credentials_factory = credentials_factory
        self.clients: dict[str, Client] = {}
        self.authorizations: dict[str, DeviceAuthorization] = {}
        self.access_tokens: dict[str, AccessToken] = {}
        self.refresh_tokens: dict[str, str] = {}  # refresh token -> client id
        self.accounts: dict[str, Account] = {}
        self.calls: list[Call] = []
        self._slow_downs = 0
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.url = ""

    # ------------------------------------------------------------------ test controls

    def add_account(self, account_id: str, name: str, *roles: str, email: str | None = None) -> Account:
        account = Account(account_id, name, email or f"{name.lower()}@example.com", list(roles))
        self.accounts[account_id] = account
        return account

    def pending(self) -> list[DeviceAuthorization]:
        with self._lock:
            return [a for a in self.authorizations.values() if not (a.approved or a.denied or a.used)]

    def approve(self, user_code: str | None = None) -> int:
        """Approve the pending sign-in with ``user_code`` (every pending one when None)."""
        return self._decide(user_code, approved=True)

    def deny(self, user_code: str | None = None) -> int:
        return self._decide(user_code, approved=False)

    def _decide(self, user_code: str | None, approved: bool) -> int:
        with self._lock:
            found = [
                a
                for a in self.authorizations.values()
                if not a.used and (user_code is None or a.user_code == user_code)
            ]
            for authorization in found:
                authorization.approved = approved
                authorization.denied = not approved
            return len(found)

    def slow_down(self, times: int = 1) -> None:
        """Answer the next ``times`` device-code CreateToken polls with SlowDownException."""
        self._slow_downs += times

    def issue_token(self, start_url: str = "https://example.awsapps.com/start") -> str:
        """An access token as if a person had just signed in (for tests that skip the sign-in)."""
        access = "aoa" + _random(48)
        self.access_tokens[access] = AccessToken(start_url, "", time.time() + self.token_seconds)
        return access

    def expire_access_tokens(self) -> None:
        """Every access token issued so far stops working (as after its lifetime)."""
        with self._lock:
            for token in self.access_tokens.values():
                token.expires_at = 0

    def operations(self) -> list[str]:
        return [call.operation for call in self.calls]

    def env(self) -> dict[str, str]:
        """The variables that send botocore's (and the AWS CLI's) SSO calls here."""
        return {"AWS_ENDPOINT_URL_SSO_OIDC": self.url, "AWS_ENDPOINT_URL_SSO": self.url}

    # ------------------------------------------------------------------ server

    def start(self) -> SsoEmulator:
        emulator = self

        class Handler(_Handler):
            state = emulator

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.05,), name="sso-emulator", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    # ------------------------------------------------------------------ SSO OIDC

    def register_client(self, body: dict[str, Any]) -> dict[str, Any]:
        name, kind = body.get("clientName"), body.get("clientType")
        if not name or kind != "public":
            raise _oidc_error(400, "InvalidClientMetadataException", "invalid_client_metadata", "bad client")
        now = time.time()
        client = Client(
            _random(16),
            _random(48),
            str(name),
            tuple(body.get("scopes") or ()),
            now + CLIENT_SECRET_DAYS * 86400,
        )
        self.clients[client.client_id] = client
        self._record("RegisterClient", clientName=name, scopes=list(client.scopes))
        return {
            "clientId": client.client_id,
            "clientSecret": client.client_secret,
            "clientIdIssuedAt": int(now),
            "clientSecretExpiresAt": int(client.expires_at),
        }

    def _client(self, body: dict[str, Any]) -> Client:
        client = self.clients.get(str(body.get("clientId")))
        if (
            client is None
            or client.client_secret != body.get("clientSecret")
            or client.expires_at < time.time()
        ):
            raise _oidc_error(401, "InvalidClientException", "invalid_client", "Invalid client")
        return client

    def start_device_authorization(self, body: dict[str, Any]) -> dict[str, Any]:
        client = self._client(body)
        start_url = body.get("startUrl")
        if not start_url:
            raise _oidc_error(400, "InvalidRequestException", "invalid_request", "startUrl is required")
        letters = "".join(secrets.choice(string.ascii_uppercase) for _ in range(8))
        authorization = DeviceAuthorization(
            _random(32),
            f"{letters[:4]}-{letters[4:]}",
            client.client_id,
            str(start_url),
            time.time() + DEVICE_CODE_SECONDS,
        )
        with self._lock:
            self.authorizations[authorization.device_code] = authorization
        self._record("StartDeviceAuthorization", startUrl=start_url)
        return {
            "deviceCode": authorization.device_code,
            "userCode": authorization.user_code,
            "verificationUri": f"{self.url}/device",
            "verificationUriComplete": f"{self.url}/device?user_code={authorization.user_code}",
            "expiresIn": DEVICE_CODE_SECONDS,
            "interval": self.interval,
        }

    def create_token(self, body: dict[str, Any]) -> dict[str, Any]:
        client = self._client(body)
        grant = body.get("grantType")
        self._record("CreateToken", grantType=grant)
        if grant == DEVICE_GRANT:
            start_url = self._device_grant(client, str(body.get("deviceCode")))
        elif grant == REFRESH_GRANT:
            start_url = self._refresh_grant(client, str(body.get("refreshToken")))
        else:
            raise _oidc_error(400, "UnsupportedGrantTypeException", "unsupported_grant_type", "grant")
        access = "aoa" + _random(48)
        self.access_tokens[access] = AccessToken(
            start_url, client.client_id, time.time() + self.token_seconds
        )
        answer: dict[str, Any] = {
            "accessToken": access,
            "tokenType": "Bearer",
            "expiresIn": self.token_seconds,
        }
        if client.scopes:
            refresh = "aor" + _random(48)
            self.refresh_tokens[refresh] = client.client_id
            answer["refreshToken"] = refresh
        return answer

    def _device_grant(self, client: Client, device_code: str) -> str:
        with self._lock:
            authorization = self.authorizations.get(device_code)
            if authorization is None or authorization.client_id != client.client_id or authorization.used:
                raise _oidc_error(400, "InvalidGrantException", "invalid_grant", "Invalid device code")
            if authorization.expires_at < time.time():
                raise _oidc_error(400, "ExpiredTokenException", "expired_token", "Device code expired")
            if self._slow_downs > 0:
                self._slow_downs -= 1
                raise _oidc_error(400, "SlowDownException", "slow_down", "Client is polling too fast")
            if authorization.denied:
                authorization.used = True
                raise _oidc_error(400, "AccessDeniedException", "access_denied", "Access denied")
            if not authorization.approved:
                raise _oidc_error(
                    400, "AuthorizationPendingException", "authorization_pending", "Authorization pending"
                )
            authorization.used = True
            return authorization.start_url

    def _refresh_grant(self, client: Client, refresh_token: str) -> str:
        owner = self.refresh_tokens.pop(refresh_token, None)
        if owner != client.client_id:
            raise _oidc_error(400, "InvalidGrantException", "invalid_grant", "Invalid refresh token")
        earlier = [t for t in self.access_tokens.values() if t.client_id == client.client_id]
        return earlier[-1].start_url if earlier else ""

    # ------------------------------------------------------------------ SSO portal

    def _bearer(self, headers: Any) -> str:
        token = headers.get("x-amz-sso_bearer_token")
        found = self.access_tokens.get(str(token))
        if found is None or found.expires_at < time.time():
            raise _portal_error(401, "UnauthorizedException", "Session token not found or invalid")
        return str(token)

    def _page(self, items: list[Any], query: dict[str, str]) -> tuple[list[Any], str | None]:
        start = 0
        if query.get("next_token"):
            try:
                start = int(base64.urlsafe_b64decode(query["next_token"]).decode())
            except ValueError:
                raise _portal_error(400, "InvalidRequestException", "Invalid next token") from None
        size = self.page_size
        if query.get("max_result"):
            size = min(size, int(query["max_result"]))
        end = start + size
        following = base64.urlsafe_b64encode(str(end).encode()).decode() if end < len(items) else None
        return items[start:end], following

    def list_accounts(self, query: dict[str, str], headers: Any) -> dict[str, Any]:
        self._bearer(headers)
        self._record("ListAccounts", next_token=query.get("next_token"))
        accounts = [
            {"accountId": a.account_id, "accountName": a.name, "emailAddress": a.email}
            for a in self.accounts.values()
        ]
        page, following = self._page(accounts, query)
        return {"accountList": page, **({"nextToken": following} if following else {})}

    def list_account_roles(self, query: dict[str, str], headers: Any) -> dict[str, Any]:
        self._bearer(headers)
        account_id = query.get("account_id", "")
        self._record("ListAccountRoles", account_id=account_id, next_token=query.get("next_token"))
        account = self.accounts.get(account_id)
        if account is None:
            raise _portal_error(404, "ResourceNotFoundException", "Could not find account")
        roles = [{"roleName": role, "accountId": account_id} for role in account.roles]
        page, following = self._page(roles, query)
        return {"roleList": page, **({"nextToken": following} if following else {})}

    def get_role_credentials(self, query: dict[str, str], headers: Any) -> dict[str, Any]:
        self._bearer(headers)
        account_id, role_name = query.get("account_id", ""), query.get("role_name", "")
        self._record("GetRoleCredentials", account_id=account_id, role_name=role_name)
        account = self.accounts.get(account_id)
        if account is None or role_name not in account.roles:
            raise _portal_error(403, "ForbiddenException", "No access")
        if self.credentials_factory is not None:
            return {"roleCredentials": self.credentials_factory(account_id, role_name)}
        return {
            "roleCredentials": {
                "accessKeyId": "ASIA" + "".join(secrets.choice(string.ascii_uppercase) for _ in range(16)),
                "secretAccessKey": _random(30),
                "sessionToken": _random(60),
                "expiration": int((time.time() + 3600) * 1000),
            }
        }

    def logout(self, headers: Any) -> dict[str, Any]:
        token = self._bearer(headers)
        self._record("Logout")
        self.access_tokens.pop(token, None)
        return {}

    # ------------------------------------------------------------------ the "browser"

    def verification_page(self, query: dict[str, str]) -> str:
        code = query.get("user_code")
        if code and self.approve(code):
            return "Request approved. You can close this window."
        return "Enter the code shown in your terminal."

    def _record(self, operation: str, **params: Any) -> None:
        with self._lock:
            self.calls.append(Call(operation, params))


class _Handler(BaseHTTPRequestHandler):
    state: SsoEmulator
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        pass  # quiet, and never a token in a log

    def _answer(
        self, status: int, body: bytes, content_type: str, headers: dict[str, str] | None = None
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def _dispatch(self, method: str) -> None:
        parsed = urllib.parse.urlsplit(self.path)
        query = {key: values[-1] for key, values in urllib.parse.parse_qs(parsed.query).items()}
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        state = self.state
        routes: dict[tuple[str, str], Callable[[], dict[str, Any]]] = {
            ("POST", "/client/register"): lambda: state.register_client(_json(raw)),
            ("POST", "/device_authorization"): lambda: state.start_device_authorization(_json(raw)),
            ("POST", "/token"): lambda: state.create_token(_json(raw)),
            ("GET", "/assignment/accounts"): lambda: state.list_accounts(query, self.headers),
            ("GET", "/assignment/roles"): lambda: state.list_account_roles(query, self.headers),
            ("GET", "/federation/credentials"): lambda: state.get_role_credentials(query, self.headers),
            ("POST", "/logout"): lambda: state.logout(self.headers),
        }
        if (method, parsed.path) == ("GET", "/device"):
            self._answer(200, state.verification_page(query).encode(), "text/plain")
            return
        route = routes.get((method, parsed.path))
        if route is None:
            self._answer(404, b'{"message": "unknown operation"}', "application/json")
            return
        try:
            answer = route()
        except ApiError as error:
            headers = {"x-amzn-ErrorType": error.code}
            self._answer(error.status, json.dumps(error.body).encode(), "application/json", headers)
            return
        self._answer(200, json.dumps(answer).encode(), "application/json")

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_POST(self) -> None:
        self._dispatch("POST")


def _json(raw: bytes) -> dict[str, Any]:
    try:
        value = json.loads(raw or b"{}")
    except ValueError:
        raise _oidc_error(400, "InvalidRequestException", "invalid_request", "not JSON") from None
    if not isinstance(value, dict):
        raise _oidc_error(400, "InvalidRequestException", "invalid_request", "not an object")
    return value


@contextlib.contextmanager
def running(**options: Any) -> Iterator[SsoEmulator]:
    """An emulator serving for the duration of the ``with`` block (the ``sso_emulator`` fixture)."""
    emulator = SsoEmulator(**options).start()
    try:
        yield emulator
    finally:
        emulator.stop()
