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

import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from botocore import exceptions as boto
from botocore.parsers import ResponseParserError

from awsprofiles import graph, model
from awsprofiles.errors import BadInput, CheckFailed, MfaCodeNeeded

_EXPIRED = frozenset({"ExpiredToken", "ExpiredTokenException", "RequestExpired", "TokenRefreshRequired"})
_INVALID_KEY = frozenset({"InvalidClientTokenId", "UnrecognizedClientException", "InvalidAccessKeyId"})
_BAD_SECRET = frozenset({"SignatureDoesNotMatch", "IncompleteSignature"})
DENIED = frozenset({"AccessDenied", "AccessDeniedException", "UnauthorizedOperation"})
#: The action in AWS's "... is not authorized to perform: sts:GetFederationToken on resource ...":
#: only this token of AWS's text is used, and only when it looks exactly like an IAM action.
_REFUSED_ACTION = re.compile(r"not authorized to perform: ([a-z0-9-]+:[A-Za-z0-9]+)\b")

#: Given the profile, who tried to assume which role, when the caller can find out (said of the
#: profile, which the message names before it: "its source profile 'Bob' ...").
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
class Endpoint:
    """Where a failed call went (scheme and host, never a path or query), and the settings that
    choose that endpoint, named in the fix."""

    url: str
    settings: tuple[str, ...]

    @classmethod
    def of_service(cls, url: str, service: str) -> Endpoint:
        """A botocore client's endpoint: the profile's endpoint_url, AWS_ENDPOINT_URL_<SERVICE> and
        AWS_ENDPOINT_URL choose it (its service as botocore's events name it: ``sts``, ``sso``)."""
        variable = f"AWS_ENDPOINT_URL_{service.upper().replace('-', '_')}"
        return cls(
            url,
            ("endpoint_url", variable, "AWS_ENDPOINT_URL")
            if service
            else ("endpoint_url", "AWS_ENDPOINT_URL"),
        )

    def named_settings(self) -> str:
        *first, last = self.settings
        return f"{', '.join(first)} and {last}" if first else last


#: Where `session.name_endpoints` puts a failed call's `Endpoint`: its context, then the
#: ClientError's ResponseMetadata; another exception gets it as an attribute of this name.
ENDPOINT_KEY = "awsprofiles_endpoint"
#: Who chooses the endpoint of a call whose endpoint is not known.
_ANY_ENDPOINT = Endpoint("", ("endpoint_url", "AWS_ENDPOINT_URL"))


def endpoint_of(error: BaseException) -> Endpoint | None:
    """Where the failed call that raised ``error`` went (`session.name_endpoints`), when known."""
    found = getattr(error, ENDPOINT_KEY, None)
    response = getattr(error, "response", None)
    if found is None and isinstance(response, dict):
        found = response.get("ResponseMetadata", {}).get(ENDPOINT_KEY)
    return found if isinstance(found, Endpoint) else None


def not_aws(subject: str, endpoint: Endpoint | None, what: str = "") -> CheckFailed:
    """An answer that is not AWS's (a web page, an empty or unreadable body): the endpoint is not
    AWS, or a proxy answered for it."""
    where = endpoint or _ANY_ENDPOINT
    source = f"from {where.url} " if where.url else ""
    return CheckFailed(
        f"{subject}the answer {source}was not an AWS answer{what}: check {where.named_settings()}, which "
        "choose the endpoint, and any proxy in between",
        "other",
    )


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
    "Environment": "the access key in the environment variables (the credential_source Environment{of})",
    "Ec2InstanceMetadata": "the EC2 instance's role (the credential_source Ec2InstanceMetadata{of})",
    "EcsContainer": "the container's task role (the credential_source EcsContainer{of})",
}


def origin_of(profile: str, profiles: Mapping[str, Mapping[str, Any]]) -> Origin | None:
    """Where ``profile``'s credentials come from: the end of its chain (`graph.chain`).

    ``profiles``: every profile's values (botocore's ``full_config["profiles"]``). None when the
    chain is broken (the lint says so) or the profile has no credentials.
    """
    found = graph.chain(graph.ProfileMap(profiles), profile)
    holder, provider = found.end, found.provider
    if holder is None:
        return None
    # Said of ``profile`` (its row or its error names it): its own, or its source profile's.
    own = holder == profile
    of = "" if own else f" of its source profile {holder!r}"
    source = profiles[holder].get("credential_source")
    if provider is graph.Provider.CREDENTIAL_SOURCE and source in _CREDENTIAL_SOURCES:
        where = _CREDENTIAL_SOURCES[str(source)].format(of=of)
        fix = "check the credentials that source provides"
        return Origin(where, fix, fix, environment=False)
    if provider is graph.Provider.KEYS:
        return keys_origin(holder, "its access key" if own else f"the access key{of}")
    if provider is graph.Provider.SSO:
        fix = f"run 'profiles login {holder}'"
        return Origin(
            "its IAM Identity Center (SSO) credentials" if own else f"the SSO credentials{of}", fix, fix
        )
    if provider is graph.Provider.PROCESS:
        fix = "fix the credentials that program returns"
        return Origin(f"the access key that the credential_process{of} returned", fix, fix)
    return None


def keys_origin(holder: str, words: str) -> Origin:
    """An access key in profile ``holder`` (``words`` name it): replaced with add-user --force."""
    add_user = f"'profiles add-user {holder} --force'"
    return Origin(words, f"create a new key and run {add_user}", f"paste the secret again with {add_user}")


def no_credentials(profile: str, exists: bool = True) -> CheckFailed:
    """botocore found no credential provider for ``profile`` at all."""
    if not exists:
        return CheckFailed(
            f"no credentials: there is no profile {profile!r} and no AWS_ACCESS_KEY_ID in the environment; "
            f"add one with 'profiles add-user {profile}', or name a profile",
            "no-credentials",
        )
    return CheckFailed(
        f"profile {profile!r}: no credentials: give it keys ('profiles add-user {profile} --force'), "
        "a role ('profiles add-role'), SSO or a credential_process",
        "no-credentials",
    )


def no_region(profile: str, profiles: Mapping[str, Mapping[str, Any]]) -> CheckFailed:
    """botocore has no region to call STS in for ``profile``: the command that gives it one, with
    the region of its source profile when that has one (`model.new_role_region`)."""
    values = profiles.get(profile, {})
    source = values.get("source_profile")
    source_region = profiles.get(source, {}).get("region") if isinstance(source, str) else None
    region, _ = model.new_role_region(None, source, source_region if isinstance(source_region, str) else None)
    whose = f" (the region of its source profile {source!r})" if region else ""
    return CheckFailed(
        f"profile {profile!r}: no region is set, in the profile or in AWS_DEFAULT_REGION, and botocore "
        f"needs one to call STS; run 'profiles set {profile} region {region or 'REGION'}'{whose}",
        "other",
    )


#: botocore's refusals of a setting's value, by class name: the setting, and the argument of the
#: exception that holds the value (botocore's text is never quoted).
_REFUSED_SETTINGS = {
    "InvalidRegionError": ("region", "region_name"),
    "InvalidRetryModeError": ("retry_mode", "provided_retry_mode"),
    "InvalidMaxRetryAttemptsError": ("max_attempts", "provided_max_attempts"),
    "InvalidSTSRegionalEndpointsConfigError": ("sts_regional_endpoints", "sts_regional_endpoints_config"),
    "InvalidDefaultsMode": ("defaults_mode", "mode"),
    "InvalidEndpointDiscoveryConfigurationError": ("endpoint_discovery_enabled", "config_value"),
    "InvalidIMDSEndpointError": ("ec2_metadata_service_endpoint", "endpoint"),
    "InvalidIMDSEndpointModeError": ("ec2_metadata_service_endpoint_mode", "mode"),
}


def refused_setting(
    error: BaseException, profile: str, profiles: Mapping[str, Mapping[str, Any]]
) -> CheckFailed | None:
    """botocore cannot use a setting of ``profile``: the setting and its value, and the fix (an
    inline comment it read as part of the value, `model.inline_comment`). None when the error
    names no setting and the profile has no inline comment."""
    values = {key: value for key, value in profiles.get(profile, {}).items() if isinstance(value, str)}
    refused = _REFUSED_SETTINGS.get(type(error).__name__)
    kwargs = getattr(error, "kwargs", {})
    if refused is not None and isinstance(kwargs, dict) and refused[1] in kwargs:
        key, value = refused[0], str(kwargs[refused[1]])
        comment = model.inline_comment(profile, key, value) if values.get(key) == value else None
        if comment is not None:
            return CheckFailed(f"profile {profile!r}: botocore cannot use its {key}: {comment}", "other")
        where = "" if values.get(key) == value else " (from the environment)"
        return CheckFailed(
            f"profile {profile!r}: botocore cannot use {key} {value!r}{where}; set a valid one "
            f"('profiles set {profile} {key} VALUE')",
            "other",
        )
    for key, value in values.items():
        # what only the AWS CLI reads (output, cli_*) or nobody (discover's marker) is not the cause
        cli_only = key == model.DISCOVERED_FROM or key == "output" or key.startswith("cli_")
        comment = None if cli_only else model.inline_comment(profile, key, value)
        if comment is not None:
            return CheckFailed(f"profile {profile!r}: botocore cannot use its settings: {comment}", "other")
    return None


def unexplained_refusal(profile: str, said: str) -> CheckFailed:
    """botocore refused a setting whose cause the profiles' values do not show (its
    InvalidConfigError: a value of account_id_endpoint_mode, an empty AWS_CA_BUNDLE, ...)."""
    return CheckFailed(
        f"{said}botocore refused one of its settings (or of the environment's AWS_ variables): check "
        f"their values against the AWS CLI's documentation; 'profiles check {profile}' lints the profile",
        "other",
    )


def refused_config(
    profile: str, said: str, profiles: Mapping[str, Mapping[str, Any]], *, only_sourceless: bool = False
) -> CheckFailed | None:
    """Why botocore cannot resolve ``profile``'s credentials (its InvalidConfigError, or its
    PartialCredentialsError of a role without a source: ``only_sourceless``), found in the
    profiles' values along its chain (`graph.chain`); None when they do not show it.

    botocore's text is never used: its words are not ours, and some of its messages hold values.
    """
    profile_map = graph.ProfileMap(profiles)
    found = graph.chain(profile_map, profile)
    chain = " -> ".join(found.links)

    def of(name: str) -> str:
        """Where a problem of ``name`` is said: on ``profile`` itself, or further down its chain."""
        return said if name == profile else f"{said}in its chain ({chain}), profile {name!r}: "

    if found.sourceless is not None:
        role = profile_map.profile(found.sourceless)
        assert role is not None
        return CheckFailed(f"{of(role.name)}{graph.sourceless_problem(role)}", "lint")
    if only_sourceless:
        return None
    if found.missing is not None and len(found.links) > 1:
        referrer = found.links[-2]
        return CheckFailed(f"{of(referrer)}{graph.missing_source_problem(referrer, found.missing)}", "lint")
    end = found.end
    if end is None:
        return None
    values = profiles.get(end, {})
    if found.provider is graph.Provider.NONE and end != profile:
        give = f"give it keys ('profiles add-user {end} --force'), SSO or a credential_process"
        if len(found.links) == 2:
            return CheckFailed(
                f"{said}its source profile {end!r} has no credentials: {give}", "no-credentials"
            )
        return CheckFailed(
            f"{said}the last source profile of its chain ({chain}), {end!r}, has no credentials: {give}",
            "no-credentials",
        )
    source = values.get("credential_source")
    if found.provider is graph.Provider.CREDENTIAL_SOURCE and isinstance(source, str):
        try:
            model.validate_credential_source(source)
        except BadInput as refused:
            return CheckFailed(f"{of(end)}{refused.message}", "lint")
    if found.provider is graph.Provider.WEB_IDENTITY and "role_arn" not in values:
        return CheckFailed(
            f"{of(end)}it has web_identity_token_file but no role_arn, which botocore needs to assume a "
            f"role with that token; set one ('profiles set {end} role_arn ARN')",
            "lint",
        )
    if found.provider is graph.Provider.SSO or "sso_session" in values:
        return CheckFailed(
            f"{of(end)}its IAM Identity Center (SSO) settings are incomplete or disagree with its "
            "sso-session: it needs sso_account_id, sso_role_name, sso_start_url and sso_region, in the "
            "profile or in the [sso-session] it names (the same values in both); "
            f"'profiles check {end}' names what is wrong",
            "lint",
        )
    return None


def not_assigned(subject: str, account: str | None, role: str | None, code: str | None = None) -> CheckFailed:
    """IAM Identity Center refused GetRoleCredentials (ForbiddenException): the signed-in user is
    not assigned that role (permission set) in that account."""
    what = f"role {role} in account {account}" if role and account else "that role in that account"
    return CheckFailed(
        f"{subject}the signed-in user is not assigned {what} in IAM Identity Center; ask an "
        "administrator to assign it, or use a role 'profiles discover --sso-session SESSION' lists",
        "denied",
        code,
    )


def _sso_role(profile: str, profiles: Mapping[str, Mapping[str, Any]]) -> tuple[str | None, str | None]:
    """The account and role (permission set) of the SSO profile ``profile``'s credentials come from."""
    holder = graph.key_holder(graph.ProfileMap(profiles), profile)
    values = profiles.get(holder, {}) if holder is not None else {}
    account, role = values.get("sso_account_id"), values.get("sso_role_name")
    return (account if isinstance(account, str) else None), (role if isinstance(role, str) else None)


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
    said: str,
    assume_denied: AssumeDenied | None,
    origin: Origin | None,
    needs: Permission | None,
    profiles: Mapping[str, Mapping[str, Any]],
) -> CheckFailed:
    code = str(error.response.get("Error", {}).get("Code", ""))
    message = str(error.response.get("Error", {}).get("Message", ""))
    operation = error.operation_name or "the AWS call"
    status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
    if origin is None:
        # Without the files' settings (an explicit key): the profile holds the key it signs with.
        origin = keys_origin(profile, "its access key")
    subject = "" if origin.environment else said
    # An error body botocore cannot parse leaves only the HTTP status as the code (moto's
    # Organizations): 403 Forbidden is a refusal too.
    denied = code in DENIED or code == "403"
    if not denied and (not code or code.isdigit()):
        # Every AWS error names its code: an answer without one did not come from AWS.
        return not_aws(said, endpoint_of(error), f" (HTTP {status})" if status else "")
    if code in _INVALID_KEY:
        return CheckFailed(
            f"{subject}AWS does not know {origin.source} (mistyped, deleted, deactivated or from another "
            f"partition); {origin.new_key}",
            "invalid-key",
            code,
        )
    if code in _BAD_SECRET:
        return CheckFailed(
            f"{subject}{origin.source} has the wrong secret (it does not match the key ID); "
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
    if code == "ForbiddenException" and operation == "GetRoleCredentials":
        return not_assigned(said, *_sso_role(profile, profiles), code)
    if denied and "MultiFactorAuthentication" in message:
        return CheckFailed(
            f"{said}the role requires MFA and AWS rejected the code or got none; add "
            "mfa_serial to the profile and enter the current code of that device (codes change every "
            "30 seconds and each works once)",
            "mfa-required",
            code,
        )
    if denied and operation == "AssumeRole":
        text = (
            assume_denied(profile)
            if assume_denied is not None
            else assume_denied_message("its source identity", "its role")
        )
        return CheckFailed(f"{said}{text}", "assume-denied", code)
    if denied:
        fix = (
            f"its IAM user or role needs {needs.sentence()}"
            if needs
            else "the identity's policies (or an organization or permissions boundary policy) do not allow it"
        )
        return CheckFailed(f"{said}AWS denied {refused_action(error, needs)}: {fix}", "denied", code)
    return CheckFailed(f"{said}AWS refused with {code} ({operation})", "other", code)


def classify(
    error: BaseException,
    profile: str,
    *,
    subject: str | None = None,
    timeout: float | None = None,
    wait_longer: str | None = None,
    assume_denied: AssumeDenied | None = None,
    origin: Origin | None = None,
    needs: Permission | None = None,
    profiles: Mapping[str, Mapping[str, Any]] | None = None,
    endpoint: Endpoint | None = None,
) -> CheckFailed:
    """The `CheckFailed` (with its code) for an exception raised while using ``profile``.

    ``subject``: the words a message begins with, for a call made for something other than a
    profile (``"sso-session 'acme': "``); by default ``"profile 'NAME': "``.

    ``timeout``: the seconds the call was given, named in a timeout's message.
    ``wait_longer``: what the command offers to wait longer ("raise --timeout"), said after a
    timeout; None when it offers nothing (it waits as the AWS CLI waits: botocore's defaults).
    ``assume_denied``: writes an assume-denied message naming the principal that tried.
    ``origin``: where the credentials came from (`origin_of`, `ENVIRONMENT`), named in key errors.
    ``needs``: the permission the call requires, named when IAM refuses it.
    ``profiles``: every profile's values (botocore's ``full_config["profiles"]``), for the fix of
    a setting that is missing or wrong.
    ``endpoint``: where a call went that no botocore client made (the console's sign-in).
    """
    said = f"profile {profile!r}: " if subject is None else subject
    if isinstance(error, CheckFailed):
        return error
    if isinstance(error, boto.ClientError):
        return _client_error(error, profile, said, assume_denied, origin, needs, profiles or {})
    if isinstance(error, boto.RefreshWithMFAUnsupportedError):
        return CheckFailed(f"{said}its session needs a new MFA code; run the command again", "mfa-required")
    if isinstance(error, boto.SSOError | boto.TokenRetrievalError | boto.UnauthorizedSSOTokenError):
        return CheckFailed(
            f"{said}no valid IAM Identity Center (SSO) session; run 'profiles login {profile}'",
            "sso-login",
        )
    if isinstance(error, boto.ConnectTimeoutError | boto.ReadTimeoutError):
        within = f" within {timeout:g} s" if timeout is not None else " in time"
        settings = (endpoint or endpoint_of(error) or _ANY_ENDPOINT).named_settings()
        longer = f" (or {wait_longer})" if wait_longer else ""
        return CheckFailed(
            f"AWS did not answer{within}; check the network and proxy settings, and {settings}, "
            f"then retry{longer}",
            "timeout",
        )
    if isinstance(error, boto.ConnectionError | boto.HTTPClientError):
        where = endpoint or endpoint_of(error) or _ANY_ENDPOINT
        url = getattr(error, "kwargs", {}).get("endpoint_url") if endpoint is None else endpoint.url
        at = f" at {url}" if isinstance(url, str) and url else ""
        return CheckFailed(
            f"cannot reach AWS{at}: check the network and proxy settings, and {where.named_settings()} "
            "(they choose the endpoint), then retry",
            "network",
        )
    if isinstance(error, ResponseParserError) or (
        endpoint_of(error) is not None and not isinstance(error, boto.BotoCoreError)
    ):
        # botocore could not read the answer (its parser raises KeyError for XML without the
        # result it expects): whatever answered is not AWS.
        return not_aws(said, endpoint or endpoint_of(error))
    if isinstance(error, boto.InfiniteLoopConfigError):
        return CheckFailed(f"{said}its source_profile chain loops", "lint")
    if isinstance(error, boto.PartialCredentialsError) and profiles:
        # a role with neither source_profile nor credential_source: the lint's words, and the
        # code it always had (no source, no credentials)
        refused = refused_config(profile, said, profiles, only_sourceless=True)
        if refused is not None:
            return CheckFailed(refused.message, "no-credentials")
    if isinstance(error, boto.PartialCredentialsError):
        return CheckFailed(
            f"{said}only half a key pair: it needs both aws_access_key_id and aws_secret_access_key",
            "no-credentials",
        )
    if isinstance(error, boto.CredentialRetrievalError):
        provider = getattr(error, "kwargs", {}).get("provider", "credential provider")
        provider = "credential_process" if provider == "custom-process" else provider
        code = profiles_process_code(str(getattr(error, "kwargs", {}).get("error_msg", "")))
        if code == "mfa-required":
            return MfaCodeNeeded(
                f"{said}its keyring source needs an MFA code to start its session and "
                f"cannot ask for one here; run 'profiles whoami {profile}' in a terminal once (the "
                "session is kept in the keyring until it expires), or pass --mfa-code"
            )
        if code is not None:
            return CheckFailed(
                f"{said}its credential_process (profiles credential-process, its own or "
                "its source's) failed; run it by hand to see why",
                code,
            )
        return CheckFailed(
            f"{said}the {provider} (its own or its source's) did not return credentials; "
            "run it by hand to see why",
            "no-credentials",
        )
    if isinstance(error, boto.NoCredentialsError | boto.ProfileNotFound):
        return CheckFailed(
            f"{said}no credentials botocore can use, of its own or its source profile: no "
            "keys, role, SSO or credential_process",
            "no-credentials",
        )
    if isinstance(error, boto.InvalidConfigError):
        return refused_config(profile, said, profiles or {}) or unexplained_refusal(profile, said)
    if isinstance(error, boto.ParamValidationError):
        return CheckFailed(
            f"{said}a setting was refused before it was sent "
            "(check duration_seconds, role_session_name, external_id and the MFA code)",
            "other",
        )
    if isinstance(error, boto.NoRegionError):
        return no_region(profile, profiles or {})
    setting = refused_setting(error, profile, profiles or {})
    if setting is not None:
        return setting
    if isinstance(error, boto.BotoCoreError):
        return CheckFailed(f"{said}botocore cannot use its settings", "other")
    if os.environ.get("PROFILES_DEBUG"):
        raise error  # main shows its traceback, as for any unexpected exception
    return CheckFailed(
        f"{said}the AWS call failed unexpectedly; run again with PROFILES_DEBUG=1 for "
        "the traceback and report it",
        "other",
    )
