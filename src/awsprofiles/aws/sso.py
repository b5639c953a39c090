"""IAM Identity Center (SSO): the token cache shared with the AWS CLI v2 and botocore, and the portal.

The token cache is ``~/.aws/sso/cache`` (from HOME at the time of the call), written exactly as
the AWS CLI v2 writes it (``awscli/botocore/utils.py``: ``SSOTokenFetcher``) and read as botocore's
SSO credential and token providers read it, so that ``profiles``, ``aws`` and every SDK share one
sign-in:

- the token: ``<sha1 of the session name>.json`` (legacy profiles without a session: of the start
  URL) holding ``startUrl``, ``region``, ``accessToken``, ``expiresAt`` and, for a refresh,
  ``clientId``, ``clientSecret``, ``registrationExpiresAt``, ``refreshToken``;
- the client registration: ``<sha1 of {"region", "scopes", "session_name", "startUrl", "tool"}>.json``
  holding ``clientId``, ``clientSecret``, ``expiresAt`` (and ``scopes``);
- timestamps as ``2026-01-01T12:00:00Z``; files mode 0600, written atomically; the folder 0700.

Everything in these files but the start URL and region is a secret: never printed, logged or
put in an error message (`Token` and `Registration` keep them out of their ``repr``).

What other modules call (``awsprofiles.login`` and ``profiles discover``)::

    SsoSession(name, start_url, region, scopes)   # what a sign-in is for; name None: legacy
    session_from_config(name, values) -> SsoSession   # from an [sso-session NAME] section's values
    legacy_session(values) -> SsoSession              # from a legacy profile's sso_start_url/sso_region
    cache_dir() -> str                                # ~/.aws/sso/cache
    token_path(sso) -> Path
    load_token(sso) -> Token | None                   # None: no token, or one that cannot be read
    save_token(sso, token) -> Path
    remove_token(sso) -> bool
    load_registration(sso) -> Registration | None / save_registration(sso, registration)
    valid_token(sso) -> Token                         # or CheckFailed 'sso-login' naming the login command
    list_accounts(token, paths=None, timeout=None) -> list[Account]                  # every page
    list_account_roles(token, account_id, paths=None, timeout=None) -> list[AccountRole]  # every page
    try_role_credentials(token, [(account_id, role_name)...]) -> {pair: CheckFailed | None}  # verify
    login(sso, on_pending, paths=None, force=False, sleep=None) -> SignedIn   # valid, refreshed or new
    revoke(token, paths=None) -> bool; cached_tokens() -> [(path, Token)]     # for logout
    role_credentials_cache_key(sso, account_id, role_name) -> str             # in ~/.aws/cli/cache

The portal calls go to ``https://portal.sso.<region>.amazonaws.com`` unless ``AWS_ENDPOINT_URL_SSO``
(or a ``services`` section) says otherwise; failures raise `CheckFailed` with the codes of
``profiles check`` (an expired or revoked token: ``sso-login``).
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from awsprofiles import store
from awsprofiles.aws.caches import not_a_cache_file, read_cache_document, write_cache_document
from awsprofiles.aws.caches import sso_cache_dir as cache_dir

# The token's own rules live below `aws.session` too (botocore's SSO providers read through them).
from awsprofiles.aws.sso_tokens import EXPIRY_WINDOW as EXPIRY_WINDOW
from awsprofiles.aws.sso_tokens import Token as Token
from awsprofiles.aws.sso_tokens import format_time as format_time
from awsprofiles.aws.sso_tokens import now as now
from awsprofiles.aws.sso_tokens import parse_time as parse_time
from awsprofiles.errors import CheckFailed, FileProblem, ProfilesError
from awsprofiles.model import Value

#: The scope every session written by ``profiles`` (and ``aws configure sso``) registers with.
ACCOUNT_ACCESS_SCOPE = "sso:account:access"


@dataclass(frozen=True)
class SsoSession:
    """What a sign-in is for: an IAM Identity Center start URL in its region.

    ``name`` is the ``[sso-session NAME]``; None for a legacy profile that holds ``sso_start_url``
    itself. ``scopes`` is None when the session names none (legacy profiles never do).
    """

    name: str | None
    start_url: str
    region: str
    scopes: tuple[str, ...] | None = None

    @property
    def label(self) -> str:
        """How messages name it: the session, else the start URL."""
        return f"sso-session {self.name!r}" if self.name is not None else self.start_url

    @property
    def login_command(self) -> str:
        return (
            f"profiles login --sso-session {self.name}"
            if self.name is not None
            else f"profiles login (with a profile that uses {self.start_url})"
        )


def parse_scopes(raw: str) -> tuple[str, ...]:
    """``sso_registration_scopes`` as the CLI v2 reads it: comma-separated, blanks dropped."""
    return tuple(scope.strip() for scope in raw.split(",") if scope.strip())


def session_from_config(name: str, values: Mapping[str, Value]) -> SsoSession:
    """The session an ``[sso-session NAME]`` section defines; KeyError names a missing key."""
    start_url, region = values["sso_start_url"], values["sso_region"]
    scopes = values.get("sso_registration_scopes")
    if not isinstance(start_url, str) or not isinstance(region, str):
        raise KeyError("sso_start_url" if not isinstance(start_url, str) else "sso_region")
    return SsoSession(name, start_url, region, parse_scopes(scopes) if isinstance(scopes, str) else None)


def legacy_session(values: Mapping[str, Value]) -> SsoSession:
    """The session of a legacy profile (``sso_start_url``/``sso_region`` on the profile itself)."""
    start_url, region = values["sso_start_url"], values["sso_region"]
    if not isinstance(start_url, str) or not isinstance(region, str):
        raise KeyError("sso_start_url" if not isinstance(start_url, str) else "sso_region")
    return SsoSession(None, start_url, region)


# --------------------------------------------------------------------------- the cache


@dataclass(frozen=True)
class Registration:
    """A client registered with SSO OIDC (RegisterClient), reused until it expires."""

    client_id: str = field(repr=False)
    client_secret: str = field(repr=False)
    expires_at: datetime
    scopes: tuple[str, ...] | None = None
    #: the grants it was registered for; the CLI v2's authorization-code registrations say so
    grant_types: tuple[str, ...] = ()

    def usable(self, at: datetime | None = None) -> bool:
        """Valid for a device sign-in: not about to expire, not an authorization-code client."""
        return (
            self.expires_at - (at or now()) >= EXPIRY_WINDOW and "authorization_code" not in self.grant_types
        )

    def to_cache(self) -> dict[str, Any]:
        document: dict[str, Any] = {
            "clientId": self.client_id,
            "clientSecret": self.client_secret,
            "expiresAt": format_time(self.expires_at),
        }
        if self.scopes:
            document["scopes"] = list(self.scopes)
        return document

    @classmethod
    def from_cache(cls, document: Mapping[str, Any]) -> Registration | None:
        client_id, secret = document.get("clientId"), document.get("clientSecret")
        expires_at = parse_time(document.get("expiresAt"))
        if not isinstance(client_id, str) or not isinstance(secret, str) or expires_at is None:
            return None
        scopes = document.get("scopes")
        grants = document.get("grantTypes")
        return cls(
            client_id,
            secret,
            expires_at,
            tuple(str(s) for s in scopes) if isinstance(scopes, list) else None,
            tuple(str(g) for g in grants) if isinstance(grants, list) else (),
        )


def _sha1(text: str) -> str:
    # A file name, as botocore and the CLI compute it; not a security measure.
    return hashlib.sha1(text.encode("utf-8"), usedforsecurity=False).hexdigest()


def token_cache_key(sso: SsoSession) -> str:
    """botocore's ``SSOTokenLoader`` key: sha1 of the session name, else of the start URL."""
    return _sha1(sso.name if sso.name is not None else sso.start_url)


def registration_cache_key(sso: SsoSession) -> str:
    """The CLI v2's registration key (``_registration_cache_key``), byte for byte."""
    arguments = {
        "tool": "botocore",
        "startUrl": sso.start_url,
        "region": sso.region,
        "scopes": list(sso.scopes) if sso.scopes is not None else None,
        "session_name": sso.name,
    }
    return _sha1(json.dumps(arguments, sort_keys=True))


def token_path(sso: SsoSession) -> Path:
    return Path(cache_dir(), f"{token_cache_key(sso)}.json")


def registration_path(sso: SsoSession) -> Path:
    return Path(cache_dir(), f"{registration_cache_key(sso)}.json")


def _write_document(path: Path, document: Mapping[str, Any]) -> Path:
    # json.dumps with its default separators, as botocore's JSONFileCache writes (mode 0600, atomic).
    write_cache_document(path, json.dumps(document).encode("utf-8"))
    return path


def load_token(sso: SsoSession) -> Token | None:
    document = read_cache_document(token_path(sso))
    return Token.from_cache(document) if document is not None else None


def save_token(sso: SsoSession, token: Token) -> Path:
    return _write_document(token_path(sso), token.to_cache())


def remove_token(sso: SsoSession) -> bool:
    """Remove the session's token file; False when there is none. A directory there is never
    removed: `FileProblem` (exit 4) names it and says how."""
    path = token_path(sso)
    try:
        path.unlink()
    except FileNotFoundError:
        return False
    except OSError as error:
        if path.is_dir() and not path.is_symlink():
            raise not_a_cache_file(path) from None
        raise FileProblem(f"cannot remove the SSO token {path}: {error.strerror or error}") from None
    return True


def load_registration(sso: SsoSession) -> Registration | None:
    document = read_cache_document(registration_path(sso))
    return Registration.from_cache(document) if document is not None else None


def save_registration(sso: SsoSession, registration: Registration) -> Path:
    return _write_document(registration_path(sso), registration.to_cache())


def not_signed_in(sso: SsoSession, why: str) -> CheckFailed:
    return CheckFailed(f"{sso.label} {why}; run '{sso.login_command}'", "sso-login")


def valid_token(sso: SsoSession) -> Token:
    """The cached token of ``sso`` if it still works for a while; else CheckFailed 'sso-login'.
    A token for another start URL or region (the config changed since, or the file is not what
    ``profiles login`` wrote) is not this session's: its region would choose the portal."""
    token = load_token(sso)
    if token is None:
        raise not_signed_in(sso, "has no SSO token (not signed in)")
    if not _usable(token, sso):
        raise not_signed_in(sso, "has an SSO token for another start URL or region")
    if token.expired(window=timedelta(0)):
        raise not_signed_in(sso, f"has an SSO token that expired at {format_time(token.expires_at)}")
    return token


# --------------------------------------------------------------------------- the portal


@dataclass(frozen=True)
class Account:
    account_id: str
    name: str
    email: str | None = None


@dataclass(frozen=True)
class AccountRole:
    account_id: str
    role_name: str


def unsigned_client(
    service: str,
    region: str,
    paths: store.Paths | None = None,
    timeout: float | None = None,
    attempts: int = 2,
) -> Any:
    """A botocore client for an SSO API (they take no AWS signature), honouring endpoint settings.
    ``timeout``: the seconds a call and its retries may take (`session.waits`); None: as ``aws``."""
    from botocore import UNSIGNED
    from botocore.config import Config

    from awsprofiles.aws.session import make_session, share_loader, waits

    session = share_loader(make_session(paths or store.locate()))
    config = Config(signature_version=UNSIGNED)
    bounded = waits(timeout, attempts)
    return session.create_client(
        service, region_name=region, config=config if bounded is None else config.merge(bounded)
    )


def _portal_failure(error: BaseException, what: str, role: tuple[str, str] | None = None) -> CheckFailed:
    """``role``: the (account, role) asked for, named when the user is not assigned it."""
    from botocore.exceptions import ClientError

    from awsprofiles.aws.errors import classify, not_assigned

    if isinstance(error, ClientError):
        code = str(error.response.get("Error", {}).get("Code", ""))
        if code == "UnauthorizedException":
            return CheckFailed(
                f"the SSO token for {what} was refused (expired or signed out); sign in again with "
                "'profiles login'",
                "sso-login",
                code,
            )
        if code == "ForbiddenException" and error.operation_name == "GetRoleCredentials":
            account, role_name = role or (None, None)
            return not_assigned("", account, role_name, code)
    return classify(error, what, subject=f"IAM Identity Center ({what}): ")


def portal_client(token: Token, paths: store.Paths | None = None, timeout: float | None = None) -> Any:
    """The SSO portal API's client for ``token``: make it once for many calls (a client costs
    tens of milliseconds; botocore clients may be shared between threads)."""
    return unsigned_client("sso", token.region, paths, timeout)


def _pages(
    token: Token,
    operation: str,
    result: str,
    paths: store.Paths | None,
    timeout: float | None,
    portal: Any = None,
    **kwargs: str,
) -> list[dict[str, Any]]:
    portal = portal or portal_client(token, paths, timeout)
    try:
        pages = portal.get_paginator(operation).paginate(accessToken=token.access_token, **kwargs)
        return [dict(item) for page in pages for item in page.get(result, [])]
    except Exception as error:
        raise _portal_failure(error, token.start_url) from None


def list_accounts(
    token: Token, paths: store.Paths | None = None, timeout: float | None = None, portal: Any = None
) -> list[Account]:
    """Every account the signed-in user is assigned to (SSO ListAccounts, all pages)."""
    return [
        Account(
            str(item["accountId"]),
            str(item.get("accountName") or item["accountId"]),
            item.get("emailAddress"),
        )
        for item in _pages(token, "list_accounts", "accountList", paths, timeout, portal)
    ]


def list_account_roles(
    token: Token,
    account_id: str,
    paths: store.Paths | None = None,
    timeout: float | None = None,
    portal: Any = None,
) -> list[AccountRole]:
    """Every role the signed-in user may use in ``account_id`` (SSO ListAccountRoles, all pages)."""
    return [
        AccountRole(str(item.get("accountId") or account_id), str(item["roleName"]))
        for item in _pages(
            token, "list_account_roles", "roleList", paths, timeout, portal, accountId=account_id
        )
    ]


def try_role_credentials(
    token: Token,
    pairs: list[tuple[str, str]],
    paths: store.Paths | None = None,
    timeout: float | None = None,
    jobs: int = 16,
    portal: Any = None,
) -> dict[tuple[str, str], CheckFailed | None]:
    """GetRoleCredentials for each (account, role), concurrently: None where it worked.

    The credentials are dropped at once: this proves a role can be used (``profiles discover
    --verify``), nothing more.
    """
    import concurrent.futures

    if not pairs:
        return {}
    portal = portal or portal_client(token, paths, timeout)

    def attempt(pair: tuple[str, str]) -> CheckFailed | None:
        account_id, role_name = pair
        try:
            portal.get_role_credentials(
                accountId=account_id, roleName=role_name, accessToken=token.access_token
            )
        except Exception as error:
            return _portal_failure(error, token.start_url, pair)
        return None

    workers = max(1, min(jobs, len(pairs)))
    with concurrent.futures.ThreadPoolExecutor(max_workers=workers, thread_name_prefix="sso-verify") as pool:
        return dict(zip(pairs, pool.map(attempt, pairs), strict=True))


# --------------------------------------------------------------------------- sign-in

#: RFC 8628: poll every 5 s unless told otherwise, and 5 s slower after each slow_down.
DEFAULT_INTERVAL = 5
SLOW_DOWN_SECONDS = 5
DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
REFRESH_GRANT = "refresh_token"


@dataclass(frozen=True)
class Authorization:
    """What the person must do to approve a sign-in: open the URL and check the code."""

    verification_uri: str
    verification_uri_complete: str
    user_code: str
    expires_at: datetime


@dataclass(frozen=True)
class SignedIn:
    token: Token
    #: "valid" (the cached token still works), "refreshed" (refresh token) or "signed-in"
    how: str
    path: Path


def _code(error: BaseException) -> str:
    from botocore.exceptions import ClientError

    if isinstance(error, ClientError):
        return str(error.response.get("Error", {}).get("Code", ""))
    return ""


def _usable(token: Token | None, sso: SsoSession) -> bool:
    """A cached token for this very start URL and region (the config may have changed since)."""
    return token is not None and (token.start_url, token.region) == (sso.start_url, sso.region)


def login(
    sso: SsoSession,
    on_pending: Callable[[Authorization], None],
    *,
    paths: store.Paths | None = None,
    force: bool = False,
    sleep: Callable[[float], None] | None = None,
    timeout: float | None = None,
) -> SignedIn:
    """Make sure ``sso`` has a token that works: the cached one, a refreshed one, or a new sign-in.

    A new sign-in is the OAuth device authorization flow of the CLI v2 (``aws sso login
    --use-device-code``): the client registration is reused while it is valid (else
    RegisterClient), StartDeviceAuthorization, one CreateToken attempt, then ``on_pending``
    (print the URL and code, open a browser) and CreateToken every ``interval`` seconds until the
    person approves (``slow_down`` adds 5 s). ``force`` skips the cached and refreshed tokens.
    """
    cached = load_token(sso)
    if not force and cached is not None and _usable(cached, sso):
        if not cached.expired():
            return SignedIn(cached, "valid", token_path(sso))
        if cached.refreshable():
            refreshed = _refresh(sso, cached, paths, timeout)
            if refreshed is not None:
                return SignedIn(refreshed, "refreshed", save_token(sso, refreshed))
    token = _device_sign_in(sso, on_pending, paths, sleep, timeout)
    return SignedIn(token, "signed-in", save_token(sso, token))


def _oidc(sso: SsoSession, paths: store.Paths | None, timeout: float | None) -> Any:
    return unsigned_client("sso-oidc", sso.region, paths, timeout)


def _refresh(
    sso: SsoSession, cached: Token, paths: store.Paths | None, timeout: float | None
) -> Token | None:
    """The refresh_token grant, as botocore's SSOTokenProvider does it; None when AWS refuses it."""
    from botocore.exceptions import ClientError

    from awsprofiles.aws.errors import classify

    try:
        answer = _oidc(sso, paths, timeout).create_token(
            grantType=REFRESH_GRANT,
            clientId=cached.client_id,
            clientSecret=cached.client_secret,
            refreshToken=cached.refresh_token,
        )
    except ClientError:
        return None  # an expired or revoked refresh token: sign in again
    except Exception as error:
        raise classify(error, sso.label, subject=f"{sso.label}: ") from None
    return _issued(sso, answer, cached.client_id, cached.client_secret, cached.registration_expires_at)


def _issued(
    sso: SsoSession,
    answer: Mapping[str, Any],
    client_id: str | None,
    client_secret: str | None,
    registration_expires_at: datetime | None,
) -> Token:
    """The token a CreateToken answer gives, with the registration cached beside it (as the CLI v2)."""
    return Token(
        sso.start_url,
        sso.region,
        str(answer["accessToken"]),
        now() + timedelta(seconds=int(answer["expiresIn"])),
        client_id,
        client_secret,
        registration_expires_at,
        answer.get("refreshToken"),
    )


def _register(oidc: Any, sso: SsoSession) -> Registration:
    # The CLI v2's client name; a legacy profile has no session name, so a timestamp stands in.
    name = sso.name if sso.name is not None else str(int(now().timestamp()))
    arguments: dict[str, Any] = {"clientName": f"botocore-client-{name}", "clientType": "public"}
    if sso.scopes:
        arguments["scopes"] = list(sso.scopes)
    answer = oidc.register_client(**arguments)
    registration = Registration(
        str(answer["clientId"]),
        str(answer["clientSecret"]),
        datetime.fromtimestamp(int(answer["clientSecretExpiresAt"]), UTC),
        sso.scopes or None,
    )
    save_registration(sso, registration)
    return registration


def _device_sign_in(
    sso: SsoSession,
    on_pending: Callable[[Authorization], None],
    paths: store.Paths | None,
    sleep: Callable[[float], None] | None,
    timeout: float | None,
) -> Token:
    from awsprofiles.aws.errors import classify

    oidc = _oidc(sso, paths, timeout)
    try:
        registration = load_registration(sso)
        if registration is None or not registration.usable():
            registration = _register(oidc, sso)
        try:
            started = _start(oidc, sso, registration)
        except Exception as error:
            if _code(error) != "InvalidClientException":
                raise
            # The cached registration was revoked or is unknown to AWS: register anew, once.
            registration = _register(oidc, sso)
            started = _start(oidc, sso, registration)
        authorization = Authorization(
            str(started["verificationUri"]),
            str(started.get("verificationUriComplete") or started["verificationUri"]),
            str(started["userCode"]),
            now() + timedelta(seconds=int(started["expiresIn"])),
        )
        interval = int(started.get("interval") or DEFAULT_INTERVAL)
        device_code = str(started["deviceCode"])
        # One attempt first: a client that is already authorized needs no person (as the CLI v2).
        answer, interval = _poll(oidc, sso, registration, device_code, interval)
        if answer is None:
            on_pending(authorization)
        while answer is None:
            answer, interval = _poll(oidc, sso, registration, device_code, interval)
            if answer is None:
                if now() >= authorization.expires_at:
                    raise _expired(sso)
                (sleep or time.sleep)(interval)
    except ProfilesError:
        raise
    except Exception as error:
        raise classify(error, sso.label, subject=f"{sso.label}: ") from None
    return _issued(sso, answer, registration.client_id, registration.client_secret, registration.expires_at)


def _start(oidc: Any, sso: SsoSession, registration: Registration) -> Any:
    return oidc.start_device_authorization(
        clientId=registration.client_id, clientSecret=registration.client_secret, startUrl=sso.start_url
    )


def _expired(sso: SsoSession) -> CheckFailed:
    return CheckFailed(
        f"the sign-in for {sso.label} was not approved in time and its code expired; run the login again",
        "sso-login",
    )


def _poll(
    oidc: Any, sso: SsoSession, registration: Registration, device_code: str, interval: int
) -> tuple[dict[str, Any] | None, int]:
    """One CreateToken attempt: (the answer, or None while pending; the interval from now on)."""
    try:
        answer = oidc.create_token(
            grantType=DEVICE_GRANT,
            clientId=registration.client_id,
            clientSecret=registration.client_secret,
            deviceCode=device_code,
        )
    except Exception as error:
        code = _code(error)
        if code == "AuthorizationPendingException":
            return None, interval
        if code == "SlowDownException":
            return None, interval + SLOW_DOWN_SECONDS
        if code == "ExpiredTokenException":
            raise _expired(sso) from None
        if code == "AccessDeniedException":
            raise CheckFailed(f"the sign-in for {sso.label} was denied in the browser", "sso-login") from None
        raise
    return dict(answer), interval


# --------------------------------------------------------------------------- sign-out


def role_credentials_cache_key(sso: SsoSession, account_id: str, role_name: str) -> str:
    """The file name botocore's SSOCredentialFetcher gives a role's credentials in a cache."""
    arguments = {"roleName": role_name, "accountId": account_id}
    if sso.name is not None:
        arguments["sessionName"] = sso.name
    else:
        arguments["startUrl"] = sso.start_url
    return _sha1(json.dumps(arguments, sort_keys=True, separators=(",", ":")))


def revoke(token: Token, paths: store.Paths | None = None, timeout: float = 3.0) -> bool:
    """SSO Logout: the token stops working at AWS too. Best effort, as ``aws sso logout`` does."""
    if not token.region:
        return False
    try:
        unsigned_client("sso", token.region, paths, timeout, attempts=1).logout(
            accessToken=token.access_token
        )
    except Exception:
        return False
    return True


def cached_tokens() -> list[tuple[Path, Token]]:
    """Every token in the SSO cache (registrations and other files are not tokens)."""
    found = []
    folder = Path(cache_dir())
    for path in sorted(folder.glob("*.json")) if folder.is_dir() else []:
        document = read_cache_document(path)
        token = Token.from_cache(document) if document is not None else None
        if token is not None:
            found.append((path, token))
    return found
