"""IAM, Organizations and STS calls beyond "who am I": key rotation (with one explicit access key),
looking a role up for add-role, and listing what a source can reach for discover.

Failures become :class:`CheckFailed` through ``aws.errors.classify``, the one mapping every command
uses (stable code, AWS's code in ``aws_code``, a message that never quotes botocore: a request here
may carry a secret).
"""

from __future__ import annotations

import concurrent.futures
import getpass
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from awsprofiles.aws.errors import SELF_SERVICE_KEYS, Endpoint, assume_denied_message, classify, not_aws
from awsprofiles.aws.identity import Identity, Resolver, identify
from awsprofiles.aws.session import DEFAULT_REGION, make_session
from awsprofiles.errors import CheckFailed, said_of
from awsprofiles.model import Credentials, did_you_mean
from awsprofiles.store import Paths, load


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


# ---------------------------------------------------------------------- roles


@dataclass(frozen=True)
class ListedRole:
    name: str
    arn: str
    #: The trust policy as botocore returns it (decoded from IAM's URL-encoded JSON).
    trust_policy: Any = field(repr=False, default=None)


def list_roles(resolver: Resolver, profile: str) -> list[ListedRole]:
    """Every role of the profile's account (IAM ListRoles, all pages), with its trust policy."""
    iam = resolver.client(profile, "iam")
    try:
        return [
            ListedRole(str(role["RoleName"]), str(role["Arn"]), role.get("AssumeRolePolicyDocument"))
            for page in iam.get_paginator("list_roles").paginate()
            for role in page["Roles"]
        ]
    except Exception as error:
        raise resolver.explain(error, profile) from None


@dataclass(frozen=True)
class FoundRole:
    arn: str
    how: str  # a sentence fragment for the user: how the ARN was found
    source: Identity


_SESSION_NAME_CHARS = re.compile(r"[^\w+=,.@-]")


def session_name_for(source: Identity, local_user: Callable[[], str] = getpass.getuser) -> str:
    """role_session_name: the source's IAM user name, else the local user's (as STS accepts)."""
    name = source.iam_user_name
    if name is None:
        try:
            name = local_user()
        except Exception:  # getpass raises OSError (or KeyError) without a user database entry
            name = "profiles"
    return sts_name(name, 64)


def source_session_name(
    paths: Paths,
    source: str,
    key: KeyPair | None = None,
    region: str | None = None,
    timeout: float | None = None,
) -> str:
    """role_session_name of a role assumed with ``source``'s credentials, as every command that
    writes roles names it (add-role, discover, onboard): `session_name_for` the source's identity.
    With ``key``: the identity of that key, which the profile does not hold yet (a new engineer's
    key, given to onboard), signing with it in ``region``. Raises CheckFailed when the source
    cannot be identified."""
    if key is None:
        return session_name_for(Resolver(paths, timeout).whoami(source))
    credentials = Credentials(key.access_key_id, key.secret_access_key)
    new = load(paths).profile(source) is None
    return session_name_for(identify(paths, source, credentials, timeout, region=region, new=new))


def sts_name(text: str, limit: int) -> str:
    """A name STS accepts (a role session's, 2-64 characters; a federated user's, 2-32): every
    other character than ``[\\w+=,.@-]`` made ``-``."""
    name = _SESSION_NAME_CHARS.sub("-", text)[:limit]
    return name if len(name) >= 2 else f"{name}-user"


def find_role_arn(resolver: Resolver, source: str, role_name: str, account: str | None = None) -> FoundRole:
    """The ARN of ``role_name``: listed with the source's credentials, else built from its account."""
    identity = resolver.whoami(source)
    if account is not None and account != identity.account:
        arn = f"arn:{identity.partition}:iam::{account}:role/{role_name}"
        return FoundRole(arn, f"built from --account {account} (another account cannot be listed)", identity)
    try:
        roles = list_roles(resolver, source)
    except CheckFailed as error:
        if error.code != "denied":
            raise
        arn = f"arn:{identity.partition}:iam::{account or identity.account}:role/{role_name}"
        return FoundRole(
            arn,
            f"built from account {account or identity.account}: {identity.arn} may not list roles "
            "(iam:ListRoles), so a role with a path needs --role-arn",
            identity,
        )
    exact = [role for role in roles if role.name == role_name]
    folded = [role for role in roles if role.name.lower() == role_name.lower()]
    match = exact or folded
    if not match:
        raise CheckFailed(
            f"account {identity.account} has no role named {role_name!r}"
            f"{did_you_mean(role_name, (role.name for role in roles))} ({len(roles)} roles listed); "
            "give --role-name, --role-arn, or --account for a role in another account",
            "other",
            "NoSuchEntity",
        )
    return FoundRole(match[0].arn, f"found with iam:ListRoles as {identity.arn}", identity)


@dataclass(frozen=True)
class RoleLookup:
    arn: str | None
    how: str
    #: role_session_name derived from the source identity (its IAM user name, else the local user)
    session_name: str


def find_role(
    paths: Paths,
    source: str,
    role_name: str | None,
    account: str | None = None,
    timeout: float | None = None,
) -> RoleLookup:
    """Identify ``source`` and, when ``role_name`` is given, find that role's ARN with its credentials.

    Raises CheckFailed (exit 1) when the source does not work or the role cannot be found.
    """
    resolver = Resolver(paths, timeout)
    try:
        if role_name is None:
            identity = resolver.whoami(source)
            return RoleLookup(None, "", session_name_for(identity))
        found = find_role_arn(resolver, source, role_name, account)
    except CheckFailed as error:
        if error.aws_code == "NoSuchEntity":
            raise CheckFailed(error.message, error.code) from None
        raise CheckFailed(
            f"source profile {source!r} cannot be used: {said_of(source, error.message)}", error.code
        ) from None
    return RoleLookup(found.arn, found.how, session_name_for(found.source))


# ---------------------------------------------------------------------- organizations

#: The most accounts Organizations ListAccounts returns per page.
ACCOUNTS_PER_PAGE = 20


@dataclass(frozen=True)
class Account:
    id: str
    name: str
    #: ACTIVE, SUSPENDED, PENDING_CLOSURE (``State`` in the newer API, else ``Status``)
    state: str


def list_accounts(resolver: Resolver, profile: str) -> list[Account]:
    """Every account of the organization (Organizations ListAccounts, all pages)."""
    organizations = resolver.client(profile, "organizations")
    try:
        pages = organizations.get_paginator("list_accounts").paginate(
            PaginationConfig={"PageSize": ACCOUNTS_PER_PAGE}
        )
        accounts = []
        for page in pages:
            listed = page.get("Accounts")
            if not isinstance(listed, list) or not all(
                isinstance(account, dict) and isinstance(account.get("Id"), str) for account in listed
            ):
                # botocore reads a body that is not Organizations' JSON (a web page) as an answer
                # without Accounts: whatever answered is not AWS.
                endpoint = Endpoint.of_service(organizations.meta.endpoint_url, "organizations")
                raise not_aws(f"profile {profile!r}: ", endpoint)
            accounts += [
                Account(account["Id"], str(account.get("Name") or ""), _state(account)) for account in listed
            ]
        return accounts
    except Exception as error:
        raise resolver.explain(error, profile) from None


def _state(account: dict[str, Any]) -> str:
    return str(account.get("State") or account.get("Status") or "ACTIVE").upper()


def organization_id(resolver: Resolver, profile: str) -> str | None:
    """The organization's ID (for aws:PrincipalOrgID conditions), or None if it cannot be read."""
    try:
        reply = resolver.client(profile, "organizations").describe_organization()
        return str(reply["Organization"]["Id"])
    except Exception:
        return None


def account_alias(resolver: Resolver, profile: str) -> str | None:
    """The IAM account alias of the profile's account, or None if it has none or may not read it."""
    try:
        aliases = resolver.client(profile, "iam").list_account_aliases()["AccountAliases"]
    except Exception:
        return None
    return str(aliases[0]) if aliases else None


# ---------------------------------------------------------------------- trying roles

#: The shortest session STS grants: a trial assumption holds nothing for longer than needed.
TRIAL_SECONDS = 900


def try_assume(
    resolver: Resolver, source: str, role_arns: Sequence[str], session_name: str, jobs: int = 16
) -> dict[str, CheckFailed | None]:
    """Assume each role with the source's credentials, concurrently: None where it worked.

    The source's credentials are resolved once (its own role chain included); each role is then
    one STS AssumeRole call, whose credentials are dropped at once.
    """
    if not role_arns:
        return {}
    try:
        session = resolver.session(source)
        found = session.get_credentials()
        if found is None:
            raise CheckFailed(f"profile {source!r} has no credentials", "no-credentials")
        frozen = found.get_frozen_credentials()
        sts = session.create_client(
            "sts",
            region_name=resolver.region(session),
            aws_access_key_id=frozen.access_key,
            aws_secret_access_key=frozen.secret_key,
            aws_session_token=frozen.token,
        )
        who = resolver.whoami(source).arn
    except Exception as error:
        raise resolver.explain(error, source) from None

    def attempt(arn: str) -> CheckFailed | None:
        try:
            sts.assume_role(RoleArn=arn, RoleSessionName=session_name, DurationSeconds=TRIAL_SECONDS)
        except Exception as error:
            denied = assume_denied_message(who, arn)
            return classify(
                error,
                source,
                timeout=resolver.timeout,
                wait_longer=resolver.wait_longer,
                assume_denied=lambda _: denied,
            )
        return None

    workers = max(1, min(jobs, len(role_arns)))
    with concurrent.futures.ThreadPoolExecutor(max_workers=workers, thread_name_prefix="verify") as pool:
        return dict(zip(role_arns, pool.map(attempt, role_arns), strict=True))
