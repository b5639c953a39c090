"""What a new user expected and did not get (issue 19 items 2, 5, 6, 18), against moto_server with
IAM enforcement on, the real keyring and a pseudo-terminal where a terminal changes the answer."""

from __future__ import annotations

import os

import pytest

from awsprofiles import store
from tests.conftest import PROFILES
from tests.e2e.conftest import Article
from tests.pty_shell import type_into

pytestmark = pytest.mark.e2e


def on_a_terminal(article: Article, *args: str, answers: dict[bytes, bytes]) -> tuple[int, str, str]:
    """``profiles ARGS`` with a terminal as stdin, stderr and /dev/tty; its terminal, its stdout."""
    typed = type_into([*PROFILES, *args], answers, article.env)
    return typed.returncode, typed.terminal.decode(errors="replace"), typed.stdout.decode()


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
