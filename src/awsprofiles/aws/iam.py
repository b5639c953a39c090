"""The IAM and STS calls key rotation makes, each with one explicit access key.

Failures become :class:`CheckFailed` through ``aws.errors.classify``, the one mapping every command
uses (stable code, AWS's code in ``aws_code``, a message that never quotes botocore: a request here
may carry a secret).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from awsprofiles.aws.errors import SELF_SERVICE_KEYS, classify
from awsprofiles.aws.session import make_session
from awsprofiles.store import Paths

#: STS needs a region to sign with when the profile names none (the global endpoint's).
DEFAULT_REGION = "us-east-1"


@dataclass(frozen=True)
class KeyPair:
    access_key_id: str
    secret_access_key: str = field(repr=False)


@dataclass(frozen=True)
class KeyInfo:
    access_key_id: str
    status: str


class Iam:
    """IAM and STS clients signing with one key pair, configured like ``profile`` otherwise."""

    def __init__(self, paths: Paths, profile: str, key: KeyPair | None = None) -> None:
        self._profile = profile
        session = make_session(paths, profile)
        region = session.get_config_variable("region") or DEFAULT_REGION
        credentials: dict[str, str] = {}
        if key is not None:
            credentials = {
                "aws_access_key_id": key.access_key_id,
                "aws_secret_access_key": key.secret_access_key,
            }
        self._iam = session.create_client("iam", region_name=region, **credentials)
        self._sts = session.create_client("sts", region_name=region, **credentials)

    def _call(self, client: Any, method: str, **kwargs: Any) -> Any:
        try:
            return getattr(client, method)(**kwargs)
        except Exception as error:
            raise classify(error, self._profile, needs=SELF_SERVICE_KEYS) from None

    def caller_arn(self) -> str:
        return str(self._call(self._sts, "get_caller_identity")["Arn"])

    def list_keys(self, user: str) -> list[KeyInfo]:
        found = self._call(self._iam, "list_access_keys", UserName=user)
        return [KeyInfo(k["AccessKeyId"], k["Status"]) for k in found["AccessKeyMetadata"]]

    def create_key(self, user: str) -> KeyPair:
        made = self._call(self._iam, "create_access_key", UserName=user)["AccessKey"]
        return KeyPair(made["AccessKeyId"], made["SecretAccessKey"])

    def deactivate_key(self, user: str, key_id: str) -> None:
        self._call(
            self._iam,
            "update_access_key",
            UserName=user,
            AccessKeyId=key_id,
            Status="Inactive",
        )

    def delete_key(self, user: str, key_id: str) -> None:
        self._call(self._iam, "delete_access_key", UserName=user, AccessKeyId=key_id)


def user_name_of(arn: str) -> str | None:
    """``Bob`` for ``arn:aws:iam::123456789012:user/[path/]Bob``; None for any other identity."""
    resource = arn.split(":", 5)[5] if arn.count(":") >= 5 else ""
    if arn.split(":")[2:3] == ["iam"] and resource.startswith("user/"):
        return resource.rsplit("/", 1)[1]
    return None
