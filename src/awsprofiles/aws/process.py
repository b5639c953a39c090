"""Running a profile's credential_process so that each way it can fail is named, not guessed.

botocore's ProcessProvider starts the program with ``popen(args, stdout=PIPE, stderr=PIPE)``,
then reads ``communicate()`` and ``returncode``. `session.wire_credential_process` hands it
`starter(profile)` instead of ``subprocess.Popen``: the same process, but a program that cannot
start, that exits non-zero, or that prints something other than the credential_process JSON
(Version 1) raises a `CheckFailed` with its code: process-not-found, process-failed or
process-bad-output. botocore then parses the output that passed, as it always does.

The program's output is never quoted (it holds secrets); of its stderr, one line: its ``error:``
line if it has one (a `profiles credential-process` ends with it), else its first. The line is
quoted whole: only a line longer than a page is shortened, between words, saying how much is left.
"""

from __future__ import annotations

import errno
import json
import os
import re
import subprocess
from collections.abc import Callable
from typing import Any

from awsprofiles.errors import CheckFailed, said_of
from awsprofiles.startup import NO_PROMPT

#: What the SDKs require of a credential_process's output (besides "Version": 1).
REQUIRED_FIELDS = ("AccessKeyId", "SecretAccessKey")
#: A stderr line longer than this is shortened (between words): a page of text, not a log.
_STDERR_LINE_LIMIT = 1000
_CODE_SUFFIX = re.compile(r" \[[a-z-]+\]$")


def whole_words(text: str, limit: int) -> str:
    """``text`` as it is, or, when longer than ``limit``, its first words up to ``limit`` and how
    many characters were left out: never a word cut in the middle."""
    if len(text) <= limit:
        return text
    cut = text.rfind(" ", 0, limit + 1)
    kept = text[:cut].rstrip() if cut > 0 else ""
    return f"{kept} … ({len(text) - len(kept)} more characters)".lstrip()


def said_on_stderr(stderr: str, profile: str) -> str | None:
    """The line of a program's stderr that says why it failed: its ``error:`` line (the last one),
    else its first line, kept whole (`whole_words`). Of an ``error: ... [code]`` line, the prefix
    and the code go (the code is passed on as the failure's own, `errors.profiles_process_code`),
    and so does ``profile 'NAME': `` when NAME is ``profile``, which the message names already."""
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    if not lines:
        return None
    errors = [line for line in lines if line.lower().startswith("error:")]
    line = _CODE_SUFFIX.sub("", errors[-1][len("error:") :].strip()) if errors else lines[0]
    return whole_words(said_of(profile, line), _STDERR_LINE_LIMIT)


def _bad_output(profile: str, program: str, problem: str) -> CheckFailed:
    return CheckFailed(
        f"profile {profile!r}: its credential_process {program!r} did not print the credential_process "
        f'JSON ({{"Version": 1, "AccessKeyId": ..., "SecretAccessKey": ...}}): {problem}; fix that program',
        "process-bad-output",
    )


def output_problem(stdout: bytes) -> str | None:
    """What is wrong with a credential_process's output, or None when the SDKs can read it."""
    try:
        document = json.loads(stdout.decode("utf-8"))
    except UnicodeDecodeError:
        return "its output is not UTF-8 text"
    except ValueError:
        return "its output is not JSON" if stdout.strip() else "it printed nothing"
    if not isinstance(document, dict):
        return "its output is JSON but not an object"
    if "Version" not in document:
        return "the Version field is missing (it must be 1)"
    if document["Version"] != 1:
        return "the Version field is not 1"
    missing = [name for name in REQUIRED_FIELDS if not isinstance(document.get(name), str)]
    if missing:
        return f"the {' and '.join(missing)} field{'s are' if len(missing) > 1 else ' is'} missing"
    return None


class _CheckedProcess:
    """The running credential_process, as botocore uses it: communicate() and returncode."""

    def __init__(self, profile: str, program: str, process: subprocess.Popen[bytes]) -> None:
        self._profile = profile
        self._program = program
        self._process = process

    @property
    def returncode(self) -> int | None:
        return self._process.returncode

    def communicate(self, *args: Any, **kwargs: Any) -> tuple[bytes, bytes]:
        stdout, stderr = self._process.communicate(*args, **kwargs)
        status = self._process.returncode
        if status != 0:
            from awsprofiles.aws.errors import profiles_process_code

            text = (stderr or b"").decode("utf-8", "replace")
            line = said_on_stderr(text, self._profile)
            said = f": {line}" if line else " and printed no error"
            raise CheckFailed(
                f"profile {self._profile!r}: its credential_process {self._program!r} exited with status "
                f"{status}{said}",
                # a `profiles credential-process` (a keyring source) says why, e.g. mfa-required
                profiles_process_code(text) or "process-failed",
            )
        problem = output_problem(stdout or b"")
        if problem is not None:
            raise _bad_output(self._profile, self._program, problem)
        return stdout, stderr


def starter(profile: str, no_prompt: bool = False) -> Callable[..., _CheckedProcess]:
    """A ``subprocess.Popen`` stand-in for the credential_process of ``profile``; with
    ``no_prompt``, the process gets `NO_PROMPT` in its environment (this process's is untouched)."""

    def start(args: list[str], **kwargs: Any) -> _CheckedProcess:
        if no_prompt:
            kwargs["env"] = {**(kwargs.get("env") or os.environ), NO_PROMPT: "1"}
        if not args:
            raise CheckFailed(f"profile {profile!r}: its credential_process is empty", "process-not-found")
        program = args[0]
        try:
            process = subprocess.Popen(args, **kwargs)
        except OSError as error:
            if error.errno == errno.ENOENT:
                where = "does not exist" if "/" in program else "is not found on PATH"
                raise CheckFailed(
                    f"profile {profile!r}: its credential_process runs {program!r}, which {where}; "
                    "install it or fix the path in credential_process",
                    "process-not-found",
                ) from None
            raise CheckFailed(
                f"profile {profile!r}: its credential_process {program!r} cannot be started: "
                f"{error.strerror or type(error).__name__}",
                "process-failed",
            ) from None
        return _CheckedProcess(profile, program, process)

    return start
