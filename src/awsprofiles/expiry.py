"""When credentials expire, said where a person sees it: ``exec``'s warning, and ``profiles prompt``.

``profiles prompt`` runs before every prompt of a shell that shows it, so it is served by the
entry point before anything else loads (`serve_prompt`): it reads the environment only (what
``profiles env`` and ``exec`` export), never a file, the keyring or the network.

Standard library only (``os`` and ``time``).
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime

#: ``exec`` warns this long before the command's credentials expire.
WARN_BEFORE_SECONDS = 5 * 60

# The variables `awsprofiles.shells` names; repeated here, so that a prompt imports nothing else.
_ACTIVE = "PROFILES_ACTIVE"
_EXPIRATION = "AWS_CREDENTIAL_EXPIRATION"
_ACCESS_KEY_ID = "AWS_ACCESS_KEY_ID"
_ENDPOINT_URL = "AWS_CONTAINER_CREDENTIALS_FULL_URI"
#: botocore's order: AWS_DEFAULT_PROFILE first.
_PROFILE_VARIABLES = ("AWS_DEFAULT_PROFILE", "AWS_PROFILE")
#: What a prompt shows of a name at most (a name is the user's; a prompt is a line).
_NAME_LIMIT = 64


def iso8601(moment: datetime) -> str:
    """UTC with a Z, the form STS and credential_process use (``2026-01-01T12:00:00Z``)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def time_left(seconds: float) -> str:
    """``42m``, ``3h05m``, ``2d4h``; ``<1m`` in the last minute; ``expired`` after."""
    if seconds <= 0:
        return "expired"
    minutes = int(seconds // 60)
    if minutes < 1:
        return "<1m"
    if minutes < 60:
        return f"{minutes}m"
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f"{hours}h{minutes:02d}m"
    days, hours = divmod(hours, 24)
    return f"{days}d{hours}h"


def _seconds_until(text: str, now: float) -> float | None:
    """Seconds from ``now`` to an ISO 8601 moment (what `profiles env` exports), None if unreadable."""
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        return None
    if moment.tzinfo is None:
        return None  # whose local time? better nothing than a wrong figure
    return moment.timestamp() - now


def _printable(name: str) -> str:
    """A name as a prompt can show it: no control character (a terminal would obey it)."""
    shown = "".join(character if character.isprintable() else "?" for character in name)
    return shown if len(shown) <= _NAME_LIMIT else shown[: _NAME_LIMIT - 1] + "…"


def prompt_segment(environ: Mapping[str, str], now: float | None = None) -> str:
    """What ``profiles prompt`` prints: the profile in use and the time its credentials have left
    (``dev-role 42m``), the name alone when they do not expire or renew themselves (a profile
    named by AWS_PROFILE, a credential endpoint), and nothing when no profile is in use.

    A profile is in use when `profiles env` (or `exec`, or `serve`'s lines) put its credentials
    or its endpoint in the environment, or when AWS_DEFAULT_PROFILE or AWS_PROFILE name it
    (botocore's order); the credentials of the environment come first, as for botocore. Keys
    set by hand (no PROFILES_ACTIVE) are no profile's: botocore uses them, not the profile
    AWS_PROFILE names, so nothing is shown.
    """
    now = time.time() if now is None else now
    active = environ.get(_ACTIVE, "")
    keys = environ.get(_ACCESS_KEY_ID)
    if active and (keys or environ.get(_ENDPOINT_URL)):
        expiration = environ.get(_EXPIRATION) if keys else None
        seconds = None if expiration is None else _seconds_until(expiration, now)
        shown = _printable(active)
        return shown if seconds is None else f"{shown} {time_left(seconds)}"
    if keys:
        return ""
    for variable in _PROFILE_VARIABLES:
        name = environ.get(variable, "")
        if name:
            return _printable(name)
    return ""


def serve_prompt(argv: list[str]) -> int | None:
    """``profiles prompt`` from the entry point; None for anything else (``--help``: the CLI)."""
    if argv:
        return None
    segment = prompt_segment(os.environ)
    if segment:
        sys.stdout.write(segment + "\n")
    return 0


def expire_phrase(seconds: float, expiration: datetime) -> str:
    """When credentials expire, as a sentence says it: ``expire in 4m (12:34 UTC)``, or
    ``expired at 12:34 UTC`` once they have (never "expire in expired")."""
    at = f"{expiration.astimezone(UTC):%H:%M} UTC"
    return f"expired at {at}" if seconds <= 0 else f"expire in {time_left(seconds)} ({at})"


def warn_before(
    name: str, expiration: datetime, now: float | None = None
) -> tuple[float, Callable[[], None]]:
    """``exec``'s alarm: the seconds until a few minutes before ``expiration``, and the warning
    to print then (at once, if they are nearer than that already).

    The warning is advice, printed from a signal handler while ``exec`` waits for its command:
    a stderr that cannot take it (closed, or a pipe nobody reads) drops it, and the wait goes on.
    """
    now = time.time() if now is None else now
    left = expiration.timestamp() - now

    def warn() -> None:
        shown = _printable(name)
        line = (
            f"warning: the credentials of profile {shown!r} that this command uses "
            f"{expire_phrase(expiration.timestamp() - time.time(), expiration)}; "
            f"'profiles exec {shown} --server -- ...' keeps them fresh\n"
        )
        try:
            sys.stderr.write(line)
            sys.stderr.flush()
        except (OSError, ValueError, AttributeError):  # closed, broken, or None (started without fd 2)
            pass

    return max(left - WARN_BEFORE_SECONDS, 0.0), warn
