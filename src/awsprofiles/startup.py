"""What every run of ``profiles`` does alike, with nothing but the standard library.

Both the CLI and the console script's fast path (``entry``, which serves ``credential-process
--from-keyring`` and ``--version`` before the CLI loads) use these, so that the fast path keeps
the CLI's promises: no core dumps, ``error: interrupted`` (130) for Ctrl-C, a quiet exit 141
when stdout's reader has gone.
"""

from __future__ import annotations

import os
import sys

#: In a credential_process's environment, tells a `profiles credential-process` never to ask for
#: an MFA code: `profiles check` sets it for the processes it starts (`aws.process.starter`).
NO_PROMPT = "PROFILES_NO_PROMPT"
#: Set by `profiles env/exec --mfa-code`: the code for the credential_process botocore starts.
MFA_CODE = "PROFILES_MFA_CODE"

#: The soft core-file limit the user had, given back to the command `profiles exec` runs.
_users_core_limit: int | None = None


def standard_streams_open() -> None:
    """A standard stream the caller closed (``2>&-``) is /dev/null instead. Python sets
    sys.stderr to None then, and print(..., file=None) writes to stdout, which ``eval "$(profiles
    env ...)"`` runs; and the next file opened would get the stream's number, where a child's
    error output would land."""
    for fd, name in ((0, "stdin"), (1, "stdout"), (2, "stderr")):
        try:
            os.fstat(fd)
        except OSError:
            opened = os.open(os.devnull, os.O_RDONLY if fd == 0 else os.O_WRONLY)
            if opened != fd:  # the lowest free number: fd, as the ones below it are open
                os.dup2(opened, fd)
                os.close(opened)
            if getattr(sys, name) is None:
                setattr(sys, name, open(fd, "r" if fd == 0 else "w", closefd=False))  # noqa: SIM115


def core_dumps_off() -> None:
    """A core file of this process would hold the secrets it read: allow none (Linux, macOS)."""
    global _users_core_limit
    try:
        import resource
    except ImportError:  # Windows: no core files
        return
    soft, hard = resource.getrlimit(resource.RLIMIT_CORE)
    if soft != 0:
        # Only the soft limit: it can be raised again, for the command exec runs.
        resource.setrlimit(resource.RLIMIT_CORE, (0, hard))
        _users_core_limit = soft


def core_dumps_restored() -> None:
    """Before exec: the user's command gets the user's own core-file limit back."""
    if _users_core_limit is None:
        return
    import resource

    resource.setrlimit(resource.RLIMIT_CORE, (_users_core_limit, resource.getrlimit(resource.RLIMIT_CORE)[1]))


def discard_stdout() -> None:
    """Whoever read stdout has gone: what is still buffered for it goes nowhere, without an error."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):  # not a real file (tests capture it): nothing is flushed to it
        pass


def end_line() -> None:
    """Ctrl-C at a prompt leaves the cursor after it: the next message starts a line of its own."""
    if sys.stderr.isatty():
        sys.stderr.write("\n")


def version_line() -> str:
    """What ``profiles --version`` prints: ``awsprofiles.__version__``, the one source of the
    version (the build reads it from there into the metadata; importlib.metadata would cost
    several times a bare Python's start)."""
    from awsprofiles import __version__

    return f"profiles {__version__}"
