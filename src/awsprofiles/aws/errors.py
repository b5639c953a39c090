"""Turn what botocore raises into a `CheckFailed` with an actionable, secret-free message.

The one classification of AWS failures: ``profiles check``, ``whoami``, ``add-role`` and
``env``/``exec``/``credential-process`` all report the same code and words for the same failure:
invalid-key, bad-secret, expired, assume-denied, mfa-required, sso-login, no-credentials,
process-not-found, process-failed, process-bad-output (raised by `aws.process` as the program
runs), denied, timeout, network, lint, other.

A key that AWS rejects is named by where it came from (`Origin`): the environment variables, a
profile (for a role, the source profile that holds the key), a credential_process, SSO, the
instance or container; the fix names that place, never the role profile that merely uses it.

Messages are written here rather than copied from the exception: an exception's text can hold
anything (a credential_process's stderr, a request's body), and nothing secret may leave.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from botocore import exceptions as boto

from awsprofiles import model
from awsprofiles.errors import CheckFailed, MfaCodeNeeded

_EXPIRED = frozenset({"ExpiredToken", "ExpiredTokenException", "RequestExpired", "TokenRefreshRequired"})
_INVALID_KEY = frozenset({"InvalidClientTokenId", "UnrecognizedClientException", "InvalidAccessKeyId"})
_BAD_SECRET = frozenset({"SignatureDoesNotMatch", "IncompleteSignature"})
DENIED = frozenset({"AccessDenied", "AccessDeniedException", "UnauthorizedOperation"})
#: The action in AWS's "... is not authorized to perform: sts:GetFederationToken on resource ...":
#: only this token of AWS's text is used, and only when it looks exactly like an IAM action.
_REFUSED_ACTION = re.compile(r"not authorized to perform: ([a-z0-9-]+:[A-Za-z0-9]+)\b")

#: Given the profile, who tried to assume which role, when the caller can find out.
AssumeDenied = Callable[[str], str]


#: The codes a failing `profiles credential-process` ends its error line with, passed on as they are.
_PROCESS_CODES = frozenset(
    {"invalid-key", "bad-secret", "expired", "mfa-required", "no-credentials", "denied", "timeout", "network"}
)
_PROCESS_ERROR = re.compile(r"^error: .* \[(?P<code>[a-z-]+)\]$")


def profiles_process_code(stderr: str) -> str | None:
    """The code of the ``error: ... [code]`` line a `profiles credential-process` failed with.

    Only the code is taken: the rest of a process's stderr is never repeated.
    """
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    found = _PROCESS_ERROR.match(lines[-1]) if lines else None
    code = found.group("code") if found else None
    return code if code in _PROCESS_CODES else None


@dataclass(frozen=True)
class Permission:
    """What an identity's IAM policy must allow for a command to work."""

    actions: tuple[str, ...]
    resource: str

    def sentence(self) -> str:
        return f"a policy that allows {', '.join(self.actions)} on {self.resource}"


#: Self-service key rotation: each IAM user may manage only their own access keys.
SELF_SERVICE_KEYS = Permission(
    ("iam:ListAccessKeys", "iam:CreateAccessKey", "iam:UpdateAccessKey", "iam:DeleteAccessKey"),
    "arn:aws:iam::*:user/${aws:username}",
)


@dataclass(frozen=True)
class Origin:
    """Where the credentials of a failing call came from, and how to replace a key AWS rejects."""

    #: e.g. "the access key of its source profile 'Bob'"
    source: str
    #: e.g. "create a new key and run 'profiles add-user Bob --force'"
    new_key: str
    #: e.g. "paste the secret again with 'profiles add-user Bob --force'"
    new_secret: str
    #: the credentials come from no profile at all (then no message names one)
    environment: bool = False


ENVIRONMENT = Origin(
    "the access key in the environment variables AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY",
    "set the right key there, or unset AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN "
    "to use a profile",
    "set the matching secret in AWS_SECRET_ACCESS_KEY",
    environment=True,
)
_CREDENTIAL_SOURCES = {
    "Environment": "the access key in the environment variables (credential_source Environment of {whose})",
    "Ec2InstanceMetadata": "the EC2 instance's role (credential_source Ec2InstanceMetadata of {whose})",
    "EcsContainer": "the container's task role (credential_source EcsContainer of {whose})",
}


def origin_of(profile: str, profiles: Mapping[str, Mapping[str, Any]]) -> Origin | None:
    """Where ``profile``'s credentials come from, following its source_profile chain as botocore does.

    ``profiles``: every profile's values (botocore's ``full_config["profiles"]``). None when the
    chain is broken (the lint says so) or the profile has no credentials.
    """

    def lookup(name: str) -> model.Profile | None:
        values = profiles.get(name)
        return model.Profile(name, values) if values is not None else None

    holder = model.key_holder(profile, lookup)
    found = lookup(holder) if holder is not None else None
    if holder is None or found is None:
        return None
    whose = f"profile {holder!r}" if holder == profile else f"its source profile {holder!r}"
    source = found.get("credential_source")
    if found.kind is model.Kind.ROLE and source in _CREDENTIAL_SOURCES and not found.get("source_profile"):
        where = _CREDENTIAL_SOURCES[str(source)].format(whose=whose)
        fix = "check the credentials that source provides"
        return Origin(where, fix, fix, environment=False)
    if found.get(model.ACCESS_KEY_ID):
        add_user = f"'profiles add-user {holder} --force'"
        return Origin(
            f"the access key of {whose}",
            f"create a new key and run {add_user}",
            f"paste the secret again with {add_user}",
        )
    if found.kind is model.Kind.SSO:
        fix = f"run 'profiles login {holder}'"
        return Origin(f"the IAM Identity Center (SSO) credentials of {whose}", fix, fix)
    if found.kind is model.Kind.PROCESS:
        fix = "fix the credentials that program returns"
        return Origin(f"the access key that the credential_process of {whose} returned", fix, fix)
    return None


def no_credentials(profile: str, exists: bool = True) -> CheckFailed:
    """botocore found no credential provider for ``profile`` at all."""
    if not exists:
        return CheckFailed(
            f"no credentials: there is no profile {profile!r} and no AWS_ACCESS_KEY_ID in the environment; "
            f"add one with 'profiles add-user {profile}', or name a profile",
            "no-credentials",
        )
    return CheckFailed(
        f"profile {profile!r} has no credentials: give it keys ('profiles add-user {profile} --force'), "
        "a role ('profiles add-role'), SSO or a credential_process",
        "no-credentials",
    )


def assume_denied_message(who: str, role: str) -> str:
    return (
        f"{who} may not assume {role}: the role's trust policy must name that principal, its "
        "policies must allow sts:AssumeRole on the role, and external_id/mfa_serial must match "
        "what the trust policy requires"
    )


def refused_action(error: boto.ClientError, needs: Permission | None = None) -> str:
    """The IAM action AWS refused (``sts:GetFederationToken``): from AWS's message, else the needed
    action of that operation, else the operation's name."""
    found = _REFUSED_ACTION.search(str(error.response.get("Error", {}).get("Message", "")))
    if found:
        return found.group(1)
    operation = error.operation_name or "the call"
    needed = [action for action in (needs.actions if needs else ()) if action.endswith(f":{operation}")]
    return needed[0] if needed else operation


def _client_error(
    error: boto.ClientError,
    profile: str,
    assume_denied: AssumeDenied | None,
    origin: Origin | None,
    needs: Permission | None,
) -> CheckFailed:
    code = str(error.response.get("Error", {}).get("Code", "")) or "Unknown"
    message = str(error.response.get("Error", {}).get("Message", ""))
    operation = error.operation_name or "the AWS call"
    if origin is None:
        # Without the files' settings (an explicit key): the profile holds the key it signs with.
        add_user = f"'profiles add-user {profile} --force'"
        origin = Origin(
            f"the access key of profile {profile!r}",
            f"create a new key and run {add_user}",
            f"paste the secret again with {add_user}",
        )
    subject = "" if origin.environment else f"profile {profile!r}: "
    # An error body botocore cannot parse leaves only the HTTP status as the code (moto's
    # Organizations): 403 Forbidden is a refusal too.
    denied = code in DENIED or code == "403"
    if code in _INVALID_KEY:
        return CheckFailed(
            f"{subject}AWS does not know {origin.source} (mistyped, deleted, deactivated or from another "
            f"partition); {origin.new_key}",
            "invalid-key",
            code,
        )
    if code in _BAD_SECRET:
        return CheckFailed(
            f"{subject}the secret access key does not match the key ID of {origin.source}; "
            f"{origin.new_secret}",
            "bad-secret",
            code,
        )
    if code in _EXPIRED:
        return CheckFailed(
            f"{subject}the credentials ({origin.source}) have expired; get new ones "
            f"(a new session token, 'profiles login {profile}' for SSO, or run again with --no-cache)",
            "expired",
            code,
        )
    if denied and "MultiFactorAuthentication" in message:
        return CheckFailed(
            f"profile {profile!r}: the role requires MFA and AWS rejected the code or got none; add "
            "mfa_serial to the profile and enter the current code of that device (codes change every "
            "30 seconds and each works once)",
            "mfa-required",
            code,
        )
    if denied and operation == "AssumeRole":
        text = (
            assume_denied(profile)
            if assume_denied is not None
            else assume_denied_message(f"the source identity of profile {profile!r}", "its role")
        )
        return CheckFailed(text, "assume-denied", code)
    if denied:
        fix = (
            f"its IAM user or role needs {needs.sentence()}"
            if needs
            else "the identity's policies (or an organization or permissions boundary policy) do not allow it"
        )
        return CheckFailed(
            f"profile {profile!r}: AWS denied {refused_action(error, needs)}: {fix}", "denied", code
        )
    return CheckFailed(f"profile {profile!r}: AWS refused with {code} ({operation})", "other", code)


def classify(
    error: BaseException,
    profile: str,
    *,
    timeout: float | None = None,
    assume_denied: AssumeDenied | None = None,
    origin: Origin | None = None,
    needs: Permission | None = None,
) -> CheckFailed:
    """The `CheckFailed` (with its code) for an exception raised while using ``profile``.

    ``timeout``: the seconds the call was given, named in a timeout's message.
    ``assume_denied``: writes an assume-denied message naming the principal that tried.
    ``origin``: where the credentials came from (`origin_of`, `ENVIRONMENT`), named in key errors.
    ``needs``: the permission the call requires, named when IAM refuses it.
    """
    if isinstance(error, CheckFailed):
        return error
    if isinstance(error, boto.ClientError):
        return _client_error(error, profile, assume_denied, origin, needs)
    if isinstance(error, boto.RefreshWithMFAUnsupportedError):
        return CheckFailed(
            f"profile {profile!r}: its session needs a new MFA code; run the command again", "mfa-required"
        )
    if isinstance(error, boto.SSOError | boto.TokenRetrievalError | boto.UnauthorizedSSOTokenError):
        return CheckFailed(
            f"profile {profile!r} uses AWS IAM Identity Center and has no valid SSO session; "
            f"run 'profiles login {profile}'",
            "sso-login",
        )
    if isinstance(error, boto.ConnectTimeoutError | boto.ReadTimeoutError):
        within = f" within {timeout:g} s" if timeout is not None else " in time"
        return CheckFailed(
            f"AWS did not answer{within}; check the network, proxy and endpoint_url, then retry "
            "(or raise --timeout)",
            "timeout",
        )
    if isinstance(error, boto.ConnectionError | boto.HTTPClientError):
        endpoint = getattr(error, "kwargs", {}).get("endpoint_url")
        where = f" at {endpoint}" if isinstance(endpoint, str) else ""
        return CheckFailed(
            f"cannot reach AWS{where}: check the network, proxy settings, endpoint_url and "
            "AWS_ENDPOINT_URL, then retry",
            "network",
        )
    if isinstance(error, boto.InfiniteLoopConfigError):
        return CheckFailed(f"profile {profile!r}: its source_profile chain loops", "lint")
    if isinstance(error, boto.PartialCredentialsError):
        return CheckFailed(
            f"profile {profile!r} has only half a key pair: it needs both aws_access_key_id and "
            "aws_secret_access_key",
            "no-credentials",
        )
    if isinstance(error, boto.CredentialRetrievalError):
        provider = getattr(error, "kwargs", {}).get("provider", "credential provider")
        provider = "credential_process" if provider == "custom-process" else provider
        code = profiles_process_code(str(getattr(error, "kwargs", {}).get("error_msg", "")))
        if code == "mfa-required":
            return MfaCodeNeeded(
                f"profile {profile!r}: its keyring source needs an MFA code to start its session and "
                f"cannot ask for one here; run 'profiles whoami {profile}' in a terminal once (the "
                "session is kept in the keyring until it expires), or pass --mfa-code"
            )
        if code is not None:
            return CheckFailed(
                f"profile {profile!r}: its credential_process (profiles credential-process, its own or "
                "its source's) failed; run it by hand to see why",
                code,
            )
        return CheckFailed(
            f"profile {profile!r}: the {provider} (its own or its source's) did not return credentials; "
            "run it by hand to see why",
            "no-credentials",
        )
    if isinstance(error, boto.NoCredentialsError | boto.ProfileNotFound):
        return CheckFailed(
            f"profile {profile!r} (or its source profile) has no credentials botocore can use: no keys, "
            "role, SSO or credential_process",
            "no-credentials",
        )
    if isinstance(error, boto.InvalidConfigError):
        # botocore's own text names profiles and keys, never values.
        return CheckFailed(f"profile {profile!r} cannot be used: {error}", "other", type(error).__name__)
    if isinstance(error, boto.ParamValidationError):
        return CheckFailed(
            f"profile {profile!r}: a setting was refused before it was sent "
            "(check duration_seconds, role_session_name, external_id and the MFA code)",
            "other",
            type(error).__name__,
        )
    name = type(error).__name__
    if isinstance(error, boto.NoRegionError):
        return CheckFailed(f"profile {profile!r} needs a region", "other", name)
    if isinstance(error, boto.BotoCoreError):
        return CheckFailed(f"profile {profile!r}: botocore cannot use its settings ({name})", "other", name)
    return CheckFailed(f"profile {profile!r} failed: {name}", "other", name)
