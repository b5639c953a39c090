"""The emulator behaves as the article says once enforcement is on (guards the fixtures)."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from tests.e2e.conftest import Article


def test_bob_can_describe_ec2_but_not_rds(article: Article) -> None:
    bob = {"aws_access_key_id": article.bob_key_id, "aws_secret_access_key": article.bob_secret}
    article.server.client("ec2", **bob).describe_instances()
    with pytest.raises(ClientError) as denied:
        article.server.client("rds", **bob).describe_db_instances()
    assert denied.value.response["Error"]["Code"] == "AccessDenied"


def test_unknown_keys_are_rejected(article: Article) -> None:
    sts = article.server.client("sts", aws_access_key_id="AKIAMADEUPMADEUP1234", aws_secret_access_key="x")
    with pytest.raises(ClientError) as denied:
        sts.get_caller_identity()
    assert denied.value.response["Error"]["Code"] == "InvalidClientTokenId"


def test_the_test_emulator_builds_aws_managed_policies_in_the_aws_partition_only(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from moto.iam import models

    from tests.e2e import run_moto_server

    # Restored after the test: this process's in-process moto stays as it was.
    monkeypatch.setattr(models.IAMBackend, "_init_aws_policies", models.IAMBackend._init_aws_policies)
    monkeypatch.setenv("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")
    assert run_moto_server.load_managed_policies_in_one_partition()
    aws = models.IAMBackend(region_name="aws", account_id="111111111111")
    assert "arn:aws:iam::aws:policy/AmazonRDSReadOnlyAccess" in aws.managed_policies
    assert models.IAMBackend(region_name="aws-cn", account_id="111111111111").managed_policies == {}
    assert models.AWSManagedPolicy.instances_tracked == []  # kept out of /moto-api/data.json
