"""The check/whoami command line: output, exit codes, and no botocore where no AWS call is made."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from awsprofiles.check import CheckResult
from awsprofiles.cli.checking import render_results
from tests.conftest import PROFILES, Home

KEYS = "aws_access_key_id = AKIAEXAMPLEEXAMPLE12\naws_secret_access_key = s3cr3t-value\n"


def write(home: Home, config: str = "", credentials: str = "") -> None:
    home.config.parent.mkdir(parents=True, exist_ok=True)
    home.config.write_text(config)
    home.credentials.write_text(credentials)
    os.chmod(home.credentials, 0o600)


def run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*PROFILES, *args], capture_output=True, text=True, input=stdin, timeout=60)


def test_offline_table_has_a_row_per_profile_and_a_summary(home: Home) -> None:
    write(
        home,
        config="[profile broken]\nrole_arn = arn:aws:iam::123456789012:role/x\n",
        credentials=f"[dev]\n{KEYS}",
    )
    done = run("check", "--offline")
    assert done.returncode == 1
    assert "1 ok, 1 failed" in done.stdout
    assert "broken" in done.stdout
    assert "neither source_profile nor credential_source" in done.stdout
    assert "s3cr3t" not in done.stdout + done.stderr


def test_offline_json_lists_every_key_and_exit_zero_when_all_ok(home: Home) -> None:
    write(home, credentials=f"[dev]\n{KEYS}")
    done = run("check", "--offline", "--json")
    assert done.returncode == 0, done.stderr
    [row] = json.loads(done.stdout)
    assert list(row) == ["profile", "kind", "ok", "account", "arn", "error", "message", "elapsed_ms"]
    assert (row["profile"], row["kind"], row["ok"], row["error"]) == ("dev", "keys", True, None)


def test_unknown_name_is_a_usage_error(home: Home) -> None:
    write(home, credentials=f"[dev]\n{KEYS}")
    done = run("check", "dev", "nobody")
    assert done.returncode == 2
    assert done.stderr.startswith("error: no profile named 'nobody'")
    assert len(done.stderr.splitlines()) == 1


def test_whoami_of_an_unknown_profile_is_a_usage_error(home: Home) -> None:
    write(home, credentials=f"[dev]\n{KEYS}")
    done = run("whoami", "nobody")
    assert (done.returncode, done.stderr.splitlines()[0][:24]) == (2, "error: no profile named ")


def test_render_results_returns_the_exit_code(capsys: pytest.CaptureFixture[str]) -> None:
    ok = CheckResult("a", "keys", True, "123456789012", "arn:aws:iam::123456789012:user/a", None, "x", 12)
    bad = CheckResult("b", "role", False, None, None, "assume-denied", "b may not assume", 30)
    assert render_results([ok], json=False) == 0
    assert "1 ok, 0 failed" in capsys.readouterr().out
    assert render_results([ok, bad], json=True) == 1
    rows = json.loads(capsys.readouterr().out)
    assert [row["error"] for row in rows] == [None, "assume-denied"]


_IMPORTS = """
import sys
from awsprofiles.cli import main
code = main(sys.argv[1:])
heavy = sorted(m for m in ("boto3", "botocore") if m in sys.modules)
print("IMPORTED", heavy, file=sys.stderr)
sys.exit(code)
"""


def loaded_modules(*args: str, stdin: str | None = None) -> tuple[int, str]:
    done = subprocess.run(
        [sys.executable, "-c", _IMPORTS, *args], capture_output=True, text=True, input=stdin, timeout=60
    )
    return done.returncode, done.stderr.splitlines()[-1]


def test_offline_check_add_user_and_add_role_without_check_do_not_import_botocore(home: Home) -> None:
    write(home)
    assert loaded_modules(
        "add-user",
        "dev",
        "--access-key-id",
        "AKIAEXAMPLEEXAMPLE12",
        "--secret-stdin",
        "--no-check",
        stdin="s\n",
    ) == (0, "IMPORTED []")
    role = ("add-role", "admin", "--source", "dev", "--role-arn", "arn:aws:iam::123456789012:role/admin")
    assert loaded_modules(*role, "--no-check") == (0, "IMPORTED []")
    assert loaded_modules("check", "--offline") == (0, "IMPORTED []")
