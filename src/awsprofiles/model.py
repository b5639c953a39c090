"""Profiles, their kinds, and validation of names, ARNs, keys and values.

Pure: no I/O and no imports of boto3/botocore, so every command can use it cheaply.
"""

from __future__ import annotations

import io
import re
from collections.abc import Mapping
from enum import StrEnum

from awsprofiles.errors import BadInput
from awsprofiles.records import Frozen

TYPE_CHECKING = False  # typing itself is not imported at run time (see awsprofiles.records)
if TYPE_CHECKING:
    from collections.abc import Collection, Iterable
    from datetime import datetime
    from typing import Final

ACCESS_KEY_ID = "aws_access_key_id"
SECRET_ACCESS_KEY = "aws_secret_access_key"
SESSION_TOKEN = "aws_session_token"
#: botocore's older name of the session token, which it reads first when both are present.
SECURITY_TOKEN = "aws_security_token"
#: The keys botocore takes a session token from, in the order it looks (SharedCredentialProvider).
TOKEN_KEYS = (SECURITY_TOKEN, SESSION_TOKEN)


def session_token_of(values: Mapping[str, object]) -> str | None:
    """The session token botocore takes from these keys: the first of `TOKEN_KEYS` with a value
    (an empty one is no token)."""
    return next((token for key in TOKEN_KEYS if isinstance(token := values.get(key), str) and token), None)


class Credentials(Frozen):
    """Credentials ready to hand to a shell or an SDK, with the profile's own region."""

    __slots__ = ("access_key_id", "secret_access_key", "session_token", "expiration", "region")

    def __init__(
        self,
        access_key_id: str,
        secret_access_key: str,
        session_token: str | None = None,
        expiration: datetime | None = None,
        region: str | None = None,
    ) -> None:
        self.access_key_id: Final = access_key_id
        self.secret_access_key: Final = secret_access_key
        self.session_token: Final = session_token
        self.expiration: Final = expiration
        self.region: Final = region

    def __repr__(self) -> str:  # never the secret key or the session token
        return (
            f"Credentials(access_key_id={self.access_key_id!r}, expiration={self.expiration!r}, "
            f"region={self.region!r})"
        )

    @property
    def temporary(self) -> bool:
        return self.session_token is not None

    def in_region(self, region: str | None) -> Credentials:
        """These credentials for use in ``region`` (``--region``) instead of the profile's own."""
        if region is None:
            return self
        return Credentials(
            self.access_key_id, self.secret_access_key, self.session_token, self.expiration, region
        )


#: Keys whose values are secrets: never printed, never passed on a command line. The one list:
#: everything that shows, takes, masks or moves secrets derives from it.
SECRET_KEYS = frozenset({SECRET_ACCESS_KEY, *TOKEN_KEYS})
#: Keys that belong in the credentials file rather than the config file.
CREDENTIAL_KEYS = frozenset({ACCESS_KEY_ID, *SECRET_KEYS})

CREDENTIAL_SOURCES = ("Environment", "Ec2InstanceMetadata", "EcsContainer")

#: profiles' own marker on the profiles `profiles discover` generated (botocore ignores it).
DISCOVERED_FROM = "profiles_discovered_from"

#: Keys read from a profile by botocore's credential providers and by the AWS CLI itself,
#: which botocore's table of session variables does not list.
CREDENTIAL_AND_CLI_KEYS = CREDENTIAL_KEYS | frozenset(
    {
        "aws_account_id",
        "aws_credential_expiration",
        "role_arn",
        "source_profile",
        "credential_source",
        "external_id",
        "mfa_serial",
        "role_session_name",
        "duration_seconds",
        "web_identity_token_file",
        "credential_process",
        "sso_session",
        "sso_start_url",
        "sso_region",
        "sso_account_id",
        "sso_role_name",
        "sso_registration_scopes",
        "login_session",
        "services",
        "endpoint_url",
        "output",
        "cli_pager",
        "cli_timestamp_format",
        "cli_follow_urlparam",
        "cli_binary_format",
        "cli_auto_prompt",
        "cli_history",
        "cli_help_output",
        DISCOVERED_FROM,
        # botocore session variables common enough to be known without loading botocore
        "region",
        "ca_bundle",
        "max_attempts",
        "retry_mode",
        "parameter_validation",
    }
)
#: The config-file keys of botocore's table of session variables, kept here so that `set`
#: needs no botocore import; a test pins it to ``tests/botocore_config_keys.py``.
BOTOCORE_CONFIG_KEYS = frozenset(
    {
        "account_id_endpoint_mode",
        "api_versions",
        "auth_scheme_preference",
        "ca_bundle",
        "csm_client_id",
        "csm_enabled",
        "csm_host",
        "csm_port",
        "data_path",
        "defaults_mode",
        "disable_host_prefix_injection",
        "disable_request_compression",
        "ec2_metadata_service_endpoint",
        "ec2_metadata_service_endpoint_mode",
        "ec2_metadata_v1_disabled",
        "endpoint_discovery_enabled",
        "ignore_configured_endpoint_urls",
        "imds_use_ipv6",
        "max_attempts",
        "metadata_service_num_attempts",
        "metadata_service_timeout",
        "parameter_validation",
        "region",
        "request_checksum_calculation",
        "request_min_compression_size_bytes",
        "response_checksum_validation",
        "retry_mode",
        "s3_disable_express_session_auth",
        "sdk_ua_app_id",
        "sigv4a_signing_region_set",
        "sts_regional_endpoints",
        "tcp_keepalive",
        "use_dualstack_endpoint",
        "use_fips_endpoint",
    }
)
#: Every profile key botocore or the AWS CLI reads: the one list `check` and `set` use.
KNOWN_KEYS = CREDENTIAL_AND_CLI_KEYS | BOTOCORE_CONFIG_KEYS

#: Where botocore takes the profile from when none is named, in its order of precedence
#: (``botocore.configprovider``: the session variable ``profile``).
PROFILE_VARIABLES = ("AWS_DEFAULT_PROFILE", "AWS_PROFILE")
MIN_DURATION, MAX_DURATION = 900, 43200

# A value may be a string, or for nested settings such as ``s3 =`` a mapping of strings.
Value = str | Mapping[str, str]


class Kind(StrEnum):
    """How a profile gets its credentials, derived from its keys as botocore decides it."""

    KEYS = "keys"
    ROLE = "role"
    SSO = "sso"
    PROCESS = "process"
    #: An access key kept in the OS keyring, served by ``profiles credential-process NAME --from-keyring``.
    KEYRING = "keys (keyring)"
    WEB_IDENTITY = "web-identity"
    OTHER = "other"


#: botocore's SSO credential provider starts when a profile has either of these
#: (``SSOProvider._PROFILE_REQUIRED_CONFIG_VARS``); a profile with neither gets no SSO credentials.
SSO_PROVIDER_KEYS = ("sso_role_name", "sso_account_id")
#: What the SSO provider then requires, from the profile or the ``[sso-session]`` its
#: ``sso_session`` names (``SSOProvider._ALL_REQUIRED_CONFIG_VARS``): else InvalidConfigError.
SSO_REQUIRED_KEYS = (*SSO_PROVIDER_KEYS, "sso_start_url", "sso_region")
# A profile that signs in to IAM Identity Center (login, discover) without role credentials.
_SSO_SIGN_IN_KEYS = ("sso_session", "sso_start_url")


def sso_missing(values: Mapping[str, Value], session: Mapping[str, Value] | None = None) -> list[str]:
    """The settings botocore's SSO provider needs and finds neither in the profile's ``values`` nor in
    its ``[sso-session]`` (``session``); empty when the provider does not start."""
    if not any(key in values for key in SSO_PROVIDER_KEYS):
        return []
    return [key for key in SSO_REQUIRED_KEYS if key not in values and key not in (session or {})]


#: The settings of each kind of credentials (what `profiles unset` removes to keep one kind).
KIND_KEYS = {
    Kind.KEYS: (ACCESS_KEY_ID, SECRET_ACCESS_KEY, *TOKEN_KEYS),
    Kind.ROLE: ("role_arn", "source_profile", "credential_source"),
    Kind.WEB_IDENTITY: ("role_arn", "web_identity_token_file"),
    Kind.SSO: ("sso_session", "sso_start_url", "sso_account_id", "sso_role_name", "sso_region"),
    Kind.PROCESS: ("credential_process",),
}
#: What botocore uses (or ignores) for each kind, in a sentence.
KIND_NOUNS = {
    Kind.KEYS: "the access key",
    Kind.ROLE: "the role",
    Kind.WEB_IDENTITY: "the web identity role",
    Kind.SSO: "the SSO settings",
    Kind.PROCESS: "the credential_process",
    Kind.OTHER: "the other settings",
}


def provider_kind(values: Mapping[str, Value], origins: Mapping[str, str] | None = None) -> Kind:
    """The kind of the credentials botocore gets from the profile's own settings, as a profile that
    assumes no role or as a role's source: ``ProfileProviderBuilder``'s order, web identity, SSO,
    the credentials file's keys, login, credential_process, the config file's keys. OTHER: none,
    or a login session. ``origins``: the file each key is in (`Profile.origins`; by default the
    credentials file)."""
    if "web_identity_token_file" in values:
        return Kind.WEB_IDENTITY
    if any(key in values for key in SSO_PROVIDER_KEYS):
        return Kind.SSO
    keys_file = (origins or {}).get(ACCESS_KEY_ID, "credentials") if ACCESS_KEY_ID in values else None
    if keys_file == "credentials":
        return Kind.KEYS
    if "login_session" in values:
        return Kind.OTHER
    command = values.get("credential_process")
    if command is not None:
        return Kind.KEYRING if isinstance(command, str) and is_keyring_process(command) else Kind.PROCESS
    return Kind.OTHER if keys_file is None else Kind.KEYS


def kind_of(values: Mapping[str, Value], origins: Mapping[str, str] | None = None) -> Kind:
    """The kind of a profile, as botocore's credential resolver decides it: a role its
    AssumeRoleProvider assumes (``role_arn`` without ``web_identity_token_file``), else what its
    own settings give (`provider_kind`). A profile that gives no credentials but signs in to IAM
    Identity Center (``sso_session`` or ``sso_start_url`` alone) is an SSO profile."""
    if "role_arn" in values and "web_identity_token_file" not in values:
        return Kind.ROLE
    kind = provider_kind(values, origins)
    if (
        kind is Kind.OTHER
        and "login_session" not in values
        and any(key in values for key in _SSO_SIGN_IN_KEYS)
    ):
        return Kind.SSO
    return kind


class Profile(Frozen):
    """One profile as botocore sees it: its merged values and where each key lives."""

    __slots__ = ("name", "values", "origins")

    def __init__(
        self, name: str, values: Mapping[str, Value], origins: Mapping[str, str] | None = None
    ) -> None:
        self.name: Final = name
        self.values: Final = values
        #: key -> "config" or "credentials": the file botocore takes the value from.
        self.origins: Final[Mapping[str, str]] = {} if origins is None else origins

    @property
    def kind(self) -> Kind:
        return kind_of(self.values, self.origins)

    @property
    def source(self) -> str | None:
        """The profile or credential source this profile's role is assumed with; None when botocore
        assumes no role with it (no role_arn, or a web identity role: its source_profile is unused)."""
        if self.kind is not Kind.ROLE:
            return None
        for key in ("source_profile", "credential_source"):
            value = self.values.get(key)
            if isinstance(value, str):
                return value
        return None

    def get(self, key: str) -> str | None:
        value = self.values.get(key)
        return value if isinstance(value, str) else None

    @property
    def session_token(self) -> str | None:
        """The session token botocore uses, under whichever of its two names it is stored."""
        return session_token_of(self.values)

    @property
    def files(self) -> list[str]:
        return sorted(set(self.origins.values()))

    @property
    def credential_kinds(self) -> list[Kind]:
        """Every kind of credentials the profile's keys configure, the one botocore uses first.

        More than one is a mixed profile: botocore uses the first and silently ignores the rest.
        A role that is its own source_profile reads its own keys as that source: one kind.
        """
        values = self.values
        kinds = []
        if "role_arn" in values:
            kinds.append(kind_of(values, self.origins))
        if any(key in values for key in SSO_PROVIDER_KEYS):
            kinds.append(Kind.SSO)
        own_source = "role_arn" in values and values.get("source_profile") == self.name
        if (ACCESS_KEY_ID in values or SECRET_ACCESS_KEY in values) and not own_source:
            kinds.append(Kind.KEYS)
        if "credential_process" in values:
            # botocore tries credential_process after the credentials file's keys, before the config's.
            in_config = self.origins.get(ACCESS_KEY_ID) == "config" and Kind.KEYS in kinds
            kinds.insert(kinds.index(Kind.KEYS) if in_config else len(kinds), Kind.PROCESS)
        return kinds


# The patterns are compiled by `re` when first used (and kept in its cache): compiling them all
# as the module loads would cost a fast path more than its own work.
#
# Characters that split a line for configparser or for str.splitlines(), and NUL. A value
# containing one could inject a section or a key that botocore would then read.
_LINE_BREAKING = "[\x00\r\n\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]"
_CONTROL = "[\x00-\x1f\x7f\x85\u2028\u2029]"
# What a terminal's non-UTF-8 bytes become in sys.argv: they cannot be written as UTF-8.
_UNDECODABLE = "[\ud800-\udfff]"
_KEY_NAME = r"^[A-Za-z0-9_\-]+$"
_ACCESS_KEY_ID = r"^[A-Z0-9]{16,128}$"
_ACCESS_KEY_PREFIXES = ("AKIA", "ASIA", "AIDA", "AROA", "ABIA", "ACCA")
_PARTITION = r"aws|aws-cn|aws-us-gov|aws-iso(?:-[a-z])?"
ROLE_ARN = (
    rf"^arn:(?P<partition>{_PARTITION}):iam::(?P<account>\d{{12}}):role/"
    r"(?P<path>(?:[\x21-\x7e]+/)*)(?P<name>[\w+=,.@-]{1,64})$"
)
MFA_SERIAL = (
    rf"^(?:arn:(?:{_PARTITION}):iam::\d{{12}}:(?:mfa|u2f)/[\w+=,.@/-]+|GAHT[0-9A-Z]+|[A-Z0-9]{{9,64}})$"
)
#: An AWS account ID: twelve ASCII digits (``\d`` would take any script's digits), used with fullmatch.
ACCOUNT_ID = r"[0-9]{12}"
REGION = r"^[a-z]{2}(?:-[a-z]+)+-\d+$"
_SHLEX_WHITESPACE = "[ \t\r\n]+"
SESSION_NAME = r"^[\w+=,.@-]{2,64}$"
START_URL = r"^https://[A-Za-z0-9.-]+(?::\d+)?(?:/\S*)?$"
SSO_ROLE_NAME = r"^[\w+=,.@-]{1,32}$"
ROLE_NAME = r"^[\w+=,.@-]{1,64}$"


def _holds(characters: str, text: str) -> bool:
    """Whether ``text`` holds one of ``characters`` (`_LINE_BREAKING`, `_CONTROL`, `_UNDECODABLE`:
    control characters and non-ASCII ones). Printable ASCII, nearly every name and value, is told
    apart without compiling the pattern (a class of non-Latin-1 characters costs `re` half a
    millisecond to compile)."""
    return not (text.isascii() and text.isprintable()) and re.search(characters, text) is not None


def validate_profile_name(name: str, what: str = "profile name") -> str:
    if not name:
        raise BadInput(f"a {what} cannot be empty")
    if name != name.strip():
        raise BadInput(f"{what} {name!r} starts or ends with white space")
    if _holds(_UNDECODABLE, name):
        raise BadInput(f"the {what} contains bytes that are not UTF-8; the files are UTF-8")
    if _holds(_CONTROL, name) or _holds(_LINE_BREAKING, name):
        raise BadInput(f"{what} {name!r} contains a control character or line break")
    for bad in "[]#;":
        if bad in name:
            raise BadInput(f"{what} {name!r} contains {bad!r}, which the files cannot hold")
    if name == "DEFAULT":
        raise BadInput(
            f"'DEFAULT' cannot be a {what}: [DEFAULT] holds the values every section of a file inherits"
        )
    return name


def validate_sso_session_name(name: str) -> str:
    """An ``[sso-session NAME]`` follows the rules of a profile name."""
    return validate_profile_name(name, "sso-session name")


def validate_start_url(url: str) -> str:
    """An IAM Identity Center start URL (the AWS access portal): https://HOST/..."""
    validate_value("sso_start_url", url)
    if not re.match(START_URL, url):
        raise BadInput(
            f"{url!r} is not an AWS access portal URL: expected https://HOST/start (e.g. "
            "https://my-company.awsapps.com/start)"
        )
    return url


def validate_role_name(name: str, what: str = "") -> str:
    """An IAM role's name (without its path), as IAM accepts it; ``what`` names the option."""
    if not re.match(ROLE_NAME, name):
        raise BadInput(f"{what}{name!r} is not a role name (1-64 characters of letters, digits and +=,.@_-)")
    return name


def validate_sso_role_name(name: str) -> str:
    """A permission set's name, as IAM Identity Center accepts it."""
    if not re.match(SSO_ROLE_NAME, name):
        raise BadInput(f"{name!r} is not a permission set name (1-32 letters, digits and +=,.@_-)")
    return name


def validate_key_name(key: str) -> str:
    if not key or not re.match(_KEY_NAME, key):
        raise BadInput(
            f"key {key!r} is not a valid setting name (letters, digits, '_' and '-' only; "
            "nested keys such as s3.x are edited by hand)"
        )
    return key.lower()


def validate_value(key: str, value: str) -> str:
    """A value safe to write: nothing in it can start a new line in either parser."""
    shown = "the value" if key in SECRET_KEYS else f"value {value!r}"
    if _holds(_UNDECODABLE, value):
        raise BadInput(f"the value for {key} contains bytes that are not UTF-8; the files are UTF-8")
    if _holds(_LINE_BREAKING, value):
        raise BadInput(f"{shown} for {key} contains a line break or NUL character")
    if value != value.strip():
        # configparser strips values; a padded value would not read back as written.
        raise BadInput(f"{shown} for {key} starts or ends with white space")
    if _holds(_CONTROL, value):
        raise BadInput(f"{shown} for {key} contains a control character")
    return value


def validate_access_key_id(key_id: str) -> list[str]:
    """Raise on a malformed access key ID; return warnings for an unusual one."""
    if not re.match(_ACCESS_KEY_ID, key_id):
        raise BadInput(
            f"access key ID must be 16 to 128 characters of A-Z and 0-9 (got {len(key_id)} characters)"
        )
    if not key_id.startswith(_ACCESS_KEY_PREFIXES):
        return [f"access key ID {key_id[:4]}… does not start with AKIA or ASIA as AWS keys do"]
    return []


def validate_secret(secret: str) -> str:
    secret = secret.strip()
    if not secret:
        raise BadInput("the secret access key is empty")
    if any(ch.isspace() for ch in secret) or _holds(_CONTROL, secret) or _holds(_UNDECODABLE, secret):
        raise BadInput("the secret access key contains white space, control characters or non-UTF-8 bytes")
    return secret


def validate_role_arn(arn: str) -> str:
    if not re.match(ROLE_ARN, arn):
        raise BadInput(
            f"{arn!r} is not a role ARN: expected arn:PARTITION:iam::ACCOUNT:role/[PATH/]NAME "
            "with a 12-digit account"
        )
    return arn


def validate_mfa_serial(serial: str) -> str:
    if not re.match(MFA_SERIAL, serial):
        raise BadInput(
            f"{serial!r} is not an MFA device: expected arn:aws:iam::ACCOUNT:mfa/NAME "
            "or a hardware token serial number"
        )
    return serial


def validate_duration(seconds: int) -> int:
    if not MIN_DURATION <= seconds <= MAX_DURATION:
        raise BadInput(f"duration {seconds} is out of range: STS accepts {MIN_DURATION} to {MAX_DURATION} s")
    return seconds


def validate_account_id(account: str) -> str:
    if not re.fullmatch(ACCOUNT_ID, account):
        raise BadInput(f"{account!r} is not an AWS account ID (12 digits)")
    return account


def validate_credential_source(source: str) -> str:
    if source not in CREDENTIAL_SOURCES:
        raise BadInput(f"credential source {source!r} is not one of {', '.join(CREDENTIAL_SOURCES)}")
    return source


def region_warnings(region: str, known: Collection[str] = ()) -> list[str]:
    """Unknown regions only warn: a region newer than botocore's data still works.

    ``known``: the regions botocore knows (``aws.regions.known_regions``); without them only
    the shape is checked.
    """
    if region in known:
        return []
    close = _closest(region, known, cutoff=0.8) if known else []
    hint = f"; did you mean {close[0]!r}?" if close else ""
    if known and re.match(REGION, region):
        return [f"{region!r} is not a region botocore knows{hint} (kept: a newer region would work)"]
    if re.match(REGION, region):
        return []
    return [f"{region!r} does not look like an AWS region name (e.g. eu-west-1){hint}"]


#: A ';' or '#' after white space: an inline comment to a person and to some SDKs, but part of the
#: value to botocore (configparser without inline comment prefixes) and so to the AWS CLI.
_INLINE_COMMENT = r"\s+[#;]"


def without_inline_comment(key: str, value: str) -> str | None:
    """``value`` without the inline comment botocore would read as part of it (``eu-west-1   #
    Ireland`` -> ``eu-west-1``), or None when it holds none. Every key botocore or the AWS CLI
    reads takes its value literally, so a comment breaks any of them; a credential_process's
    ``#`` or ``;`` inside quotes is an argument, not a comment."""
    if "#" not in value and ";" not in value:
        return None  # most values: `check` asks this of every value of every profile
    for found in re.finditer(_INLINE_COMMENT, value):
        kept = value[: found.start()]
        if key == "credential_process":
            import shlex  # only a command needs it: reading names and values goes without

            try:
                shlex.split(kept)  # an open quote: the '#' is inside it
            except ValueError:
                continue
        return kept
    return None


def inline_comment(profile: str, key: str, value: str) -> str | None:
    """What is wrong with an inline comment in ``key``'s value (`without_inline_comment`), and the
    fix; None when there is none. A secret, or the key ID that goes with it, is never quoted."""
    kept = without_inline_comment(key, value)
    if kept is None or key.lower() not in KNOWN_KEYS:
        return None
    if key in SECRET_KEYS or key == ACCESS_KEY_ID:
        return f"the inline comment in {key} is part of the key to botocore: move it to a line of its own"
    import shlex

    command = shlex.join(["profiles", "set", profile, key, kept])
    return (
        f"the inline comment in {key} {value!r} is part of the value to botocore: run '{command}' "
        "(a comment goes on a line of its own)"
    )


def mask_access_key_id(key_id: str) -> str:
    """First and last four characters: enough to tell keys apart, as the IAM console does."""
    if len(key_id) <= 8:
        return "*" * len(key_id)
    return f"{key_id[:4]}{'*' * (len(key_id) - 8)}{key_id[-4:]}"


def config_section_name(profile: str) -> str:
    """The config-file section botocore reads as ``profile`` (quoted as the AWS CLI does)."""
    if profile == "default":
        return "default"
    if re.search(r"\s", profile) or any(ch in profile for ch in "'\"\\"):
        import shlex  # only a name that needs quotes

        return f"profile {shlex.quote(profile)}"
    return f"profile {profile}"


def profile_name_of_config_section(section: str) -> str | None:
    """The profile botocore maps a config-file section to, or None (botocore's own rule)."""
    if section == "default":
        return "default"
    return _name_of_section(section, "profile")


def sso_session_name_of_config_section(section: str) -> str | None:
    """The sso-session a config-file section defines (``[sso-session NAME]``), or None."""
    return _name_of_section(section, "sso-session")


def sso_session_section_name(session: str) -> str:
    """The section header for sso-session ``session`` (quoted as for profiles)."""
    return "sso-session " + config_section_name(session).removeprefix("profile ")


def _name_of_section(section: str, prefix: str) -> str | None:
    # botocore.configloader.build_profile_map: a prefix, then shlex.split into exactly two words.
    if not section.startswith(prefix):
        return None
    if any(ch in section for ch in "'\"\\"):
        import shlex  # only a header with quotes: a plain one (a fast path reads it) goes without

        try:
            parts = shlex.split(section)
        except ValueError:
            return None
    else:
        # Without quotes or backslashes, shlex.split only splits at these four characters.
        parts = re.split(_SHLEX_WHITESPACE, section.strip(" \t\r\n"))
    return parts[1] if len(parts) == 2 else None


# --------------------------------------------------------------------------- hints


def _closest(word: str, candidates: Iterable[str], cutoff: float = 0.6) -> list[str]:
    """The same word in another case first, else the nearest ones (case-insensitive)."""
    import difflib  # only a mistake needs it

    names = list(candidates)
    folded = {name.lower(): name for name in reversed(names)}
    same = [name for name in names if name.lower() == word.lower() and name != word]
    if same:
        return same
    near = difflib.get_close_matches(word.lower(), list(folded), n=3, cutoff=cutoff)
    return [folded[name] for name in near]


def did_you_mean(name: str, known: Iterable[str]) -> str:
    """``; did you mean 'Bob'?`` for the names of ``known`` (profiles, settings, roles) closest to
    ``name``, or nothing."""
    close = _closest(name, known)
    return f"; did you mean {' or '.join(map(repr, close))}?" if close else ""


def no_such_profile(name: str, known: Iterable[str], tip: str = "") -> BadInput:
    """The error for a profile name that does not exist, with the names it could have meant."""
    tip = tip or "run 'profiles list' to see them"
    return BadInput(f"no profile named {name!r}{did_you_mean(name, known)} ({tip})")


def suggest_key(key: str) -> str | None:
    """The known key a person most likely meant (``role-arn`` -> ``role_arn``), or None."""
    normalized = key.lower().replace("-", "_")
    if normalized in KNOWN_KEYS:
        return normalized
    close = _closest(normalized, sorted(KNOWN_KEYS), cutoff=0.75)
    return close[0] if close else None


def did_you_mean_key(key: str, own: Iterable[str] = ()) -> str:
    """``; did you mean 'region'?`` for a mistyped setting name: the closest of the profile's
    ``own`` keys, else the key botocore or the AWS CLI reads that was most likely meant, or nothing."""
    hint = did_you_mean(key, own)
    meant = suggest_key(key)
    if hint or meant is None or meant == key:
        return hint
    return f"; did you mean {meant!r}?"


def new_role_region(
    given: str | None, source: str | None, source_region: str | None
) -> tuple[str | None, str | None]:
    """The region a new role profile gets, and a note when it is its source's: the region given,
    else the source profile's. botocore calls STS for a role in the role profile's own region (or
    AWS_DEFAULT_REGION's), never its source's: without one, the role fails where no region
    variable is set.
    add-role, discover and onboard's manifest all write a role's region by this rule. A source
    region that spans lines (a continuation line botocore reads into it) is no region to copy."""
    if given or not source_region or "\n" in source_region or "\r" in source_region:
        return given, None
    return source_region, f"region {source_region} (from source profile {source!r})"


def environment_profile(environ: Mapping[str, str]) -> tuple[str, str] | None:
    """The variable that names the profile botocore uses when none is given, and its value."""
    for variable in PROFILE_VARIABLES:
        if variable in environ:
            return variable, environ[variable]
    return None


# --------------------------------------------------------------------------- credential_process

#: The program names of `profiles` itself (a pip-installed console script on Windows ends in .exe).
_PROFILES_PROGRAMS = frozenset({"profiles", "profiles.exe"})
#: Options of `profiles credential-process` that take a value, which is therefore not NAME.
_VALUE_OPTIONS = frozenset(
    {"--duration", "--mfa-code", "--config-file", "--credentials-file", "--session-duration"}
)
FROM_KEYRING = "--from-keyring"


def shell_words(command: str) -> list[tuple[str, int, int]] | None:
    """``command`` split as botocore splits a credential_process (``shlex.split``), with the span
    of each word in ``command``; None when it cannot be split (an unterminated quote)."""
    import shlex  # only a credential_process needs it: reading names and values goes without

    try:
        shlex.split(command)
    except ValueError:
        return None
    # With a space appended, the lexer ends every word by reading one white-space character.
    stream = io.StringIO(command + " ")
    lexer = shlex.shlex(stream, posix=True)
    lexer.whitespace_split = True
    lexer.commenters = ""
    words: list[tuple[str, int, int]] = []
    position = 0
    while (word := lexer.get_token()) is not None:
        start = position
        while command[start] in lexer.whitespace:
            start += 1
        position = stream.tell()
        words.append((word, start, position - 1))
    return words


def _process_target(command: str) -> tuple[list[tuple[str, int, int]], int] | None:
    words = shell_words(command)
    if not words:
        return None
    # `PYTHON -m awsprofiles credential-process ...`: what protect writes when no `profiles`
    # script can be found (vault.profiles_program).
    command_at = 3 if [word for word, _, _ in words[1:3]] == ["-m", "awsprofiles"] else 1
    if len(words) < command_at + 2 or words[command_at][0] != "credential-process":
        return None
    program = words[0][0].replace("\\", "/").rsplit("/", 1)[-1]
    if command_at == 1 and program.lower() not in _PROFILES_PROGRAMS:
        return None
    index = command_at + 1
    while index < len(words):
        word = words[index][0]
        if not word.startswith("-") or word == "-":
            return words, index
        index += 2 if word in _VALUE_OPTIONS else 1
    return None


def profiles_process_target(command: str) -> str | None:
    """The profile NAME when ``command`` runs ``profiles credential-process NAME ...``, else None.

    The program is ``profiles`` or any path whose file name is ``profiles``; options may come
    before or after NAME.
    """
    found = _process_target(command)
    return found[0][found[1]][0] if found else None


def retarget_profiles_process(command: str, new_name: str) -> str:
    """``command`` running ``profiles credential-process`` for ``new_name``; every other byte kept."""
    import shlex

    found = _process_target(command)
    if found is None:
        raise ValueError(f"{command!r} does not run 'profiles credential-process NAME'")
    words, index = found
    _, start, end = words[index]
    return command[:start] + shlex.quote(new_name) + command[end:]


def is_keyring_process(command: str) -> bool:
    """Whether a credential_process serves a profile's keys from the OS keyring."""
    found = _process_target(command)
    return found is not None and any(word == FROM_KEYRING for word, _, _ in found[0][2:])


def keyring_process_command(program: list[str], name: str, options: list[str] | None = None) -> str:
    """The credential_process line of a profile whose keys are in the keyring."""
    import shlex

    return shlex.join([*program, "credential-process", name, FROM_KEYRING, *(options or [])])
