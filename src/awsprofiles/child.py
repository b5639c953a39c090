"""Running the command of ``profiles exec`` as a child, when ``profiles`` must outlive its start:
to serve its credential endpoint (``--server``) or to warn before its credentials expire.

The child is what ``os.execve`` would have run: the same file, arguments, environment, open file
descriptors (Python's own are close-on-exec), the user's core-file limit and default signal
dispositions (Python ignores SIGPIPE and SIGXFSZ; a command started from a shell does not).
``profiles`` waits for it and ends with its exit code, ``128 + N`` when signal N ended it, as a
shell reports it.

Signals: Ctrl-C and Ctrl-\\ reach the child from the terminal itself (the whole foreground
process group gets them), so ``profiles`` only outlives them; SIGTERM and SIGHUP, which a
supervisor or a closing terminal sends to ``profiles`` alone, are passed on to the child.
Job control: when the child stops, ``profiles`` stops as it did, so the shell sees the job
stopped and takes its terminal back; when ``fg`` or ``bg`` continues ``profiles``, it continues
the child (as sudo does).

Standard library only, and none of ``subprocess`` on POSIX: ``exec`` starts fast.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
from collections.abc import Callable

from awsprofiles.startup import core_dumps_restored

#: What the shells exit with when a command cannot be run (found but not runnable).
EXIT_NOT_EXECUTABLE = 126
#: Signals the child gets at their default disposition (Python ignores SIGPIPE and SIGXFSZ).
_DEFAULTS = ("SIGPIPE", "SIGXFSZ", "SIGINT", "SIGQUIT", "SIGTERM", "SIGHUP", "SIGALRM")
#: Sent to profiles alone: passed on to the child.
_PASSED_ON = ("SIGTERM", "SIGHUP")
#: Sent by the terminal to the child as well: profiles only survives them.
_OUTLIVED = ("SIGINT", "SIGQUIT")
#: The stops of job control a shell reports by name: profiles stops with the one that stopped the child.
_TERMINAL_STOPS = ("SIGTSTP", "SIGTTIN", "SIGTTOU")


def _signals(names: tuple[str, ...]) -> list[signal.Signals]:
    return [getattr(signal, name) for name in names if hasattr(signal, name)]


def restore_ignored_signals() -> None:
    """Before ``os.execve``: the signals Python ignores (SIGPIPE, SIGXFSZ) back at their default,
    as a command started from a shell has them (an ignored signal stays ignored across execve;
    ``yes | head -1`` would end with 'Broken pipe')."""
    for number in _signals(("SIGPIPE", "SIGXFSZ")):
        signal.signal(number, signal.SIG_DFL)


def flush_output() -> None:
    """Before a fork or an exec: what profiles wrote goes out now, once (not once per process).
    A stream that cannot take it (a pipe nobody reads, or fd 2 closed: Python's ``sys.stderr`` is
    None then) keeps nothing from the command running."""
    for stream in (sys.stdout, sys.stderr):
        if stream is not None:
            with contextlib.suppress(OSError, ValueError):
                stream.flush()


def exit_code(status: int) -> int:
    """A wait status as a shell reports it: the exit code, or 128 + the signal that ended it."""
    code = os.waitstatus_to_exitcode(status)
    return 128 - code if code < 0 else code


def run(
    program: str,
    argv: list[str],
    environment: dict[str, str],
    *,
    started: Callable[[], None] | None = None,
    alarm: tuple[float, Callable[[], None]] | None = None,
) -> int:
    """Run ``program`` (found by `using.find_program`) with ``argv`` and ``environment``, wait for
    it, and return its exit code.

    ``started`` runs in this process once the child exists (the endpoint starts its threads
    there: the fork happens before any). ``alarm``: (seconds, what to do then), once, if the
    child still runs (the expiry warning).
    """
    flush_output()
    if os.name != "posix":
        import subprocess

        child = subprocess.Popen([program, *argv[1:]], env=environment)
        if started is not None:
            started()
        if alarm is not None:
            import threading

            timer = threading.Timer(max(alarm[0], 0.0), alarm[1])
            timer.daemon = True
            timer.start()
        while True:
            try:
                return child.wait()
            except KeyboardInterrupt:
                continue  # the console sent it to the child too
    blocked = {*_signals(_PASSED_ON), *_signals(_OUTLIVED), signal.SIGALRM}
    # Until both sides have their handlers: a signal now waits instead of killing profiles alone.
    previous_mask = signal.pthread_sigmask(signal.SIG_BLOCK, blocked)
    pid = os.fork()
    if pid == 0:  # the child: nothing here may return into profiles
        try:
            for number in _signals(_DEFAULTS):
                signal.signal(number, signal.SIG_DFL)
            signal.pthread_sigmask(signal.SIG_SETMASK, previous_mask)
            core_dumps_restored()  # the command is the user's: it keeps the user's core-file limit
            os.execve(program, argv, environment)  # noqa: S606  (running the given command is the point)
        except OSError as error:
            os.write(2, f"error: cannot run {argv[0]!r}: {error.strerror}\n".encode(errors="replace"))
        finally:
            os._exit(EXIT_NOT_EXECUTABLE)
    handled = [*_signals(_PASSED_ON), *_signals(_OUTLIVED), signal.SIGALRM]
    previous = {number: signal.getsignal(number) for number in handled}
    try:
        for number in _signals(_PASSED_ON):
            signal.signal(number, lambda signum, _frame: _pass_on(pid, signum))
        for number in _signals(_OUTLIVED):
            signal.signal(number, lambda _signum, _frame: None)
        if alarm is not None:
            seconds, then = alarm
            signal.signal(signal.SIGALRM, lambda _signum, _frame: then())
            signal.setitimer(signal.ITIMER_REAL, max(seconds, 0.001))
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous_mask)
    try:
        # Here, not with the signals blocked: threads started now (the endpoint's) would keep them
        # blocked, and so would the credential_processes they start.
        if started is not None:
            try:
                started()
            except BaseException:
                _pass_on(pid, signal.SIGTERM)  # the command is not left running without what it needs
                os.waitpid(pid, 0)
                raise
        status = _wait(pid)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        for number, handler in previous.items():
            signal.signal(number, handler if handler is not None else signal.SIG_DFL)
    return exit_code(status)


def _wait(pid: int) -> int:
    """The child's wait status once it has ended. When it stops (Ctrl-Z, or a stop signal of its
    own), profiles stops too, with the same kind of stop, so that the shell gets its terminal back
    and a Stopped job as with execve; once continued (`fg`, `bg`), it continues the child."""
    _, status = os.waitpid(pid, os.WUNTRACED)  # retried after each handler (PEP 475)
    while os.WIFSTOPPED(status) or os.WIFCONTINUED(status):
        if os.WIFSTOPPED(status):
            # Ctrl-Z stops profiles too, maybe only after it took this report: once `fg`
            # continues both, the child has a newer state (continued), and profiles stays running.
            found, newer = os.waitpid(pid, os.WNOHANG | os.WUNTRACED | os.WCONTINUED)
            if found:
                status = newer
                continue
            _stop_like(os.WSTOPSIG(status))
            _pass_on(pid, signal.SIGCONT)
        _, status = os.waitpid(pid, os.WUNTRACED)
    return status


def _stop_like(signum: int) -> None:
    """Stop profiles as ``signum`` stopped the child: the terminal's stop signals (which the shell
    names: 'Stopped', 'Stopped (tty input)') at their default action for the moment; any other
    stop is SIGSTOP, which cannot be caught."""
    if signum not in _signals(_TERMINAL_STOPS):
        os.kill(os.getpid(), signal.SIGSTOP)
        return
    previous = signal.signal(signum, signal.SIG_DFL)
    try:
        os.kill(os.getpid(), signum)  # delivered before kill returns: profiles stops here
    finally:
        signal.signal(signum, previous if previous is not None else signal.SIG_DFL)


def _pass_on(pid: int, signum: int) -> None:
    with contextlib.suppress(ProcessLookupError):  # it has just ended; waitpid will say how
        os.kill(pid, signum)
