"""Keyring-backed profiles end to end: the real `profiles`, the real `aws` CLI, a real Secret Service.

The Secret Service is gnome-keyring on a private D-Bus (tests/secret_service.py); the keyring
library reaches it through its ordinary SecretService backend, as on a Linux desktop.
"""

from __future__ import annotations

import json
import os
import select
import subprocess
import sys
import time
from pathlib import Path

import pytest

from awsprofiles import vault
from tests.conftest import PROFILES
from tests.e2e.conftest import Article
from tests.e2e.test_onboard_e2e import EXAMPLE, key_csv, make_chained_role
from tests.e2e.test_rotate_e2e import let_bob_manage_his_keys

pytestmark = pytest.mark.e2e

PROMPT = b"Enter MFA code for "


def key_file(article: Article, tmp_path: Path) -> Path:
    path = tmp_path / "key.json"
    path.write_text(
        json.dumps({"AccessKey": {"AccessKeyId": article.bob_key_id, "SecretAccessKey": article.bob_secret}})
    )
    return path


def files(article: Article) -> tuple[bytes, bytes]:
    return article.home.config.read_bytes(), article.home.credentials.read_bytes()


def on_disk(article: Article) -> bytes:
    """Every byte under the home: both files, and any temporary, lock or cache file."""
    return b"".join(p.read_bytes() for p in sorted(article.home.root.rglob("*")) if p.is_file())


def test_the_seed_flow_with_the_key_in_the_keyring(keyring_article: Article, tmp_path: Path) -> None:
    article = keyring_article
    secret = article.bob_secret.encode()
    article.home.credentials.parent.mkdir(parents=True)
    article.home.credentials.write_text("# keys of other tools live here too\n")

    added = article.profiles(
        "add-user",
        "Bob",
        "--keyring",
        "--from-json",
        str(key_file(article, tmp_path)),
        "--region",
        "eu-west-1",
    )
    assert added.returncode == 0, added.stderr
    assert added.stdout.strip() == article.bob_arn  # checked live, through the credential_process
    assert (
        "credential_process = profiles credential-process Bob --from-keyring"
        in article.home.config.read_text()
    )
    assert vault.read_key(article.home.paths, "Bob") == {
        "aws_access_key_id": article.bob_key_id,
        "aws_secret_access_key": article.bob_secret,
    }

    role = article.profiles("add-role", "example-role", "--source", "Bob")
    assert role.returncode == 0, role.stderr
    checked = article.profiles("check", "--json")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    kinds = {row["profile"]: (row["kind"], row["ok"]) for row in json.loads(checked.stdout)}
    assert kinds == {"Bob": ("keys (keyring)", True), "example-role": ("role", True)}
    whoami = article.profiles("whoami", "Bob")
    assert whoami.stdout.splitlines()[0] == article.bob_arn

    # The AWS CLI runs `profiles credential-process Bob --from-keyring` for the role's source.
    cli = article.aws("sts", "get-caller-identity", "--profile", "example-role")
    assert cli.returncode == 0, cli.stderr
    assert json.loads(cli.stdout)["Arn"].startswith(
        f"arn:aws:sts::{article.account}:assumed-role/example-role/"
    )
    env = article.profiles("env", "example-role", "--shell", "json")
    assert env.returncode == 0, env.stderr
    assert "SessionToken" in json.loads(env.stdout)
    assert list((article.home.root / ".aws" / "cli" / "cache").glob("*.json"))  # the CLI's shared cache
    shown = article.profiles("show", "Bob")
    assert f"aws_access_key_id = {article.bob_key_id[:4]}" in shown.stdout
    assert "[keyring]" in shown.stdout
    assert secret not in on_disk(article)

    start = files(article)
    assert article.profiles("unprotect", "Bob").returncode == 0
    assert secret in article.home.credentials.read_bytes()
    assert vault.read_key(article.home.paths, "Bob") is None
    assert article.aws("sts", "get-caller-identity", "--profile", "Bob").returncode == 0
    assert article.profiles("protect", "Bob").returncode == 0
    assert files(article) == start

    let_bob_manage_his_keys(article)
    rotated = article.profiles("rotate-keys", "Bob", "--yes", "--json")
    assert rotated.returncode == 0, rotated.stderr
    new = vault.read_key(article.home.paths, "Bob")
    assert new is not None
    assert new["aws_access_key_id"] != article.bob_key_id
    assert files(article) == start  # the new key went to the keyring, not to a file
    assert new["aws_secret_access_key"] not in rotated.stdout + rotated.stderr
    bob = article.aws("sts", "get-caller-identity", "--profile", "Bob")
    assert json.loads(bob.stdout)["Arn"] == article.bob_arn

    assert article.profiles("remove", "example-role").returncode == 0
    assert article.profiles("remove", "Bob").returncode == 0
    assert vault.read_key(article.home.paths, "Bob") is None


def test_protect_all_leaves_no_secret_in_the_files_in_temporary_files_or_in_any_output(
    keyring_article: Article,
) -> None:
    article = keyring_article
    secrets = {
        "alice": "alice+secret/0123456789abcdefghijklmnopqrstu",
        "ci": "ci+secret/0123456789abcdefghijklm",
    }
    token = "FwoGZXIvYXdzEXAMPLETOKEN0123456789"
    article.home.credentials.parent.mkdir(parents=True)
    article.home.credentials.write_bytes(
        b"# team keys\r\n[alice]\r\naws_access_key_id = AKIAALICE00000000001\r\n"
        + f"aws_secret_access_key = {secrets['alice']}\r\n\r\n[ci]\r\n".encode()
        + b"aws_access_key_id = ASIACI0000000000001\r\n"
        + f"aws_secret_access_key={secrets['ci']}\r\naws_session_token = {token}\r\n".encode()
    )
    article.home.config.write_text("[profile alice]\nregion = eu-west-1\n\n[profile reader]\nrole_arn = "
                                   f"{article.role_arn}\nsource_profile = alice\n")  # fmt: skip
    every = [*secrets.values(), token]
    dry = article.profiles("protect", "--all", "--dry-run")
    done = article.profiles("protect", "--all")
    again = article.profiles("protect", "--all", "--json")
    assert done.returncode == 0, done.stderr
    assert json.loads(again.stdout)["unchanged"] == ["alice", "ci"]
    listed = article.profiles("list", "--json")
    assert [row["kind"] for row in json.loads(listed.stdout)] == ["keys (keyring)", "role", "keys (keyring)"]
    outputs = "".join(ran.stdout + ran.stderr for ran in (dry, done, again, listed))
    for value in every:
        assert value not in outputs
        assert value.encode() not in on_disk(article)
    served = article.profiles("credential-process", "ci", "--from-keyring")
    assert json.loads(served.stdout)["SessionToken"] == token  # stdout is its job


def test_a_new_engineer_onboards_with_the_key_in_the_keyring_and_every_profile_works(
    keyring_article: Article, tmp_path: Path
) -> None:
    article = keyring_article
    make_chained_role(article)
    key = key_csv(article, tmp_path)
    done = article.profiles("onboard", str(EXAMPLE), "--from-csv", str(key), "--keyring", "--json")
    assert done.returncode == 0, done.stdout + done.stderr
    checks = {row["profile"]: (row["kind"], row["ok"]) for row in json.loads(done.stdout)["checks"]}
    assert checks == {
        "Bob": ("keys (keyring)", True),
        "example-role": ("role", True),
        "example-audit": ("role", True),
    }
    assert article.bob_secret.encode() not in on_disk(article)
    assert article.bob_secret not in done.stdout + done.stderr


def _run_on_terminal(argv: list[str], env: dict[str, str], answer: str) -> tuple[str, int]:
    """Run ``argv`` with a pseudo-terminal as its controlling terminal; answer each MFA prompt.

    Returns its stdout and how many times it (or a process it started) asked for a code.
    """
    import fcntl
    import pty
    import termios

    controller, terminal = pty.openpty()
    process = subprocess.Popen(
        argv,
        stdin=terminal,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        start_new_session=True,
        # the terminal becomes the session's own: /dev/tty of every process it starts
        preexec_fn=lambda: fcntl.ioctl(0, termios.TIOCSCTTY, 0),
    )
    os.close(terminal)
    seen = b""
    prompts = 0
    deadline = time.monotonic() + 120
    while process.poll() is None and time.monotonic() < deadline:
        ready, _, _ = select.select([controller], [], [], 0.1)
        if ready:
            try:
                seen += os.read(controller, 4096)
            except OSError:
                break
        if seen.count(PROMPT) > prompts:
            prompts = seen.count(PROMPT)
            os.write(controller, answer.encode() + b"\n")
    stdout, stderr = process.communicate(timeout=120)
    os.close(controller)
    assert process.returncode == 0, stderr.decode(errors="replace")
    return stdout.decode(), prompts


@pytest.mark.skipif(sys.platform == "win32", reason="pseudo-terminals are POSIX")
def test_mfa_is_asked_once_per_session_for_every_role_and_the_session_is_served_from_the_keyring(
    keyring_article: Article, tmp_path: Path
) -> None:
    article = keyring_article
    # moto knows GetSessionToken's credentials only with IAM enforcement off (and does not
    # evaluate trust-policy conditions): this test proves the prompts and where sessions come from.
    article.server.enforce(False)
    serial = f"arn:aws:iam::{article.account}:mfa/Bob"
    trust = {
        "Version": "2012-10-17",
        "Statement": {
            "Effect": "Allow",
            "Principal": {"AWS": article.bob_arn},
            "Action": "sts:AssumeRole",
            "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}},
        },
    }
    mfa_role = article.server.client("iam").create_role(
        RoleName="mfa-role", AssumeRolePolicyDocument=json.dumps(trust)
    )["Role"]["Arn"]
    added = article.profiles("add-user", "Bob", "--keyring", "--mfa-serial", serial, "--from-json",
                             str(key_file(article, tmp_path)), "--no-check")  # fmt: skip
    assert added.returncode == 0, added.stderr
    made = article.profiles("add-role", "mfa-role", "--source", "Bob", "--role-arn", mfa_role, "--no-check")
    assert "needs no mfa_serial" in made.stderr
    assert article.profiles("add-role", "example-role", "--source", "Bob", "--role-arn", article.role_arn,
                            "--no-check").returncode == 0  # fmt: skip

    offline = article.profiles("env", "mfa-role", "--shell", "json", stdin=subprocess.DEVNULL)
    assert offline.returncode == 1
    assert offline.stderr.rstrip().endswith("[mfa-required]")
    assert offline.stdout == ""

    aws = [sys.executable, "-m", "awscli", "sts", "get-caller-identity", "--profile", "mfa-role"]
    first, asked = _run_on_terminal(aws, article.env, "123456")
    assert json.loads(first)["Arn"].startswith(f"arn:aws:sts::{article.account}:assumed-role/mfa-role/")
    second, asked_again = _run_on_terminal(
        [*PROFILES, "env", "example-role", "--shell", "json"], article.env, ""
    )
    assert "SessionToken" in json.loads(second)
    assert (asked, asked_again) == (1, 0)  # one code for the session, for every role

    kept = vault.read_session(article.home.paths, "Bob")
    assert kept is not None
    assert kept.source_key_id == article.bob_key_id
    # Served from the keyring without the CLI framework or botocore.
    fast = subprocess.run(
        [
            sys.executable,
            "-X",
            "importtime",
            "-m",
            "awsprofiles",
            "credential-process",
            "Bob",
            "--from-keyring",
        ],
        capture_output=True,
        text=True,
        env=article.env,
        timeout=60,
    )
    assert fast.returncode == 0, fast.stderr
    assert json.loads(fast.stdout)["SessionToken"] == kept.session_token
    imported = {line.split("|")[-1].strip().split(".")[0] for line in fast.stderr.splitlines()}
    assert not imported & {"boto3", "botocore", "typer", "keyring"}

    # Off a terminal, env's --mfa-code reaches the credential_process botocore starts.
    vault.delete(vault.session_user(article.home.paths, "Bob"))
    coded = article.profiles("env", "mfa-role", "--shell", "json", "--mfa-code", "654321", "--no-cache",
                             stdin=subprocess.DEVNULL)  # fmt: skip
    assert coded.returncode == 0, coded.stderr
    assert vault.read_session(article.home.paths, "Bob") is not None


@pytest.mark.parametrize("item", ["nested", "nul"])
def test_every_reader_of_a_hostile_keyring_item_says_it_is_not_a_key(
    keyring_article: Article, item: str
) -> None:
    """Another program overwrote the item: no reader crashes or writes what it holds to a file."""
    article = keyring_article
    article.home.credentials.parent.mkdir(parents=True)
    secret = "alice+secret/0123456789abcdefghij"
    article.home.credentials.write_text(
        f"[alice]\naws_access_key_id = AKIAALICE00000000001\naws_secret_access_key = {secret}\n"
    )
    article.home.config.write_text("[profile alice]\nregion = eu-west-1\n")
    assert article.profiles("protect", "alice").returncode == 0
    hostile = {
        "nested": "[" * 200_000 + "]" * 200_000,
        "nul": json.dumps(
            {"Version": 1, "aws_access_key_id": "AKIA\u0000X", "aws_secret_access_key": "s\u0000ecret"}
        ),
    }[item]
    vault.put(vault.item_user(article.home.paths, "alice"), hostile)
    protected = files(article)
    for command in (
        ["credential-process", "alice", "--from-keyring"],
        ["env", "alice"],
        ["unprotect", "alice"],
    ):
        ran = article.profiles(*command)
        assert "is not an access key written by profiles" in ran.stderr, (command, ran.stderr)
        assert ran.returncode == (1 if command[0] == "env" else 4), (command, ran.stderr)
        assert "unexpected" not in ran.stderr
        assert files(article) == protected
