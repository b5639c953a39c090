"""The exceptions `profiles` raises on purpose, each with the exit code the CLI maps it to.

The CLI renders them in one place (``awsprofiles.cli``) as a single ``error:`` line; their
messages must therefore be complete sentences a person can act on, and must never contain a
secret.
"""

from __future__ import annotations

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_BAD_INPUT = 2
EXIT_REFUSED = 3
EXIT_FILE = 4
EXIT_INTERRUPTED = 130
#: stdout was a pipe whose reader has gone (``| head``): 128 + SIGPIPE, as a shell reports it.
EXIT_OUTPUT_CLOSED = 141


def said_of(profile: str, message: str) -> str:
    """A message about ``profile`` where the profile is named already (its row in a table, a
    sentence about it): without its leading ``profile 'NAME': ``. Messages about one profile
    begin so, and never name it again after (its key is "its access key")."""
    return message.removeprefix(f"profile {profile!r}: ")


class ProfilesError(Exception):
    """Base class: a failure with a message for a person and an exit code for a script."""

    exit_code = EXIT_FAILED

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class CheckFailed(ProfilesError):
    """A check or an AWS call failed (exit 1).

    ``code`` is the stable word a script matches on (the codes of ``profiles check``);
    ``aws_code`` is AWS's own error code when AWS answered with one.
    """

    exit_code = EXIT_FAILED

    def __init__(self, message: str, code: str = "other", aws_code: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.aws_code = aws_code


class MfaCodeNeeded(CheckFailed):
    """An MFA code is needed and cannot be asked for here (no terminal, or a check that never
    waits for one): nothing is known yet of whether the profile works."""

    def __init__(self, message: str) -> None:
        super().__init__(message, "mfa-required")


class BadInput(ProfilesError):
    """The arguments, a name, a value or an input file are invalid (exit 2)."""

    exit_code = EXIT_BAD_INPUT


class Refused(ProfilesError):
    """The change would overwrite something that exists or is in use (exit 3)."""

    exit_code = EXIT_REFUSED


class FileProblem(ProfilesError):
    """A config or credentials file cannot be read, parsed, locked or written (exit 4)."""

    exit_code = EXIT_FILE


class CannotRun(ProfilesError):
    """``exec``'s command cannot be started: 127 not found, 126 not runnable (the shells' codes)."""

    def __init__(self, message: str, exit_code: int) -> None:
        super().__init__(message)
        self.exit_code = exit_code


class Interrupted(ProfilesError):
    """The user pressed Ctrl-C (exit 130)."""

    exit_code = EXIT_INTERRUPTED

    def __init__(self, message: str = "interrupted") -> None:
        super().__init__(message)
