"""The article's flow with the mistakes and states real machines have, through the real `profiles`
command against moto_server (IAM enforced): every message names the culprit and leads to the fix."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

from tests.e2e.conftest import Article

pytestmark = pytest.mark.e2e

INVALID_KEY = "AKIAMADEUPMADEUP1234"


def add_bob(article: Article) -> None:
    added = article.add_bob("--no-check")
    assert added.returncode == 0, added.stderr


def errors(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("error: ")]


def test_a_stale_aws_profile_is_ignored_where_profiles_are_named_and_refused_where_used(
    article: Article, tmp_path: Path
) -> None:
    add_bob(article)
    article.env["AWS_PROFILE"] = "ghost"  # Bob was renamed, the shell still says the old name
    stale = "AWS_PROFILE=ghost names no profile"

    role = article.profiles("add-role", "reader", "--source", "Bob", "--role-name", "example-role")
    assert role.returncode == 0, role.stderr
    assert role.stderr.count(stale) == 1
    manifest = tmp_path / "team.toml"
    manifest.write_text(
        f'[source]\nprofile = "Bob"\n[[roles]]\nprofile = "example-role"\nrole_arn = "{article.role_arn}"\n'
    )
    onboarded = article.profiles("onboard", str(manifest), "--yes")
    assert onboarded.returncode == 0, onboarded.stderr
    assert onboarded.stderr.count(stale) == 1
    checked = article.profiles("check")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "3 ok, 0 failed" in checked.stdout
    assert checked.stderr.count(stale) == 1

    whoami = article.profiles("whoami")
    assert whoami.returncode == 2
    assert errors(whoami.stderr) == [
        "error: AWS_PROFILE=ghost names no profile (unset AWS_PROFILE, set it to a profile "
        "'profiles list' shows, or run 'profiles whoami NAME')"
    ]
    assert "unexpected" not in role.stderr + onboarded.stderr + checked.stderr + whoami.stderr


def test_a_deleted_source_key_is_blamed_on_the_source_and_the_wrong_fix_is_refused(article: Article) -> None:
    add_bob(article)
    role = article.profiles(
        "add-role", "example-role", "--source", "Bob", "--role-arn", article.role_arn, "--no-check"
    )
    assert role.returncode == 0, role.stderr
    with article.server.admin_mode():
        article.server.client("iam").delete_access_key(UserName="Bob", AccessKeyId=article.bob_key_id)

    checked = article.profiles("check", "example-role", "--json")
    assert checked.returncode == 1
    [row] = json.loads(checked.stdout)
    assert row["error"] == "invalid-key"
    assert "the access key of its source profile 'Bob'" in row["message"]
    assert "'profiles add-user Bob --force'" in row["message"]
    assert "add-user example-role" not in row["message"]

    # Following the old, wrong hint would have made a profile of two kinds: refused.
    before = article.home.credentials.read_bytes(), article.home.config.read_bytes()
    wrong = article.profiles(
        "add-user", "example-role", "--access-key-id", INVALID_KEY, "--secret-stdin", "--force", input="s\n"
    )
    assert wrong.returncode == 3
    assert "'profiles add-user Bob --force'" in errors(wrong.stderr)[0]
    assert (article.home.credentials.read_bytes(), article.home.config.read_bytes()) == before

    # A profile of two kinds written by hand is flagged, without any AWS call.
    with article.home.credentials.open("a") as credentials:
        credentials.write(f"[example-role]\naws_access_key_id = {INVALID_KEY}\naws_secret_access_key = s\n")
    offline = article.profiles("check", "--offline", "example-role", "--json")
    [row] = json.loads(offline.stdout)
    assert (offline.returncode, row["error"]) == (1, "lint")
    assert "botocore uses the role and ignores the access key" in row["message"]


def test_keys_from_the_environment_are_named_as_the_culprit(article: Article) -> None:
    article.env.update({"AWS_ACCESS_KEY_ID": INVALID_KEY, "AWS_SECRET_ACCESS_KEY": "not-a-secret"})
    whoami = article.profiles("whoami")
    assert whoami.returncode == 1
    [line] = errors(whoami.stderr)
    assert line.startswith(
        "error: AWS does not know the access key in the environment variables AWS_ACCESS_KEY_ID and "
        "AWS_SECRET_ACCESS_KEY"
    )
    assert line.endswith("[invalid-key]")
    assert "--force" not in line
    assert "default" not in line


def test_credential_process_failures_have_their_own_codes_in_every_command(
    article: Article, tmp_path: Path
) -> None:
    failing = tmp_path / "failing"
    failing.write_text("#!/bin/sh\necho 'session expired: run corp-login' >&2\nexit 3\n")
    failing.chmod(failing.stat().st_mode | stat.S_IXUSR)
    article.home.config.parent.mkdir(parents=True, exist_ok=True)
    article.home.config.write_text(
        "[profile missing]\ncredential_process = /nonexistent/bin\n"
        "[profile notjson]\ncredential_process = echo notjson\n"
        f"[profile failing]\ncredential_process = {failing}\n"
    )
    checked = article.profiles("check", "--json")
    rows = {row["profile"]: row for row in json.loads(checked.stdout)}
    assert {name: row["error"] for name, row in rows.items()} == {
        "missing": "process-not-found",
        "notjson": "process-bad-output",
        "failing": "process-failed",
    }
    assert "exited with status 3: session expired: run corp-login" in rows["failing"]["message"]

    runs = {
        "process-not-found": [
            article.profiles("whoami", "missing"),
            article.profiles("credential-process", "missing"),
            article.profiles("env", "missing", "--no-cache"),
        ],
        "process-bad-output": [article.profiles("env", "notjson")],
        "process-failed": [article.profiles("exec", "failing", "--", "true")],
    }
    for code, done in runs.items():
        for ran in done:
            assert (ran.returncode, ran.stdout) == (1, "")
            [line] = errors(ran.stderr)
            assert line.endswith(f"[{code}]")
            assert "--no-cache" not in line
            assert "Error" not in line  # never a Python class name


def test_rotate_keys_without_iam_permissions_names_the_refused_action_and_the_policy(
    article: Article,
) -> None:
    add_bob(article)
    before = article.home.credentials.read_bytes()
    rotated = article.profiles("rotate-keys", "Bob", "--yes")
    assert rotated.returncode == 1
    [line] = errors(rotated.stderr)
    assert line.endswith("[denied]")
    assert "iam:ListAccessKeys" in line
    assert "iam:CreateAccessKey, iam:UpdateAccessKey, iam:DeleteAccessKey" in line
    assert "arn:aws:iam::*:user/${aws:username}" in line
    assert article.home.credentials.read_bytes() == before
    assert os.environ.get("AWS_PROFILE") is None
