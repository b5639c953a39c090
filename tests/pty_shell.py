"""Type into a real interactive shell on a pseudo-terminal, press <TAB>, and read what it inserted;
or type answers to a command's prompts on its terminal (`type_into`) and see what the terminal showed;
or drive the shell line by line (`ShellOnTerminal`: job control, Ctrl-Z, `fg`).

After each completion the line is turned into ``printf '<%s>' LINE`` (Ctrl-A, then the text), so
the shell itself prints the words the completed line holds, quoting undone: what the command
would get. Markers printed by the shell (not echoed keystrokes) say when each step is done.
"""

from __future__ import annotations

import contextlib
import os
import pty
import re
import select
import signal
import time
from dataclasses import dataclass
from pathlib import Path

MARKER = "DO''NE"  # typed with quotes, printed without: the echo of the keys never matches


class ShellOnTerminal:
    """A real interactive shell on a pseudo-terminal (its controlling terminal, job control
    possible): `type` lines into it, `wait_for` what it prints, all within one deadline."""

    def __init__(self, argv: list[str], env: dict[str, str], cwd: Path, timeout: float = 60) -> None:
        pid, fd = pty.fork()
        if pid == 0:  # the child: the shell
            os.chdir(cwd)
            os.execvpe(argv[0], argv, {**env, "PS1": "$ ", "TERM": "dumb"})  # noqa: S606
        self.pid, self.fd = pid, fd
        self.output = b""
        self.deadline = time.monotonic() + timeout

    def type(self, text: str) -> None:
        os.write(self.fd, text.encode())

    def wait_for(self, pattern: bytes) -> re.Match[bytes]:
        while True:
            found = re.search(pattern, self.output)
            if found:
                return found
            if time.monotonic() > self.deadline:
                raise TimeoutError(self.output[-2000:].decode(errors="replace"))
            ready, _, _ = select.select([self.fd], [], [], 0.1)
            if ready:
                try:
                    self.output += os.read(self.fd, 65536)
                except OSError:
                    raise TimeoutError(self.output[-2000:].decode(errors="replace")) from None

    def close(self) -> None:
        """Kill the shell and whatever holds its terminal (a job that never gave it back)."""
        with contextlib.suppress(OSError):
            foreground = os.tcgetpgrp(self.fd)
            if foreground not in (self.pid, os.getpgrp()):
                os.killpg(foreground, signal.SIGKILL)
        os.kill(self.pid, signal.SIGKILL)
        os.waitpid(self.pid, 0)
        os.close(self.fd)

    def __enter__(self) -> ShellOnTerminal:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


def complete_interactively(
    argv: list[str], setup: str, lines: list[str], env: dict[str, str], cwd: Path, timeout: float = 60
) -> list[list[str]]:
    with ShellOnTerminal(argv, env, cwd, timeout) as shell:
        shell.type(f"{setup}\nprintf '%s\\n' READY{MARKER}\n")
        shell.wait_for(b"READYDONE\r?\n")
        results = []
        for number, line in enumerate(lines):
            start = len(shell.output)
            shell.type(line + "\t")
            shell.type(f"\x01printf '<%s>' \x05; printf '\\n%s\\n' {number}{MARKER}\n")
            end = shell.wait_for(f"\n{number}DONE".encode())
            printed = re.findall(rb"<([^\r\n]*)>\s*$", shell.output[start : end.start()])
            results.append(printed[-1].decode().split("><") if printed else [])
        return results


@dataclass
class Typed:
    """What a command run on a terminal printed: on the terminal (every echo included), on stdout."""

    terminal: bytes
    stdout: bytes
    returncode: int


def type_into(
    argv: list[str], answers: dict[bytes, bytes], env: dict[str, str] | None = None, timeout: float = 60
) -> Typed:
    """Run ``argv`` with a pseudo-terminal as its controlling terminal (its stdin, its stderr and
    /dev/tty), stdout on a pipe as under ``eval "$(...)"``; when the terminal shows a prompt of
    ``answers``, type its answer (once each). The terminal's echo is on, as a shell leaves it.
    """
    import fcntl
    import subprocess
    import termios

    controller, terminal = pty.openpty()
    process = subprocess.Popen(
        argv,
        stdin=terminal,
        stdout=subprocess.PIPE,
        stderr=terminal,
        env=env,
        start_new_session=True,
        preexec_fn=lambda: fcntl.ioctl(0, termios.TIOCSCTTY, 0),  # /dev/tty of it and its children
    )
    os.close(terminal)
    seen = b""
    waiting = dict(answers)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready, _, _ = select.select([controller], [], [], 0.1)
        if ready:
            try:
                chunk = os.read(controller, 4096)
            except OSError:  # every writer has gone
                break
            seen += chunk
        for prompt in [prompt for prompt in waiting if prompt in seen]:
            os.write(controller, waiting.pop(prompt) + b"\n")
        if process.poll() is not None and not ready:
            break
    else:
        process.kill()
    stdout, _ = process.communicate(timeout=timeout)
    os.close(controller)
    return Typed(seen, stdout, process.returncode)
