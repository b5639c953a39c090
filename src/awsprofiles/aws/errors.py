"""Turn what botocore raises into a `CheckFailed` with an actionable, secret-free message.

The one classification of AWS failures: ``profiles check``, ``whoami``, ``add-role`` and
``env``/``exec``/``credential-process`` all report the same code and words for the same failure:
invalid-key, bad-secret, expired, assume-denied, mfa-required, sso-login, no-credentials,
denied, timeout, network, lint, other.

Messages are written here rather than copied from the exception: an exception's text can hold
anything (a credential_process's stderr, a request's body), and nothing secret may leave.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from botocore import exceptions as boto

from awsprofiles.errors import CheckFailed

_EXPIRED = frozenset({"ExpiredToken", "ExpiredTokenException", "RequestExpired", "TokenRefreshRequired"})
_INVALID_KEY = frozenset({"InvalidClientTokenId", "UnrecognizedClientException", "InvalidAccessKeyId"})
_BAD_SECRET = frozenset({"SignatureDoesNotMatch", "IncompleteSignature"})
DENIED = frozenset({"AccessDenied", "AccessDeniedException", "UnauthorizedOperation"})
#: The action in AWS's "... is not authorized to perform: sts:GetFederationToken on resource ...":
#: only this token of AWS's text is used, and only when it looks exactly like an IAM action.
_REFUSED_ACTION = re.compile(r"not authorized to perform: ([a-z0-9-]+:[A-Za-z0-9]+)\b")

#: Given the profile, who tried to assume which role, when the caller can find out.
AssumeDenied = Callable[[str], str]


def no_credentials(profile: str) -> CheckFailed:
    """botocore found no credential provider for ``profile`` at all."""
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


def refused_action(error: boto.ClientError) -> str:
    """The IAM action AWS refused (``sts:GetFederationToken``), else the operation's name."""
    found = _REFUSED_ACTION.search(str(error.response.get("Error", {}).get("Message", "")))
    return found.group(1) if found else (error.operation_name or "the call")


def _client_error(error: boto.ClientError, profile: str, assume_denied: AssumeDenied | None) -> CheckFailed:
    code = str(error.response.get("Error", {}).get("Code", "")) or "Unknown"
    message = str(error.response.get("Error", {}).get("Message", ""))
    operation = error.operation_name or "the AWS call"
    if code in _INVALID_KEY:
        return CheckFailed(
            f"profile {profile!r}: AWS does not know this access key (its own or its source profile's): "
            "mistyped, deleted, deactivated or from another partition; create a new key and run "
            f"'profiles add-user {profile} --force'",
            "invalid-key",
            code,
        )
    if code in _BAD_SECRET:
        return CheckFailed(
            f"profile {profile!r}: the secret access key does not match the access key ID (its own or "
            f"its source profile's); paste the secret again with 'profiles add-user {profile} --force'",
            "bad-secret",
            code,
        )
    if code in _EXPIRED:
        return CheckFailed(
            f"profile {profile!r}: its credentials have expired; get new ones "
            f"(a new session token, 'profiles login {profile}' for SSO, or run again with --no-cache)",
            "expired",
            code,
        )
    if code in DENIED and "MultiFactorAuthentication" in message:
        return CheckFailed(
            f"profile {profile!r}: the role requires MFA and AWS rejected the code or got none; add "
            "mfa_serial to the profile and enter the current code of that device (codes change every "
            "30 seconds and each works once)",
            "mfa-required",
            code,
        )
    if code in DENIED and operation == "AssumeRole":
        text = (
            assume_denied(profile)
            if assume_denied is not None
            else assume_denied_message(f"the source identity of profile {profile!r}", "its role")
        )
        return CheckFailed(text, "assume-denied", code)
    if code in DENIED:
        return CheckFailed(
            f"profile {profile!r}: AWS denied {refused_action(error)}: the identity's policies (or an "
            "organization or permissions boundary policy) do not allow it",
            "denied",
            code,
        )
    return CheckFailed(f"profile {profile!r}: AWS refused with {code} ({operation})", "other", code)


def classify(
    error: BaseException,
    profile: str,
    *,
    timeout: float | None = None,
    assume_denied: AssumeDenied | None = None,
) -> CheckFailed:
    """The `CheckFailed` (with its code) for an exception raised while using ``profile``.

    ``timeout``: the seconds the call was given, named in a timeout's message.
    ``assume_denied``: writes an assume-denied message naming the principal that tried.
    """
    if isinstance(error, CheckFailed):
        return error
    if isinstance(error, boto.ClientError):
        return _client_error(error, profile, assume_denied)
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
