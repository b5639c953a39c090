"""Profiles, their kinds, and validation of names, ARNs, keys and values.

Pure: no I/O and no imports of boto3/botocore, so every command can use it cheaply.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from awsprofiles.errors import BadInput

ACCESS_KEY_ID = "aws_access_key_id"
SECRET_ACCESS_KEY = "aws_secret_access_key"
SESSION_TOKEN = "aws_session_token"

#: Keys whose values are secrets: never printed, never passed on a command line.
SECRET_KEYS = frozenset({SECRET_ACCESS_KEY, SESSION_TOKEN})
#: Keys that belong in the credentials file rather than the config file.
CREDENTIAL_KEYS = frozenset({ACCESS_KEY_ID, SECRET_ACCESS_KEY, SESSION_TOKEN})

CREDENTIAL_SOURCES = ("Environment", "Ec2InstanceMetadata", "EcsContainer")
MIN_DURATION, MAX_DURATION = 900, 43200

# A value may be a string, or for nested settings such as ``s3 =`` a mapping of strings.
Value = str | Mapping[str, str]


class Kind(StrEnum):
    """How a profile gets its credentials, derived from its keys as botocore decides it."""

    KEYS = "keys"
    ROLE = "role"
    SSO = "sso"
    PROCESS = "process"
    WEB_IDENTITY = "web-identity"
    OTHER = "other"


def kind_of(values: Mapping[str, Value]) -> Kind:
    """The kind of a profile, in the order botocore's credential resolver tries providers."""
    if "role_arn" in values:
        if "web_identity_token_file" in values and "source_profile" not in values:
            return Kind.WEB_IDENTITY
        return Kind.ROLE
    if "sso_session" in values or "sso_start_url" in values or "sso_account_id" in values:
        return Kind.SSO
    if ACCESS_KEY_ID in values:
        return Kind.KEYS
    if "credential_process" in values:
        return Kind.PROCESS
    return Kind.OTHER


@dataclass(frozen=True)
class Profile:
    """One profile as botocore sees it: its merged values and where each key lives."""

    name: str
    values: Mapping[str, Value]
    #: key -> "config" or "credentials": the file botocore takes the value from.
    origins: Mapping[str, str] = field(default_factory=dict)

    @property
    def kind(self) -> Kind:
        return kind_of(self.values)

    @property
    def source(self) -> str | None:
        """The profile or credential source this profile's role is assumed with."""
        for key in ("source_profile", "credential_source"):
            value = self.values.get(key)
            if isinstance(value, str):
                return value
        return None

    def get(self, key: str) -> str | None:
        value = self.values.get(key)
        return value if isinstance(value, str) else None

    @property
    def files(self) -> list[str]:
        return sorted(set(self.origins.values()))


# Characters that split a line for configparser or for str.splitlines(), and NUL. A value
# containing one could inject a section or a key that botocore would then read.
_LINE_BREAKING = re.compile("[\x00\r\n\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")
_CONTROL = re.compile("[\x00-\x1f\x7f\x85\u2028\u2029]")
# What a terminal's non-UTF-8 bytes become in sys.argv: they cannot be written as UTF-8.
_UNDECODABLE = re.compile("[\ud800-\udfff]")
_KEY_NAME = re.compile(r"^[A-Za-z0-9_\-]+$")
_ACCESS_KEY_ID = re.compile(r"^[A-Z0-9]{16,128}$")
_ACCESS_KEY_PREFIXES = ("AKIA", "ASIA", "AIDA", "AROA", "ABIA", "ACCA")
_PARTITION = r"aws|aws-cn|aws-us-gov|aws-iso(?:-[a-z])?"
ROLE_ARN = re.compile(
    rf"^arn:(?P<partition>{_PARTITION}):iam::(?P<account>\d{{12}}):role/"
    r"(?P<path>(?:[\x21-\x7e]+/)*)(?P<name>[\w+=,.@-]{1,64})$"
)
MFA_SERIAL = re.compile(
    rf"^(?:arn:(?:{_PARTITION}):iam::\d{{12}}:(?:mfa|u2f)/[\w+=,.@/-]+|GAHT[0-9A-Z]+|[A-Z0-9]{{9,64}})$"
)
ACCOUNT_ID = re.compile(r"^\d{12}$")
REGION = re.compile(r"^[a-z]{2}(?:-[a-z]+)+-\d+$")
_SHLEX_WHITESPACE = re.compile("[ \t\r\n]+")
SESSION_NAME = re.compile(r"^[\w+=,.@-]{2,64}$")
START_URL = re.compile(r"^https://[A-Za-z0-9.-]+(?::\d+)?(?:/\S*)?$")
SSO_ROLE_NAME = re.compile(r"^[\w+=,.@-]{1,32}$")


def validate_profile_name(name: str, what: str = "profile name") -> str:
    if not name:
        raise BadInput(f"a {what} cannot be empty")
    if name != name.strip():
        raise BadInput(f"{what} {name!r} starts or ends with white space")
    if _UNDECODABLE.search(name):
        raise BadInput(f"the {what} contains bytes that are not UTF-8; the files are UTF-8")
    if _CONTROL.search(name) or _LINE_BREAKING.search(name):
        raise BadInput(f"{what} {name!r} contains a control character or line break")
    for bad in "[]#;":
        if bad in name:
            raise BadInput(f"{what} {name!r} contains {bad!r}, which the files cannot hold")
    return name


def validate_sso_session_name(name: str) -> str:
    """An ``[sso-session NAME]`` follows the rules of a profile name."""
    return validate_profile_name(name, "sso-session name")


def validate_start_url(url: str) -> str:
    """An IAM Identity Center start URL (the AWS access portal): https://HOST/..."""
    validate_value("sso_start_url", url)
    if not START_URL.match(url):
        raise BadInput(
            f"{url!r} is not an AWS access portal URL: expected https://HOST/start (e.g. "
            "https://my-company.awsapps.com/start)"
        )
    return url


def validate_sso_role_name(name: str) -> str:
    """A permission set's name, as IAM Identity Center accepts it."""
    if not SSO_ROLE_NAME.match(name):
        raise BadInput(f"{name!r} is not a permission set name (1-32 letters, digits and +=,.@_-)")
    return name


def validate_key_name(key: str) -> str:
    if not key or not _KEY_NAME.match(key):
        raise BadInput(
            f"key {key!r} is not a valid setting name (letters, digits, '_' and '-' only; "
            "nested keys such as s3.x are edited by hand)"
        )
    return key.lower()


def validate_value(key: str, value: str) -> str:
    """A value safe to write: nothing in it can start a new line in either parser."""
    shown = "the value" if key in SECRET_KEYS else f"value {value!r}"
    if _UNDECODABLE.search(value):
        raise BadInput(f"the value for {key} contains bytes that are not UTF-8; the files are UTF-8")
    if _LINE_BREAKING.search(value):
        raise BadInput(f"{shown} for {key} contains a line break or NUL character")
    if value != value.strip():
        # configparser strips values; a padded value would not read back as written.
        raise BadInput(f"{shown} for {key} starts or ends with white space")
    if _CONTROL.search(value):
        raise BadInput(f"{shown} for {key} contains a control character")
    return value


def validate_access_key_id(key_id: str) -> list[str]:
    """Raise on a malformed access key ID; return warnings for an unusual one."""
    if not _ACCESS_KEY_ID.match(key_id):
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
    if any(ch.isspace() for ch in secret) or _CONTROL.search(secret) or _UNDECODABLE.search(secret):
        raise BadInput("the secret access key contains white space, control characters or non-UTF-8 bytes")
    return secret


def validate_role_arn(arn: str) -> str:
    if not ROLE_ARN.match(arn):
        raise BadInput(
            f"{arn!r} is not a role ARN: expected arn:PARTITION:iam::ACCOUNT:role/[PATH/]NAME "
            "with a 12-digit account"
        )
    return arn


def validate_mfa_serial(serial: str) -> str:
    if not MFA_SERIAL.match(serial):
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
    if not ACCOUNT_ID.match(account):
        raise BadInput(f"{account!r} is not an AWS account ID (12 digits)")
    return account


def validate_credential_source(source: str) -> str:
    if source not in CREDENTIAL_SOURCES:
        raise BadInput(f"credential source {source!r} is not one of {', '.join(CREDENTIAL_SOURCES)}")
    return source


def region_warnings(region: str) -> list[str]:
    """Unknown regions only warn: new regions appear faster than any list is updated."""
    if REGION.match(region):
        return []
    return [f"{region!r} does not look like an AWS region name (e.g. eu-west-1)"]


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
        try:
            parts = shlex.split(section)
        except ValueError:
            return None
    else:
        # Without quotes or backslashes, shlex.split only splits at these four characters.
        parts = _SHLEX_WHITESPACE.split(section.strip(" \t\r\n"))
    return parts[1] if len(parts) == 2 else None
