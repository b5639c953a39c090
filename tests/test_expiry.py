"""exec's expiry warning (`expiry.warn_before`): what it says, and that it is only advice: it runs
from SIGALRM while `child.run` waits for the command, so nothing it does may end that wait."""

from __future__ import annotations

import io
import sys
from datetime import UTC, datetime, timedelta

import pytest

from awsprofiles import expiry


def _warning(capsys: pytest.CaptureFixture[str], expiration: datetime) -> str:
    _, warn = expiry.warn_before("dev", expiration)
    warn()
    return capsys.readouterr().err


def test_the_warning_says_how_long_the_credentials_have_left(capsys: pytest.CaptureFixture[str]) -> None:
    expiration = datetime.now(UTC) + timedelta(minutes=4, seconds=30)
    assert _warning(capsys, expiration) == (
        "warning: the credentials of profile 'dev' that this command uses expire in 4m "
        f"({expiration:%H:%M} UTC); 'profiles exec dev --server -- ...' keeps them fresh\n"
    )


def test_credentials_that_have_expired_are_said_to_have_expired_not_to_expire_in_expired(
    capsys: pytest.CaptureFixture[str],
) -> None:
    expiration = datetime.now(UTC) - timedelta(minutes=2)
    assert _warning(capsys, expiration) == (
        "warning: the credentials of profile 'dev' that this command uses expired at "
        f"{expiration:%H:%M} UTC; 'profiles exec dev --server -- ...' keeps them fresh\n"
    )


@pytest.mark.parametrize(
    ("seconds", "said"),
    [(-1, "expired at 12:00 UTC"), (0, "expired at 12:00 UTC"), (30, "expire in <1m (12:00 UTC)"),
     (42 * 60, "expire in 42m (12:00 UTC)")],
)  # fmt: skip
def test_the_phrase_for_when_credentials_expire(seconds: float, said: str) -> None:
    assert expiry.expire_phrase(seconds, datetime(2026, 1, 1, 12, 0, tzinfo=UTC)) == said


class _Broken(io.StringIO):
    def __init__(self, error: Exception) -> None:
        super().__init__()
        self.error = error

    def write(self, text: str) -> int:
        raise self.error

    def flush(self) -> None:
        raise self.error


@pytest.mark.parametrize(
    "stderr",
    [_Broken(BrokenPipeError(32, "Broken pipe")), _Broken(OSError(9, "Bad file descriptor")),
     _Broken(ValueError("I/O operation on closed file.")), None],
    ids=["broken-pipe", "closed-descriptor", "closed-file", "no-stderr"],
)  # fmt: skip
def test_a_warning_that_cannot_be_written_is_dropped_without_an_error(
    monkeypatch: pytest.MonkeyPatch, stderr: io.StringIO | None
) -> None:
    monkeypatch.setattr(sys, "stderr", stderr)
    _, warn = expiry.warn_before("dev", datetime.now(UTC) + timedelta(minutes=1))
    warn()  # advice: it never ends the wait it interrupts
