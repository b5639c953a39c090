"""Using example-role from real shells, `exec`, `credential_process` and the AWS CLI's cache.

Everything runs the real `profiles` and `aws` commands against the e2e moto_server with IAM
enforcement on: the role really is assumed, and only Bob may assume it.
"""

from __future__ import annotations

import json
import os
import select
import shutil
import stat
import subprocess
import sys
import time
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.conftest import PROFILES
from tests.e2e.conftest import Article

pytestmark = pytest.mark.e2e

BIN = os.path.dirname(sys.executable)
PROFILES_SCRIPT = os.path.join(BIN, "profiles")


def assumed_roles(article: Article, role_arn: str) -> int:
    """How many times the emulator has run AssumeRole for ``role_arn`` since the last reset."""
    with urllib.request.urlopen(f"{article.server.url}/moto-api/data.json", timeout=10) as response:
        data = json.load(response)
    return sum(1 for role in data["sts"]["AssumedRole"] if role.get("role_arn") == role_arn)


def profiles_as_bob(
    article: Article, *args: str, input: str | None = None
) -> subprocess.CompletedProcess[str]:
    """The real `profiles` run from a shell that works as Bob (see `shell_env`)."""
    return subprocess.run(
        [*PROFILES, *args], input=input, capture_output=True, text=True, env=shell_env(article), timeout=120
    )


def shell_env(article: Article) -> dict[str, str]:
    """A user's shell: `profiles` and `aws` on PATH, working as Bob through AWS_PROFILE."""
    return {**article.env, "PATH": BIN + os.pathsep + article.env["PATH"], "AWS_PROFILE": "Bob"}


SWITCH_AND_BACK = {
    "bash": """
eval "$(profiles env example-role --shell bash)"
echo "role=$(aws sts get-caller-identity --query Arn --output text)"
aws ec2 describe-instances >/dev/null 2>ec2.err; echo "ec2=$?"
aws rds describe-db-instances >/dev/null; echo "rds=$?"
eval "$(profiles env --unset --shell bash)"
echo "back=$(aws sts get-caller-identity --query Arn --output text)"
echo "profile=$AWS_PROFILE"
""",
    "zsh": """
eval "$(profiles env example-role --shell zsh)"
echo "role=$(aws sts get-caller-identity --query Arn --output text)"
aws ec2 describe-instances >/dev/null 2>ec2.err; echo "ec2=$?"
aws rds describe-db-instances >/dev/null; echo "rds=$?"
eval "$(profiles env --unset --shell zsh)"
echo "back=$(aws sts get-caller-identity --query Arn --output text)"
echo "profile=$AWS_PROFILE"
""",
    "fish": """
profiles env example-role --shell fish | source
echo "role="(aws sts get-caller-identity --query Arn --output text)
aws ec2 describe-instances >/dev/null 2>ec2.err; echo "ec2=$status"
aws rds describe-db-instances >/dev/null; echo "rds=$status"
profiles env --unset --shell fish | source
echo "back="(aws sts get-caller-identity --query Arn --output text)
echo "profile=$AWS_PROFILE"
""",
}


@pytest.mark.parametrize("shell", sorted(SWITCH_AND_BACK))
def test_switching_to_the_role_and_back_in_a_real_shell(roles: Article, shell: str, tmp_path: Path) -> None:
    binary = shutil.which(shell)
    if binary is None:
        pytest.skip(f"{shell} is not installed (scripts/test installs it with apt-get when run as root)")
    ran = subprocess.run(
        [binary, "-c", SWITCH_AND_BACK[shell]],
        capture_output=True,
        text=True,
        env=shell_env(roles),
        cwd=tmp_path,
        timeout=180,
    )
    lines = dict(line.split("=", 1) for line in ran.stdout.splitlines() if "=" in line)
    assert lines.get("role", "").startswith(f"arn:aws:sts::{roles.account}:assumed-role/example-role/"), (
        ran.stdout + ran.stderr
    )
    assert lines["ec2"] != "0"
    assert (
        "UnauthorizedOperation" in (tmp_path / "ec2.err").read_text()
        or "AccessDenied" in (tmp_path / "ec2.err").read_text()
    )
    assert lines["rds"] == "0", ran.stderr
    assert lines["back"] == roles.bob_arn, ran.stderr
    assert lines["profile"] == "Bob"


def test_exec_runs_the_command_as_the_role(roles: Article) -> None:
    who = ("aws", "sts", "get-caller-identity", "--query", "Arn", "--output", "text")
    ran = profiles_as_bob(roles, "exec", "example-role", "--", *who)
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout.strip().startswith(f"arn:aws:sts::{roles.account}:assumed-role/example-role/")


def test_exec_hides_aws_profile_and_passes_stdin(roles: Article) -> None:
    script = 'read line; echo "$line profile=${AWS_PROFILE-none} token=${AWS_SESSION_TOKEN:+yes}"'
    ran = profiles_as_bob(roles, "exec", "example-role", "--", "sh", "-c", script, input="hello\n")
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout == "hello profile=none token=yes\n"


def test_exec_returns_the_exit_code_of_the_command(roles: Article) -> None:
    ran = profiles_as_bob(roles, "exec", "example-role", "--", "sh", "-c", "exit 7")
    assert ran.returncode == 7


def test_exec_of_a_missing_command_exits_127(roles: Article) -> None:
    ran = profiles_as_bob(roles, "exec", "example-role", "--", "no-such-command-here")
    assert ran.returncode == 127
    assert "no-such-command-here" in ran.stderr
    assert ran.stdout == ""


def test_credential_process_profile_works_for_the_aws_cli(roles: Article) -> None:
    command = f"{PROFILES_SCRIPT} credential-process example-role"
    made = roles.profiles("set", "via-process", "credential_process", command, "--create")
    assert made.returncode == 0, made.stderr
    ran = roles.aws(
        "sts", "get-caller-identity", "--profile", "via-process", "--query", "Arn", "--output", "text"
    )
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout.strip().startswith(f"arn:aws:sts::{roles.account}:assumed-role/example-role/")


def test_credential_process_prints_version_1_json(roles: Article) -> None:
    ran = roles.profiles("credential-process", "example-role")
    assert ran.returncode == 0, ran.stderr
    document = json.loads(ran.stdout)
    assert document["Version"] == 1
    assert document["AccessKeyId"].startswith("ASIA")
    assert set(document) == {"Version", "AccessKeyId", "SecretAccessKey", "SessionToken", "Expiration"}
    expires = datetime.fromisoformat(document["Expiration"])
    assert expires > datetime.now(UTC)


def test_second_env_and_the_aws_cli_reuse_the_cached_session(roles: Article) -> None:
    first = roles.profiles("env", "example-role", "--shell", "json")
    second = roles.profiles("env", "example-role", "--shell", "json")
    assert first.returncode == second.returncode == 0, first.stderr + second.stderr
    assert json.loads(first.stdout)["AccessKeyId"] == json.loads(second.stdout)["AccessKeyId"]
    assert assumed_roles(roles, roles.role_arn) == 1

    ran = roles.aws("sts", "get-caller-identity", "--profile", "example-role")
    assert ran.returncode == 0, ran.stderr
    assert assumed_roles(roles, roles.role_arn) == 1  # the AWS CLI found the entry profiles wrote

    cache = roles.home.root / ".aws" / "cli" / "cache"
    entries = list(cache.glob("*.json"))
    assert len(entries) == 1
    assert stat.S_IMODE(entries[0].stat().st_mode) == 0o600
    assert stat.S_IMODE(cache.stat().st_mode) == 0o700


def test_profiles_reuses_a_session_the_aws_cli_cached(roles: Article) -> None:
    assert roles.aws("sts", "get-caller-identity", "--profile", "example-role").returncode == 0
    ran = roles.profiles("env", "example-role", "--shell", "json")
    assert ran.returncode == 0, ran.stderr
    assert assumed_roles(roles, roles.role_arn) == 1


def test_no_cache_assumes_the_role_again_and_duration_is_honoured(roles: Article) -> None:
    cached = roles.profiles("env", "example-role", "--shell", "json")
    fresh = roles.profiles("env", "example-role", "--shell", "json", "--no-cache")
    assert cached.returncode == fresh.returncode == 0
    assert json.loads(cached.stdout)["AccessKeyId"] != json.loads(fresh.stdout)["AccessKeyId"]
    longer = roles.profiles("env", "example-role", "--shell", "json", "--duration", "7200")
    assert longer.returncode == 0, longer.stderr
    expires = datetime.fromisoformat(json.loads(longer.stdout)["Expiration"])
    assert abs((expires - datetime.now(UTC)).total_seconds() - 7200) < 120
    assert assumed_roles(roles, roles.role_arn) == 3
    # --no-cache wrote nothing; --duration has an entry of its own beside the default one.
    assert len(list((roles.home.root / ".aws" / "cli" / "cache").glob("*.json"))) == 2


def test_a_denied_role_fails_with_assume_denied_and_prints_nothing(roles: Article) -> None:
    other = roles.create_role("not-for-bob", f"arn:aws:iam::{roles.account}:user/Alice")
    made = roles.profiles("add-role", "other", "--source", "Bob", "--role-arn", other, "--no-check")
    assert made.returncode == 0, made.stderr
    ran = roles.profiles("env", "other", "--shell", "bash")
    assert ran.returncode == 1
    assert ran.stdout == ""
    assert "assume-denied" in ran.stderr
    assert roles.bob_secret not in ran.stderr


def _mfa_role(article: Article) -> str:
    made = article.profiles(
        "add-role", "mfa-role", "--source", "Bob", "--role-arn", article.role_arn,
        "--mfa-serial", f"arn:aws:iam::{article.account}:mfa/Bob", "--no-check",
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    return "mfa-role"


def test_mfa_role_without_a_code_fails_with_mfa_required(roles: Article) -> None:
    name = _mfa_role(roles)
    ran = roles.profiles("env", name, "--shell", "bash", stdin=subprocess.DEVNULL)
    assert ran.returncode == 1
    assert ran.stdout == ""
    assert "mfa-required" in ran.stderr
    assert assumed_roles(roles, roles.role_arn) == 0


def test_mfa_code_option_assumes_the_role(roles: Article) -> None:
    name = _mfa_role(roles)
    ran = roles.profiles("env", name, "--shell", "json", "--mfa-code", "123456")
    assert ran.returncode == 0, ran.stderr
    assert "SessionToken" in json.loads(ran.stdout)
    malformed = roles.profiles("env", name, "--shell", "json", "--mfa-code", "12ab")
    assert malformed.returncode == 2
    assert malformed.stdout == ""


def _run_in_terminal(article: Article, *args: str, answer: str | None) -> tuple[str, str]:
    """Run profiles with stdin and stderr on a pseudo-terminal, stdout on a pipe (as under eval)."""
    import pty  # POSIX only

    controller, terminal = pty.openpty()
    process = subprocess.Popen(
        [sys.executable, "-m", "awsprofiles", *args],
        stdin=terminal,
        stdout=subprocess.PIPE,
        stderr=terminal,
        env=article.env,
        text=True,
    )
    os.close(terminal)
    seen = b""
    deadline = time.monotonic() + 60
    answered = False
    while time.monotonic() < deadline:
        ready, _, _ = select.select([controller], [], [], 0.2)
        if ready:
            try:
                chunk = os.read(controller, 4096)
            except OSError:
                break
            if not chunk:
                break
            seen += chunk
        if answer is not None and not answered and b"Enter MFA code" in seen:
            os.write(controller, answer.encode() + b"\n")
            answered = True
        if process.poll() is not None and not ready:
            break
    stdout, _ = process.communicate(timeout=60)
    os.close(controller)
    return stdout, seen.decode(errors="replace")


@pytest.mark.skipif(sys.platform == "win32", reason="pseudo-terminals are POSIX")
def test_mfa_code_is_asked_once_on_the_terminal_never_on_stdout(roles: Article) -> None:
    name = _mfa_role(roles)
    stdout, terminal = _run_in_terminal(roles, "env", name, "--shell", "bash", answer="123456")
    assert f"Enter MFA code for arn:aws:iam::{roles.account}:mfa/Bob" in terminal
    assert "Enter MFA code" not in stdout
    assert "export AWS_SESSION_TOKEN=" in stdout

    again, terminal = _run_in_terminal(roles, "env", name, "--shell", "bash", answer=None)
    assert "Enter MFA code" not in terminal  # the session came from the cache
    assert again == stdout
    assert assumed_roles(roles, roles.role_arn) == 1
