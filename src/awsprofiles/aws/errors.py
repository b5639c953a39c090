"""Turn what botocore raises into a `CheckFailed` with a stable code and a secret-free message.

The one classification used by ``profiles check``/``whoami``/``add-role`` and by ``profiles
env``/``exec``/``credential-process``, so a failure reads the same words and carries the same
code whichever command met it: invalid-key, bad-secret, expired, assume-denied, mfa-required,
sso-login, no-credentials, timeout, network, lint, other.

Messages are written here rather than copied from the exception: an exception's text can hold
anything (a credential_process's stderr, a request's body), and nothing secret may leave.
"""

from __future__ import annotations

from collections.abc import Callable

from botocore import exceptions as boto

from awsprofiles.errors import CheckFailed

_EXPIRED = frozenset({"ExpiredToken", "ExpiredTokenException", "RequestExpired", "TokenRefreshRequired"})
_INVALID_KEY = frozenset({"InvalidClientTokenId", "UnrecognizedClientException", "InvalidAccessKeyId"})
_BAD_SECRET = frozenset({"SignatureDoesNotMatch", "IncompleteSignature"})
_DENIED = frozenset({"AccessDenied", "AccessDeniedException"})


class MfaRequired(Exception):
    """Raised by a prompter that may not ask: a check or a script never waits on a terminal."""


def refuse_mfa_prompt(prompt: str) -> str:
    """An MFA prompter for botocore's assume-role provider that never reads a terminal."""
    raise MfaRequired(prompt)


def _assume_denied(profile: str, who_was_denied: Callable[[], str] | None) -> str:
    if who_was_denied is not None:
        return who_was_denied()
    return (
        f"AWS denied AssumeRole for profile {profile!r}: the role's trust policy must name the "
        "source identity, and the source must be allowed sts:AssumeRole on the role"
    )


def _client_error(
    error: boto.ClientError, profile: str, who_was_denied: Callable[[], str] | None
) -> CheckFailed:
    code = str(error.response.get("Error", {}).get("Code", "Unknown"))
    text = str(error.response.get("Error", {}).get("Message", ""))
    operation = error.operation_name or "the AWS call"
    if code in _INVALID_KEY:
        return CheckFailed(
            f"profile {profile!r}: AWS does not know this access key (mistyped, deleted or from "
            f"another partition); create a new key and run 'profiles add-user {profile} --force'",
            "invalid-key",
            code,
        )
    if code in _BAD_SECRET:
        return CheckFailed(
            f"profile {profile!r}: the secret access key does not match the access key ID; "
            f"paste the secret again with 'profiles add-user {profile} --force'",
            "bad-secret",
            code,
        )
    if code in _EXPIRED:
        return CheckFailed(
            f"profile {profile!r}: its session token has expired; get new temporary credentials "
            "(or run again with --no-cache)",
            "expired",
            code,
        )
    if code in _DENIED and "MultiFactorAuthentication" in text:
        return CheckFailed(
            f"profile {profile!r}: AWS refused the MFA: enter the current code of the device named "
            "in mfa_serial (codes change every 30 seconds and each works once), or add mfa_serial "
            "if the role requires MFA",
            "mfa-required",
            code,
        )
    if code in _DENIED and operation == "AssumeRole":
        return CheckFailed(_assume_denied(profile, who_was_denied), "assume-denied", code)
    return CheckFailed(f"profile {profile!r}: AWS refused with {code} ({operation})", "other", code)


def classify(
    error: BaseException,
    profile: str,
    *,
    timeout: float | None = None,
    who_was_denied: Callable[[], str] | None = None,
) -> CheckFailed:
    """The `CheckFailed` (with its code) for an exception raised while using ``profile``.

    ``who_was_denied`` words an AssumeRole denial when the caller can name the principal that
    tried (``profiles check`` identifies the source); ``timeout`` is the limit that was hit.
    """
    if isinstance(error, CheckFailed):
        return error
    if isinstance(error, boto.ClientError):
        return _client_error(error, profile, who_was_denied)
    if isinstance(error, MfaRequired | boto.RefreshWithMFAUnsupportedError):
        return CheckFailed(
            f"profile {profile!r} needs an MFA code (mfa_serial), and none can be asked for here; "
            f"give --mfa-code, or run 'aws sts get-caller-identity --profile {profile}' on a terminal",
            "mfa-required",
        )
    if isinstance(error, boto.SSOError | boto.TokenRetrievalError | boto.UnauthorizedSSOTokenError):
        return CheckFailed(
            f"profile {profile!r} has no valid SSO session; run 'aws sso login --profile {profile}'",
            "sso-login",
        )
    if isinstance(error, boto.ConnectTimeoutError | boto.ReadTimeoutError):
        within = f" within {timeout:g} s" if timeout is not None else " in time"
        return CheckFailed(
            f"AWS did not answer{within}; check the network, proxy and endpoint_url, or raise --timeout",
            "timeout",
        )
    if isinstance(error, boto.ConnectionError | boto.HTTPClientError):
        endpoint = getattr(error, "kwargs", {}).get("endpoint_url")
        where = f" at {endpoint}" if isinstance(endpoint, str) else ""
        return CheckFailed(
            f"cannot reach AWS{where}: check the network, proxy settings and endpoint_url", "network"
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
        provider = getattr(error, "kwargs", {}).get("provider", "")
        # botocore names the credential_process provider "custom-process"; say what the file says.
        what = (
            "credential_process" if provider == "custom-process" else f"{provider or 'credential'} provider"
        )
        return CheckFailed(
            f"profile {profile!r}: its {what} did not return credentials; run it by hand to see why",
            "no-credentials",
        )
    if isinstance(error, boto.NoCredentialsError | boto.InvalidConfigError | boto.ProfileNotFound):
        return CheckFailed(
            f"profile {profile!r} (or its source profile) has no credentials botocore can use: add "
            "keys (profiles add-user), a role (profiles add-role), credential_process or SSO settings",
            "no-credentials",
        )
    if isinstance(error, boto.ParamValidationError):
        return CheckFailed(
            f"a setting of profile {profile!r} was refused before it was sent "
            "(check duration_seconds, role_session_name, external_id and the MFA code)",
            "other",
            type(error).__name__,
        )
    if isinstance(error, boto.NoRegionError):
        return CheckFailed(f"profile {profile!r} needs a region", "other", type(error).__name__)
    name = type(error).__name__
    if isinstance(error, boto.BotoCoreError):
        return CheckFailed(f"profile {profile!r}: botocore cannot use its settings ({name})", "other", name)
    return CheckFailed(f"profile {profile!r} failed: {name}", "other", name)
