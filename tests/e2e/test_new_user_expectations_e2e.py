"""What a new user expected and did not get (issue 19 items 2, 5, 6, 18), against moto_server with
IAM enforcement on, the real keyring and a pseudo-terminal where a terminal changes the answer."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from awsprofiles import store
from tests.conftest import PROFILES
from tests.e2e.conftest import Article
from tests.e2e.test_rotate_e2e import add_bob, let_bob_manage_his_keys, works
from tests.pty_shell import type_into

pytestmark = pytest.mark.e2e

MFA = "arn:aws:iam::123456789012:mfa/Bob"
CODE = b"902713"  # not in the account ID, which the terminal shows


def on_a_terminal(article: Article, *args: str, answers: dict[bytes, bytes]) -> tuple[int, str, str]:
    """``profiles ARGS`` with a terminal as stdin, stderr and /dev/tty; its terminal, its stdout."""
    typed = type_into([*PROFILES, *args], answers, article.env)
    return typed.returncode, typed.terminal.decode(errors="replace"), typed.stdout.decode()


# --------------------------------------------------------------------- 2: every holder of the key


def test_rotate_keys_rotates_the_key_of_every_profile_that_holds_it(
    keyring_article: Article, tmp_path: Path
) -> None:
    article = keyring_article
    let_bob_manage_his_keys(article)
    add_bob(article, tmp_path)  # Bob: the key in the credentials file
    with article.home.config.open("a") as config:  # a-extra: the same key in the config file
        config.write(
            f"\n[profile a-extra]\naws_access_key_id = {article.bob_key_id}\n"
            f"aws_secret_access_key = {article.bob_secret}\n"
        )
    kept = article.profiles(
        "add-user", "a-trail", "--access-key-id", article.bob_key_id, "--secret-stdin", "--keyring",
        input=article.bob_secret + "\n",
    )  # fmt: skip
    assert kept.returncode == 0, kept.stderr

    refused = article.profiles("rotate-keys", "a-extra")  # no terminal, no --yes
    assert refused.returncode == 3
    for name in ("Bob", "a-extra", "a-trail"):
        assert repr(name) in refused.stderr, refused.stderr

    # On a terminal, the question names every profile that holds the key before it is answered.
    code, seen, out = on_a_terminal(article, "rotate-keys", "a-extra", "--json", answers={b"[y/N]": b"y"})
    assert code == 0, seen
    question = seen[: seen.index("[y/N]")]
    for name in ("Bob", "a-extra", "a-trail"):
        assert repr(name) in question, seen
    assert sorted(json.loads(out)["profiles"]) == ["Bob", "a-extra", "a-trail"]
    checked = article.profiles("check", "--json")
    # Each works (a-extra's key is still where its user keeps it, which check's lint points out).
    assert {row["profile"]: row["arn"] for row in json.loads(checked.stdout)} == {
        "Bob": article.bob_arn,
        "a-extra": article.bob_arn,
        "a-trail": article.bob_arn,
    }
    snapshot = store.load(article.home.paths)
    new_ids = {str(snapshot.profile(name).get("aws_access_key_id")) for name in ("Bob", "a-extra")}  # type: ignore[union-attr]
    assert len(new_ids) == 1
    assert article.bob_key_id not in new_ids
    assert not works(article, article.bob_key_id, article.bob_secret)
    assert article.bob_secret not in seen + out


# --------------------------------------------------------------------- 5, 6: a role with an MFA device


def add_mfa_role(article: Article, *options: str, terminal: bool = False) -> tuple[int, str]:
    args = ("add-role", "dev-mfa", "--source", "Bob", "--role-arn", article.role_arn, "--mfa-serial", MFA)
    if terminal:
        code, seen, out = on_a_terminal(article, *args, *options, answers={b"MFA code": CODE})
        return code, seen + out
    ran = article.profiles(*args, *options)
    return ran.returncode, ran.stdout + ran.stderr


def test_add_role_with_an_mfa_device_asks_for_the_code_in_a_terminal_hidden(
    article: Article, tmp_path: Path
) -> None:
    add_bob(article, tmp_path)
    code, seen = add_mfa_role(article, terminal=True)
    assert code == 0, seen
    assert "does not work" not in seen
    assert ":assumed-role/example-role/" in seen
    assert CODE.decode() not in seen  # hidden as it is typed


def test_add_role_with_an_mfa_device_off_a_terminal_says_how_to_check_it_and_never_calls_it_broken(
    article: Article, tmp_path: Path
) -> None:
    add_bob(article, tmp_path)
    code, said = add_mfa_role(article)
    assert code == 0, said
    assert "does not work" not in said
    assert "profiles whoami dev-mfa" in said


def test_whoami_of_an_mfa_role_uses_the_session_env_cached_and_takes_mfa_code(
    article: Article, tmp_path: Path
) -> None:
    add_bob(article, tmp_path)
    assert add_mfa_role(article, "--no-check")[0] == 0
    asked = article.profiles("whoami", "dev-mfa", "--mfa-code", CODE.decode())
    assert asked.returncode == 0, asked.stderr
    assert ":assumed-role/example-role/" in asked.stdout
    # The session is now in the AWS CLI's cache: whoami (and aws) use it without a code.
    again = article.profiles("whoami", "dev-mfa")
    assert again.returncode == 0, again.stderr
    assert again.stdout.splitlines()[0] == asked.stdout.splitlines()[0]
    aws = article.aws("sts", "get-caller-identity", "--profile", "dev-mfa")
    assert json.loads(aws.stdout)["Arn"] == again.stdout.splitlines()[0]


def test_whoami_of_an_mfa_role_asks_for_the_code_in_a_terminal(article: Article, tmp_path: Path) -> None:
    add_bob(article, tmp_path)
    assert add_mfa_role(article, "--no-check")[0] == 0
    code, seen, out = on_a_terminal(article, "whoami", "dev-mfa", answers={b"MFA code": CODE})
    assert code == 0, seen
    assert ":assumed-role/example-role/" in out
    assert CODE.decode() not in seen


# --------------------------------------------------------------------- 18: add-user asks for the key


def test_add_user_alone_on_a_terminal_asks_for_the_key_id_then_the_secret_hidden(
    article: Article,
) -> None:
    code, seen, out = on_a_terminal(
        article,
        "add-user",
        "Bob",
        answers={
            b"Access key ID": article.bob_key_id.encode(),
            b"Secret access key": article.bob_secret.encode(),
        },
    )
    assert code == 0, seen
    assert seen.index("Access key ID") < seen.index("Secret access key")
    assert article.bob_key_id in seen  # the key ID is echoed, as aws configure does
    assert article.bob_secret not in seen + out
    bob = store.load(article.home.paths).profile("Bob")
    assert bob is not None
    assert (bob.get("aws_access_key_id"), bob.get("aws_secret_access_key")) == (
        article.bob_key_id,
        article.bob_secret,
    )
    assert article.bob_arn in out
    assert os.stat(article.home.credentials).st_mode & 0o077 == 0
