"""The seed article replayed through the ``profiles`` subprocess, then checked live (IAM enforced)."""

from __future__ import annotations

import json

from tests.e2e.conftest import Article


def _add_bob(article: Article) -> None:
    added = article.profiles(
        "add-user",
        "Bob",
        "--access-key-id",
        article.bob_key_id,
        "--secret-stdin",
        input=article.bob_secret + "\n",
    )
    assert added.returncode == 0, added.stderr
    assert added.stdout.strip() == article.bob_arn
    assert article.bob_secret not in added.stdout + added.stderr


def _check_json(article: Article, *names: str) -> tuple[int, dict[str, dict[str, object]]]:
    checked = article.profiles("check", "--json", *names)
    assert article.bob_secret not in checked.stdout + checked.stderr
    return checked.returncode, {row["profile"]: row for row in json.loads(checked.stdout)}


def test_article_profiles_are_written_looked_up_and_checked_ok(article: Article) -> None:
    _add_bob(article)
    role = article.profiles("add-role", "example-role", "--source", "Bob")
    assert role.returncode == 0, role.stderr
    assert "iam:ListRoles" in role.stderr  # it says how the ARN was found
    assumed_prefix = f"arn:aws:sts::{article.account}:assumed-role/example-role/"
    assert role.stdout.strip().startswith(assumed_prefix)
    assert article.profiles("get", "example-role", "role_arn").stdout.strip() == article.role_arn
    assert article.profiles("get", "example-role", "role_session_name").stdout.strip() == "Bob"

    code, rows = _check_json(article)
    assert code == 0
    assert rows["Bob"]["ok"] is True
    assert rows["Bob"]["arn"] == article.bob_arn
    assert rows["example-role"]["ok"] is True
    assert rows["example-role"]["arn"] == f"{assumed_prefix}Bob"
    assert rows["example-role"]["account"] == article.account

    table = article.profiles("check")
    assert table.returncode == 0
    assert "2 ok, 0 failed" in table.stdout

    # The AWS CLI itself reads what profiles wrote.
    cli = article.aws("sts", "get-caller-identity", "--profile", "example-role")
    assert cli.returncode == 0, cli.stderr
    assert json.loads(cli.stdout)["Arn"] == f"{assumed_prefix}Bob"


def test_made_up_key_is_reported_as_invalid_key(article: Article) -> None:
    added = article.profiles(
        "add-user",
        "ghost",
        "--access-key-id",
        "AKIAMADEUPMADEUP1234",
        "--secret-stdin",
        input="not-a-secret\n",
    )
    assert added.returncode == 1
    assert "profile 'ghost' is written but does not work: AWS does not know its access key" in added.stderr
    assert article.profiles("get", "ghost", "aws_access_key_id").returncode == 0  # kept written

    code, rows = _check_json(article, "ghost")
    assert code == 1
    assert rows["ghost"]["error"] == "invalid-key"
    assert rows["ghost"]["ok"] is False


def test_role_that_does_not_trust_bob_is_reported_as_assume_denied(article: Article) -> None:
    _add_bob(article)
    other = article.create_role("trusts-someone-else", f"arn:aws:iam::{article.account}:user/Alice")
    added = article.profiles(
        "add-role", "other", "--source", "Bob", "--role-arn", other, "--session-name", "bob-session"
    )
    assert added.returncode == 1
    assert "profile 'other' is written" in added.stderr

    code, rows = _check_json(article, "other", "Bob")
    assert code == 1
    assert rows["Bob"]["ok"] is True
    assert rows["other"]["error"] == "assume-denied"
    message = str(rows["other"]["message"])
    assert article.bob_arn in message
    assert "trust policy" in message
    assert other in message


def test_role_with_a_path_is_found_by_listing(article: Article) -> None:
    _add_bob(article)
    arn = article.create_role("pathed", article.bob_arn, path="/team/ops/")
    added = article.profiles("add-role", "ops", "--source", "Bob", "--role-name", "pathed")
    assert added.returncode == 0, added.stderr
    assert (
        article.profiles("get", "ops", "role_arn").stdout.strip()
        == arn
        == (f"arn:aws:iam::{article.account}:role/team/ops/pathed")
    )


def test_role_arn_is_built_from_the_account_when_listing_is_denied(article: Article) -> None:
    with article.server.admin_mode():
        iam = article.server.client("iam")
        iam.create_user(UserName="Carol")
        policy = {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": "sts:*", "Resource": "*"}],
        }
        iam.put_user_policy(UserName="Carol", PolicyName="assume-only", PolicyDocument=json.dumps(policy))
        key = iam.create_access_key(UserName="Carol")["AccessKey"]
    added = article.profiles(
        "add-user",
        "carol",
        "--access-key-id",
        key["AccessKeyId"],
        "--secret-stdin",
        input=key["SecretAccessKey"],
    )
    assert added.returncode == 0, added.stderr
    role = article.profiles("add-role", "example-role", "--source", "carol")
    assert "built from account" in role.stderr
    assert "iam:ListRoles" in role.stderr
    # written with the built ARN; the role trusts only Bob, so the check after writing fails
    assert role.returncode == 1
    assert article.profiles("get", "example-role", "role_arn").stdout.strip() == article.role_arn
    assert article.profiles("get", "example-role", "role_session_name").stdout.strip() == "Carol"
    assert "may not assume" in role.stderr


def test_whoami_names_the_profile_or_aws_profile(article: Article) -> None:
    _add_bob(article)
    named = article.profiles("whoami", "Bob", "--json")
    assert named.returncode == 0, named.stderr
    shown = json.loads(named.stdout)
    assert (shown["profile"], shown["account"], shown["arn"]) == ("Bob", article.account, article.bob_arn)
    assert shown["user_id"]
    article.env["AWS_PROFILE"] = "Bob"
    default = article.profiles("whoami")
    assert default.returncode == 0, default.stderr
    assert default.stdout.splitlines()[0] == article.bob_arn
