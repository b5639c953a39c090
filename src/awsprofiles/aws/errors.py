"""Turn what botocore raises into a `CheckFailed` with an actionable, secret-free message.

The codes are the ones ``profiles check`` reports, so a script sees the same code whether a
profile failed its check or failed to give credentials to ``profiles env``:
invalid-key, bad-secret, expired, assume-denied, mfa-required, sso-login, no-credentials,
timeout, network, other.

Messages are written here rather than copied from the exception: an exception's text can hold
anything (a credential_process's stderr, a request's body), and nothing secret may leave.
"""

from __future__ import annotations

from botocore import exceptions as boto

from awsprofiles.errors import CheckFailed

_EXPIRED = frozenset({"ExpiredToken", "ExpiredTokenException", "RequestExpired", "TokenRefreshRequired"})
_INVALID_KEY = frozenset({"InvalidClientTokenId", "UnrecognizedClientException", "InvalidAccessKeyId"})
_BAD_SECRET = frozenset({"SignatureDoesNotMatch", "IncompleteSignature"})
_DENIED = frozenset({"AccessDenied", "AccessDeniedException", "UnauthorizedOperation"})


def _client_error(error: boto.ClientError, profile: str) -> CheckFailed:
    code = str(error.response.get("Error", {}).get("Code", ""))
    message = str(error.response.get("Error", {}).get("Message", ""))
    operation = error.operation_name or "the AWS call"
    if code in _INVALID_KEY:
        return CheckFailed(
            f"AWS does not know the access key of profile {profile!r} (or of its source profile): "
            "it was deleted, deactivated or mistyped; create a new key and run 'profiles add-user --force'",
            "invalid-key",
        )
    if code in _BAD_SECRET:
        return CheckFailed(
            f"the secret access key of profile {profile!r} (or of its source profile) does not match "
            "its access key ID; paste the secret again with 'profiles add-user --force'",
            "bad-secret",
        )
    if code in _EXPIRED:
        return CheckFailed(
            f"the credentials of profile {profile!r} have expired; get new ones "
            "(a new session token, 'aws sso login', or run again with --no-cache)",
            "expired",
        )
    if code in _DENIED and "MultiFactorAuthentication" in message:
        return CheckFailed(
            f"AWS rejected the MFA code for profile {profile!r}: enter the current code of the device "
            "named in its mfa_serial (codes change every 30 seconds and each works once)",
            "mfa-required",
        )
    if code in _DENIED and operation == "AssumeRole":
        return CheckFailed(
            f"AWS denied AssumeRole for profile {profile!r}: the role's trust policy must name the "
            "source identity, the source must be allowed sts:AssumeRole, and external_id/mfa_serial "
            "must match what the trust policy requires",
            "assume-denied",
        )
    return CheckFailed(f"{operation} failed for profile {profile!r}: AWS answered {code or 'an error'}")


def classify(error: BaseException, profile: str) -> CheckFailed:
    """The `CheckFailed` (with its code) for an exception raised while using ``profile``."""
    if isinstance(error, CheckFailed):
        return error
    if isinstance(error, boto.ClientError):
        return _client_error(error, profile)
    if isinstance(error, boto.RefreshWithMFAUnsupportedError):
        return CheckFailed(
            f"the session of profile {profile!r} needs a new MFA code; run the command again", "mfa-required"
        )
    if isinstance(error, boto.SSOError | boto.TokenRetrievalError | boto.UnauthorizedSSOTokenError):
        return CheckFailed(
            f"profile {profile!r} uses AWS IAM Identity Center and its login has expired or never "
            f"happened; run 'aws sso login --profile {profile}'",
            "sso-login",
        )
    if isinstance(error, boto.NoCredentialsError | boto.PartialCredentialsError):
        return CheckFailed(
            f"profile {profile!r} has no usable credentials (no keys, role, SSO or credential_process "
            "found for it or its source)",
            "no-credentials",
        )
    if isinstance(error, boto.ConnectTimeoutError | boto.ReadTimeoutError):
        return CheckFailed("AWS did not answer in time; check the network and proxy, then retry", "timeout")
    if isinstance(
        error, boto.EndpointConnectionError | boto.ConnectionClosedError | boto.ProxyConnectionError
    ):
        return CheckFailed(
            "could not reach AWS; check the network, proxy and AWS_ENDPOINT_URL, then retry", "network"
        )
    if isinstance(error, boto.CredentialRetrievalError):
        return CheckFailed(
            f"the credential_process of profile {profile!r} (or of its source) failed; run it by hand "
            "to see why"
        )
    if isinstance(error, boto.InvalidConfigError | boto.InfiniteLoopConfigError):
        # botocore's own text names profiles and keys, never values.
        return CheckFailed(f"profile {profile!r} cannot be used: {error}")
    if isinstance(error, boto.ParamValidationError):
        return CheckFailed(
            f"a setting of profile {profile!r} was refused before it was sent "
            "(check duration_seconds, role_session_name, external_id and the MFA code)"
        )
    return CheckFailed(f"getting credentials for profile {profile!r} failed ({type(error).__name__})")
