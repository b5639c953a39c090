"""The seed article's user part, done with profiles instead of by hand: the real aws CLI then
assumes the role with the files profiles wrote, against the emulator."""

from __future__ import annotations

import json
from pathlib import Path

from tests.e2e.conftest import Article


def test_profiles_written_by_add_user_and_add_role_let_the_aws_cli_assume_the_role(
    article: Article, tmp_path: Path
) -> None:
    key_file = tmp_path / "bob-key.json"
    key_file.write_text(
        json.dumps(
            {
                "AccessKey": {
                    "UserName": "Bob",
                    "AccessKeyId": article.bob_key_id,
                    "SecretAccessKey": article.bob_secret,
                    "Status": "Active",
                }
            }
        )
    )
    added = article.profiles("add-user", "Bob", "--from-json", str(key_file), "--region", "eu-west-1")
    assert added.returncode == 0, added.stderr
    role = article.profiles("add-role", "example-role", "--source", "Bob", "--role-arn", article.role_arn)
    assert role.returncode == 0, role.stderr
    assert article.bob_secret not in added.stdout + added.stderr + role.stdout + role.stderr

    who = article.aws("sts", "get-caller-identity", "--profile", "example-role", "--output", "json")
    assert who.returncode == 0, who.stderr
    assert json.loads(who.stdout)["Arn"].startswith(
        f"arn:aws:sts::{article.account}:assumed-role/example-role/"
    )

    # the role may read RDS, which Bob alone may not: the role's credentials are in use
    allowed = article.aws("rds", "describe-db-instances", "--profile", "example-role")
    assert allowed.returncode == 0, allowed.stderr
    denied = article.aws("rds", "describe-db-instances", "--profile", "Bob")
    assert denied.returncode != 0
    assert "AccessDenied" in denied.stderr
