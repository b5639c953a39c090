"""The SSO token as cached in ``~/.aws/sso/cache``: its dates and checks (`Token`), and the cache
botocore's SSO providers read it through (`SsoTokenCache`, given them by `aws.session`).

Below both `aws.session` (which gives botocore the cache) and `aws.sso` (which signs in and out
and re-exports what is here), so that neither imports the other for it.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from awsprofiles.aws.caches import read_cache_document, sso_cache_dir, write_cache_document

#: botocore and the CLI treat a token or registration with less than this left as expired.
EXPIRY_WINDOW = timedelta(minutes=15)
_TIME_FORMAT = "%Y-%m-%dT%H:%M:%SZ"


def now() -> datetime:
    return datetime.now(UTC)


def format_time(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime(_TIME_FORMAT)


def parse_time(value: object) -> datetime | None:
    """A cache timestamp: ``...Z`` (CLI v2, botocore), ``...UTC`` (older writers) or ISO 8601.
    None for anything else, a moment outside the years 1-9999 in UTC included."""
    if not isinstance(value, str):
        return None
    text = value.strip()
    if text.endswith("UTC"):
        text = text[:-3] + "+00:00"
    try:
        moment = datetime.fromisoformat(text)
        return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    except (ValueError, OverflowError):  # 0001-01-01T00:00:00+01:00 is before year 1 in UTC
        return None


@dataclass(frozen=True)
class Token:
    """An SSO access token as cached, with what a refresh needs."""

    start_url: str
    region: str
    access_token: str = field(repr=False)
    expires_at: datetime
    client_id: str | None = field(default=None, repr=False)
    client_secret: str | None = field(default=None, repr=False)
    registration_expires_at: datetime | None = None
    refresh_token: str | None = field(default=None, repr=False)

    def expired(self, at: datetime | None = None, window: timedelta = EXPIRY_WINDOW) -> bool:
        """Whether the token has less than ``window`` left: botocore would refresh it then."""
        return self.expires_at - (at or now()) < window

    def refreshable(self, at: datetime | None = None) -> bool:
        """Whether the refresh_token grant can be tried (botocore's own conditions)."""
        registered_until = self.registration_expires_at
        return bool(
            self.refresh_token
            and self.client_id
            and self.client_secret
            and registered_until is not None
            and registered_until > (at or now())
        )

    def to_cache(self) -> dict[str, str]:
        """The document, keys in the order the CLI v2 writes them."""
        document = {
            "startUrl": self.start_url,
            "region": self.region,
            "accessToken": self.access_token,
            "expiresAt": format_time(self.expires_at),
        }
        if self.client_id and self.client_secret:
            document["clientId"] = self.client_id
            document["clientSecret"] = self.client_secret
            if self.registration_expires_at is not None:
                document["registrationExpiresAt"] = format_time(self.registration_expires_at)
        if self.refresh_token:
            document["refreshToken"] = self.refresh_token
        return document

    @classmethod
    def from_cache(cls, document: Mapping[str, Any]) -> Token | None:
        """None for a document botocore could not use either (no accessToken or expiresAt), or
        one that is not a token: an access token with characters no HTTP header can carry."""
        expires_at = parse_time(document.get("expiresAt"))
        access_token = document.get("accessToken")
        if expires_at is None or not isinstance(access_token, str) or not _header_text(access_token):
            return None

        def text(key: str) -> str | None:
            value = document.get(key)
            return value if isinstance(value, str) and value else None

        return cls(
            start_url=text("startUrl") or "",
            region=text("region") or "",
            access_token=access_token,
            expires_at=expires_at,
            client_id=text("clientId"),
            client_secret=text("clientSecret"),
            registration_expires_at=parse_time(document.get("registrationExpiresAt")),
            refresh_token=text("refreshToken"),
        )


def _header_text(value: str) -> bool:
    """Printable ASCII, as a bearer token is (botocore sends it in an HTTP header)."""
    return bool(value) and value.isascii() and value.isprintable()


class SsoTokenCache:
    """The SSO token cache as botocore's SSO providers use it (in place of their ``JSONFileCache``:
    same folder, same file names, same JSON), with each token read as untrusted input.

    botocore's ``SSOTokenLoader`` asks ``key in cache`` then ``cache[key]`` and trusts the document
    it gets. Here a token is "in" the cache only when `sso.Token.from_cache` accepts what
    `caches.read_cache_document` read (a regular file, bounded, UTF-8 JSON object, an access token
    that is text and an expiry that is a date botocore can compare); ``cache[key]`` is that token
    as botocore writes it, so botocore never sees the file's own values. Anything else is a miss,
    which botocore reports as "not signed in" (``sso-login``). A refreshed token is written all or
    nothing (`caches.write_cache_document`).
    """

    def __init__(self, working_dir: str | None = None, dumps_func: Any = None) -> None:
        # botocore's constructor arguments: the folder (None: under HOME as it is now); the
        # serialisation is ours, the CLI v2's (`sso.Token.to_cache`).
        self.folder = working_dir or str(sso_cache_dir())

    def path(self, key: str) -> str:
        return os.path.join(self.folder, f"{key}.json")

    def _token(self, key: str) -> dict[str, str] | None:
        document = read_cache_document(self.path(key))
        token = Token.from_cache(document) if document is not None else None
        return token.to_cache() if token is not None else None

    def __contains__(self, key: object) -> bool:
        return self._token(str(key)) is not None

    def __getitem__(self, key: str) -> dict[str, str]:
        token = self._token(key)
        if token is None:
            raise KeyError(key)  # JSONFileCache's answer for an entry it cannot read
        return token

    def __setitem__(self, key: str, value: Any) -> None:
        def as_json(moment: Any) -> str:
            if isinstance(moment, datetime):
                return format_time(moment)
            raise TypeError(f"{type(moment).__name__} cannot be cached")

        write_cache_document(self.path(key), json.dumps(value, default=as_json).encode("utf-8"))
