"""`profiles exec` when it waits for its command (`--server`, or credentials that expire): the
command runs as a shell would run it, and profiles ends as it ends; the expiry warning.

A keys profile needs no AWS call; `--server` makes profiles wait for the command.
"""

from __future__ import annotations

import os
import shlex
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import PROFILES, Home
from tests.pty_shell import ShellOnTerminal

pytestmark = pytest.mark.skipif(os.name != "posix", reason="signals and file descriptors as POSIX has them")

KEYS = "[k]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = s3cr3t\n"
SERVER = [*PROFILES, "exec", "k", "--server", "--"]


def _keys(home: Home) -> Home:
    home.credentials.parent.mkdir(parents=True)
    home.credentials.write_text(KEYS)
    return home


@pytest.fixture
def keys(home: Home) -> Home:
    return _keys(home)


def test_the_exit_code_and_a_killing_signal_pass_through(keys: Home) -> None:
    assert subprocess.run([*SERVER, "sh", "-c", "exit 7"], timeout=60).returncode == 7
    assert subprocess.run([*SERVER, "sh", "-c", "kill -KILL $$"], timeout=60).returncode == 128 + 9
    missing = subprocess.run([*SERVER, "no-such-command-here"], capture_output=True, text=True, timeout=60)
    assert missing.returncode == 127
    assert "command not found" in missing.stderr


def test_a_closed_pipe_ends_the_command_as_a_shell_s_would(keys: Home) -> None:
    """Python ignores SIGPIPE; the command must not inherit that (`yes | head -1` ends quietly)."""
    process = subprocess.Popen([*SERVER, "yes"], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert process.stdout is not None
    assert process.stderr is not None
    assert process.stdout.readline() == b"y\n"
    process.stdout.close()
    assert process.wait(timeout=60) == 128 + signal.SIGPIPE
    assert process.stderr.read() == b""


#: A command that is ready for Ctrl-C once it says so, and ends by it as a shell command does.
READY_THEN_SLEEP = (
    "import signal, time; signal.signal(signal.SIGINT, signal.SIG_DFL); "
    "print('ready', flush=True); time.sleep(60)"
)


def test_ctrl_c_reaches_the_command_from_the_terminal_and_profiles_ends_with_it(keys: Home) -> None:
    process = subprocess.Popen(
        # Not 'sh -c "echo ready; sleep 60"': dash survives a SIGINT that lands between its two
        # commands (1 run in 5 here), and the test would wait for a sleep that never got it.
        [*SERVER, sys.executable, "-c", READY_THEN_SLEEP],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
    )  # fmt: skip
    assert process.stdout is not None
    assert process.stdout.readline() == "ready\n"
    os.killpg(process.pid, signal.SIGINT)  # what the terminal does: the whole foreground group
    _, err = process.communicate(timeout=60)
    assert process.returncode == 128 + signal.SIGINT
    assert "Traceback" not in err


def trapping(sent: signal.Signals) -> str:
    """A command that says 'got-SIGNAME' and exits 5 when ``sent`` reaches it, once it is ready.
    Not a shell's trap around 'sleep 60 &': dash loses a signal that reaches its background job
    before that job's exec (1 run in 10 here), and the sleep then holds the test's pipe 60 s."""
    return (
        "import signal, sys, time\n"
        f"signal.signal({int(sent)}, lambda *_: (print('got-{sent.name}', flush=True), sys.exit(5)))\n"
        "print('ready', flush=True)\n"
        "time.sleep(60)\n"
    )


@pytest.mark.parametrize("sent", [signal.SIGTERM, signal.SIGHUP])
def test_sigterm_and_sighup_to_profiles_alone_are_passed_to_the_command(
    keys: Home, sent: signal.Signals
) -> None:
    process = subprocess.Popen([*SERVER, sys.executable, "-c", trapping(sent)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert process.stdout is not None
    assert process.stdout.readline() == "ready\n"
    process.send_signal(sent)
    out, err = process.communicate(timeout=60)
    assert (process.returncode, out) == (5, f"got-{sent.name}\n"), err


def test_the_command_gets_the_shell_s_file_descriptors_and_core_limit(keys: Home, tmp_path: Path) -> None:
    script = (
        "ulimit -S -c 0; ulimit -S -c 1024 2>/dev/null || exit 99; "
        f'"$@" sh -c "ulimit -c; echo to-fd-3 >&3" 3>{tmp_path / "fd3"}'
    )
    ran = subprocess.run(["sh", "-c", script, "sh", *SERVER], capture_output=True, text=True, timeout=60)
    if ran.returncode == 99:
        pytest.skip("the hard core-file limit is 0 here")
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout == "1024\n"
    assert (tmp_path / "fd3").read_text() == "to-fd-3\n"


# --------------------------------------------------------------------------- the expiry warning

PROCESS = """\
import json, sys
from datetime import datetime, timedelta, timezone
expires = datetime.now(timezone.utc) + timedelta(seconds=int(sys.argv[1]))
print(json.dumps({"Version": 1, "AccessKeyId": "ASIAPROCESSEXAMPLE01", "SecretAccessKey": "s",
                  "SessionToken": "t", "Expiration": expires.strftime("%Y-%m-%dT%H:%M:%SZ")}))
"""


def _expiring(home: Home, tmp_path: Path, seconds: int) -> None:
    process = tmp_path / "process.py"
    process.write_text(PROCESS)
    home.config.parent.mkdir(parents=True, exist_ok=True)
    home.config.write_text(f"[profile p]\ncredential_process = {sys.executable} {process} {seconds}\n")


def test_exec_warns_once_a_few_minutes_before_the_command_s_credentials_expire(
    home: Home, tmp_path: Path
) -> None:
    _expiring(home, tmp_path, 5 * 60 + 3)  # the warning is due in 3 seconds
    started = time.monotonic()
    ran = subprocess.run(
        [*PROFILES, "exec", "p", "--", "sh", "-c", 'sleep 6; echo "$AWS_ACCESS_KEY_ID"'],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout == "ASIAPROCESSEXAMPLE01\n"
    assert ran.stderr.count("warning:") == 1, ran.stderr
    assert "warning: the credentials of profile 'p' that this command uses expire in 4m" in ran.stderr
    assert "'profiles exec p --server -- ...' keeps them fresh" in ran.stderr
    assert time.monotonic() - started >= 6


@pytest.mark.parametrize("stderr", ["closed", "a pipe nobody reads"])
def test_a_warning_that_cannot_be_written_leaves_the_command_s_exit_code_intact(
    home: Home, tmp_path: Path, stderr: str
) -> None:
    """The warning is due at once (4 minutes left) and runs from SIGALRM while profiles waits
    for the command: a closed stderr must not end that wait (the exit code would be lost)."""
    _expiring(home, tmp_path, 4 * 60)
    command = [*PROFILES, "exec", "p", "--", "sh", "-c", "sleep 2; exit 7"]
    if stderr == "closed":
        ran = subprocess.run(["sh", "-c", '"$@" 2>&-', "sh", *command], capture_output=True, timeout=60)
        assert ran.stderr == b""
    else:
        read, write = os.pipe()
        os.close(read)  # its reader has gone: a write fails with EPIPE
        try:
            ran = subprocess.run(command, stdout=subprocess.PIPE, stderr=write, timeout=60)
        finally:
            os.close(write)
    assert ran.returncode == 7


def test_exec_says_nothing_when_the_command_ends_before_the_warning_is_due(
    home: Home, tmp_path: Path
) -> None:
    _expiring(home, tmp_path, 5 * 60 + 30)
    ran = subprocess.run([*PROFILES, "exec", "p", "--", "sh", "-c", "exit 3"], capture_output=True, text=True)
    assert (ran.returncode, ran.stderr) == (3, "")


def test_exec_with_keys_that_do_not_expire_runs_the_command_in_its_place(keys: Home) -> None:
    ran = subprocess.run(
        [*PROFILES, "exec", "k", "--", "sh", "-c", 'echo "$PPID"'], capture_output=True, text=True, timeout=60
    )
    assert ran.returncode == 0, ran.stderr
    assert int(ran.stdout) == os.getpid()  # sh's parent is this test: profiles became sh


def test_a_command_run_in_place_of_profiles_gets_sigpipe_back_too(keys: Home) -> None:
    """Keys that do not expire: profiles becomes the command (execve), which must not inherit
    Python's ignored SIGPIPE either (`yes` would print 'Broken pipe' and exit 1)."""
    process = subprocess.Popen(
        [*PROFILES, "exec", "k", "--", "yes"], stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    assert process.stdout is not None
    assert process.stderr is not None
    assert process.stdout.readline() == b"y\n"
    process.stdout.close()
    assert process.wait(timeout=60) == -signal.SIGPIPE
    assert process.stderr.read() == b""


# --------------------------------------------------------------------------- job control

#: Commands that stop: by a SIGTSTP of their own, or by Ctrl-Z typed once they say 'ready'.
STOPPING = {
    "itself": ('kill -TSTP $$; echo re""sumed; exit 3', None),
    "ctrl-z": ('echo rea""dy; sleep 2; echo re""sumed; exit 3', b"ready"),
}


@pytest.mark.parametrize(
    ("stopped_by", "forking"), [("itself", "expiring"), ("itself", "--server"), ("ctrl-z", "expiring")]
)
def test_a_command_that_stops_is_a_stopped_job_of_the_shell_as_if_run_in_place(
    home: Home, tmp_path: Path, stopped_by: str, forking: str
) -> None:
    """Credentials that expire, or --server, make profiles fork and wait: when the command stops,
    profiles stops too, so the shell gets its terminal back and a Stopped job; `fg` continues
    both, and the command's exit code is the job's, as with execve."""
    script, ready = STOPPING[stopped_by]
    if forking == "--server":
        _keys(home)
        command = shlex.join([*SERVER, "sh", "-c", script])
    else:
        _expiring(home, tmp_path, 3600)  # the warning is not due while the test runs
        command = shlex.join([*PROFILES, "exec", "p", "--", "sh", "-c", script])
    bash = ["bash", "--norc", "--noprofile", "-i"]
    with ShellOnTerminal(bash, dict(os.environ), tmp_path, timeout=30) as shell:
        shell.type(f"set -m\n{command}\n")
        if ready is not None:
            shell.wait_for(ready)
            shell.type("\x1a")  # Ctrl-Z: the terminal stops the whole foreground group
        shell.wait_for(rb"\[1\]\+ +Stopped +")  # it hung here: profiles waited for a stopped child
        shell.type("fg\n")
        shell.wait_for(b"resumed")
        shell.type('echo "sta""tus=$?"\n')
        assert shell.wait_for(rb"status=(\d+)").group(1) == b"3"
