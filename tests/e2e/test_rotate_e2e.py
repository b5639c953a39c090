"""profiles rotate-keys against the moto server with IAM enforcement on."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from awsprofiles import rotate, store
from awsprofiles.errors import CheckFailed
from awsprofiles.model import mask_access_key_id
from tests.e2e.conftest import Article

pytestmark = pytest.mark.e2e


def let_bob_manage_his_keys(article: Article) -> None:
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": [
                    "iam:ListAccessKeys",
                    "iam:CreateAccessKey",
                    "iam:UpdateAccessKey",
                    "iam:DeleteAccessKey",
                ],
                # AWS would scope this to Bob's ARN; moto checks IAM actions against "*" only.
                "Resource": "*",
            }
        ],
    }
    with article.server.admin_mode():
        article.server.client("iam").put_user_policy(
            UserName="Bob", PolicyName="manage-own-keys", PolicyDocument=json.dumps(policy)
        )


def add_bob(article: Article, tmp_path: Path) -> None:
    key = tmp_path / "key.json"
    key.write_text(
        json.dumps({"AccessKey": {"AccessKeyId": article.bob_key_id, "SecretAccessKey": article.bob_secret}})
    )
    added = article.profiles("add-user", "Bob", "--from-json", str(key), "--region", "eu-west-1")
    assert added.returncode == 0, added.stderr


def works(article: Article, key_id: str, secret: str) -> bool:
    env = {**article.env, "AWS_ACCESS_KEY_ID": key_id, "AWS_SECRET_ACCESS_KEY": secret}
    return article.aws("sts", "get-caller-identity", env=env).returncode == 0


def file_key(article: Article) -> tuple[str, str]:
    profile = store.load(article.home.paths).profile("Bob")
    assert profile is not None
    return str(profile.get("aws_access_key_id")), str(profile.get("aws_secret_access_key"))


def test_rotate_keys_writes_a_working_new_key_and_the_old_one_stops_working(
    article: Article, tmp_path: Path
) -> None:
    let_bob_manage_his_keys(article)
    add_bob(article, tmp_path)
    done = article.profiles("rotate-keys", "Bob", "--yes", "--json")
    assert done.returncode == 0, done.stderr
    new_id, new_secret = file_key(article)
    assert new_id != article.bob_key_id
    assert json.loads(done.stdout)["new_access_key_id"] == mask_access_key_id(new_id)
    assert new_secret not in done.stdout + done.stderr
    assert works(article, new_id, new_secret)
    assert not works(article, article.bob_key_id, article.bob_secret)
    bob = article.aws("sts", "get-caller-identity", "--profile", "Bob")
    assert json.loads(bob.stdout)["Arn"] == article.bob_arn


def test_rotate_keys_with_two_keys_in_iam_refuses_and_changes_nothing(
    article: Article, tmp_path: Path
) -> None:
    let_bob_manage_his_keys(article)
    add_bob(article, tmp_path)
    with article.server.admin_mode():
        iam = article.server.client("iam")
        second = iam.create_access_key(UserName="Bob")["AccessKey"]["AccessKeyId"]
    before = (article.home.config.read_bytes(), article.home.credentials.read_bytes())
    refused = article.profiles("rotate-keys", "Bob", "--yes")
    assert refused.returncode == 3
    assert mask_access_key_id(article.bob_key_id) in refused.stderr
    assert mask_access_key_id(second) in refused.stderr
    assert (article.home.config.read_bytes(), article.home.credentials.read_bytes()) == before
    with article.server.admin_mode():
        listed = iam.list_access_keys(UserName="Bob")["AccessKeyMetadata"]
    assert sorted(k["AccessKeyId"] for k in listed) == sorted([article.bob_key_id, second])
    assert works(article, article.bob_key_id, article.bob_secret)


def test_failure_after_creating_the_new_key_leaves_a_working_key_in_the_file(
    article: Article, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    let_bob_manage_his_keys(article)
    add_bob(article, tmp_path)
    for name in ("AWS_ENDPOINT_URL", "AWS_DEFAULT_REGION"):
        monkeypatch.setenv(name, article.env[name])

    def delete_refused(*args: object, **kwargs: object) -> None:
        raise CheckFailed("DeleteAccessKey failed: ServiceFailure (injected)", "other", "ServiceFailure")

    monkeypatch.setattr(rotate, "retire_old_key", delete_refused)
    with pytest.raises(CheckFailed) as failed:
        rotate.rotate(article.home.paths, "Bob", verify_attempts=3, verify_first_delay=0.1)
    new_id, new_secret = file_key(article)
    assert new_id != article.bob_key_id
    assert works(article, new_id, new_secret)
    assert f"the file has the new key {mask_access_key_id(new_id)}" in failed.value.message
    assert mask_access_key_id(article.bob_key_id) in failed.value.message
