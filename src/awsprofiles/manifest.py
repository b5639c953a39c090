"""The team manifest: a TOML file that says which profiles an engineer of the team needs.

Pure: reads text, returns a validated ``Manifest`` or raises ``ManifestInvalid`` listing every
problem with its line. tomllib gives no positions for values, so a small scanner finds the line
of each table and key; a value it cannot place is reported at its table's line.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from awsprofiles import graph, model, store
from awsprofiles.aws import regions
from awsprofiles.errors import BadInput

SOURCE_KEYS = frozenset({"profile", "region", "mfa_serial", "keyring"})
DEFAULT_KEYS = frozenset({"region", "duration_seconds", "role_session_name"})
ROLE_KEYS = frozenset(
    {
        "profile",
        "role_arn",
        "account_id",
        "role_name",
        "region",
        "mfa_serial",
        "external_id",
        "duration_seconds",
        "role_session_name",
        "source",
        "kind",
    }
)
SSO_KEYS = frozenset({"start_url", "region", "session"})
#: Keys of a [[roles]] entry that only an IAM role (assumed with AssumeRole) can have.
IAM_ONLY_KEYS = ("role_arn", "source", "mfa_serial", "external_id", "duration_seconds", "role_session_name")
TOP_KEYS = ("source", "sso", "defaults", "roles")


class ManifestInvalid(BadInput):
    """The manifest has one or more problems; ``problems`` holds each with its line."""

    def __init__(self, path: str, problems: list[str]) -> None:
        count = f"{len(problems)} problem{'s' if len(problems) != 1 else ''}"
        super().__init__(f"{path} is not a valid team manifest ({count}); nothing was written")
        self.problems = problems


@dataclass(frozen=True)
class SourceSpec:
    profile: str
    region: str | None = None
    mfa_serial: str | None = None
    #: keep the access key in the OS keyring (``keyring = true``)
    keyring: bool = False


@dataclass(frozen=True)
class SsoSpec:
    """The team's IAM Identity Center: ``session`` None lets onboard reuse or name one."""

    start_url: str
    region: str
    session: str | None = None


@dataclass(frozen=True)
class RoleSpec:
    """One role profile, with defaults already applied: ``values`` is what goes in the file."""

    profile: str
    line: int
    values: Mapping[str, str] = field(default_factory=dict)
    #: its mfa_serial is [source]'s, copied because botocore asks only for a role's own device
    mfa_from_source: bool = False
    #: an SSO role: ``values`` hold sso_account_id and sso_role_name; sso_session is added by onboard
    sso: bool = False


@dataclass(frozen=True)
class Manifest:
    path: str
    source: SourceSpec
    roles: tuple[RoleSpec, ...]
    warnings: tuple[str, ...] = ()
    sso: SsoSpec | None = None

    def profile_names(self) -> list[str]:
        names = [self.source.profile] if self.source.profile else []
        return [*names, *(role.profile for role in self.roles)]


# --------------------------------------------------------------------------- line finding

_ARRAY_HEADER = re.compile(r"^\s*\[\[\s*(?P<name>[^\]]+?)\s*\]\]")
_TABLE_HEADER = re.compile(r"^\s*\[\s*(?P<name>[^\]\[]+?)\s*\]")
_KEY = re.compile(r"""^\s*(?P<key>[A-Za-z0-9_\-]+|"[^"]*"|'[^']*')\s*=""")


class Lines:
    """Where each table and key of the manifest starts, found by scanning its text."""

    def __init__(self, text: str) -> None:
        # (table, index) -> header line; (table, index, key) -> line
        self.tables: dict[tuple[str, int], int] = {}
        self.keys: dict[tuple[str, int, str], int] = {}
        counts: dict[str, int] = {}
        table, index = "", 0
        in_multiline = False
        for number, line in enumerate(text.splitlines(), start=1):
            if in_multiline:
                if line.count('"""') % 2 == 1 or line.count("'''") % 2 == 1:
                    in_multiline = False
                continue
            array = _ARRAY_HEADER.match(line)
            header = _TABLE_HEADER.match(line) if not array else None
            if array:
                table = _unquote(array.group("name"))
                index = counts.get(table, 0)
                counts[table] = index + 1
                self.tables.setdefault((table, index), number)
            elif header:
                table, index = _unquote(header.group("name")), 0
                self.tables.setdefault((table, index), number)
            else:
                key = _KEY.match(line)
                if key:
                    self.keys.setdefault((table, index, _unquote(key.group("key"))), number)
            if line.count('"""') % 2 == 1 or line.count("'''") % 2 == 1:
                in_multiline = True

    def of(self, table: str, index: int = 0, key: str | None = None) -> int:
        if key is not None:
            found = self.keys.get((table, index, key))
            if found is None and table:
                # A dotted or inline form (roles = [{...}]) the scanner cannot place exactly.
                found = self.keys.get(("", 0, table))
            if found is not None:
                return found
        return self.tables.get((table, index)) or self.keys.get(("", 0, table)) or 1


def _unquote(name: str) -> str:
    name = name.strip()
    if len(name) >= 2 and name[0] == name[-1] and name[0] in "\"'":
        return name[1:-1]
    return name


# --------------------------------------------------------------------------- validation


class _Problems:
    def __init__(self, path: str, lines: Lines) -> None:
        self.path = path
        self.lines = lines
        self.found: list[tuple[int, str]] = []

    def add(self, line: int, message: str) -> None:
        self.found.append((line, message))

    def raise_if_any(self) -> None:
        if self.found:
            ordered = sorted(self.found, key=lambda item: item[0])
            raise ManifestInvalid(self.path, [f"{self.path} line {line}: {msg}" for line, msg in ordered])


def _text(
    problems: _Problems,
    table: Mapping[str, Any],
    key: str,
    line: int,
    check: Callable[[str], object] | None = None,
) -> str | None:
    value = table.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        problems.add(line, f"{key} must be a string in quotes, not {type(value).__name__}")
        return None
    try:
        model.validate_value(key, value)
        if check is not None:
            check(value)
    except BadInput as error:
        problems.add(line, error.message)
        return None
    return value


def _duration(problems: _Problems, table: Mapping[str, Any], line: int) -> int | None:
    value = table.get("duration_seconds")
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        problems.add(line, f"duration_seconds must be a whole number of seconds, not {value!r}")
        return None
    try:
        return model.validate_duration(value)
    except BadInput as error:
        problems.add(line, error.message)
        return None


def _session_name(value: str) -> str:
    if not re.match(model.SESSION_NAME, value):
        raise BadInput(f"role_session_name {value!r} must be 2-64 characters of letters, digits and +=,.@-")
    return value


def _external_id(value: str) -> str:
    if not 2 <= len(value) <= 1224:
        raise BadInput("external_id must be 2 to 1224 characters")
    return value


def _role_name(value: str) -> str:
    return model.validate_role_name(value, "role_name ")


def _unknown_keys(
    problems: _Problems, table: Mapping[str, Any], allowed: frozenset[str], name: str, index: int, label: str
) -> None:
    for key in table:
        if key not in allowed:
            problems.add(
                problems.lines.of(name, index, key),
                f"unknown key {key!r} in {label} (allowed: {', '.join(sorted(allowed))})",
            )


def _table(problems: _Problems, document: Mapping[str, Any], name: str) -> Mapping[str, Any] | None:
    value = document.get(name)
    if value is None:
        return None
    if not isinstance(value, dict):
        problems.add(problems.lines.of(name), f"{name} must be a table ([{name}])")
        return None
    return value


def parse(text: str, path: str = "manifest") -> Manifest:
    """Validate the manifest as a whole; raise ManifestInvalid with every problem found."""
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        found = re.search(r"line (\d+)", str(error))
        line = int(found.group(1)) if found else 1
        reason = re.sub(r"\s*\(at line \d+, column \d+\)", "", str(error))
        raise ManifestInvalid(path, [f"{path} line {line}: not valid TOML: {reason}"]) from None
    except RecursionError:  # tomllib nests a call per [ or {
        raise ManifestInvalid(path, [f"{path}: not valid TOML: arrays or tables nested too deep"]) from None
    lines = Lines(text)
    problems = _Problems(path, lines)
    warnings: list[str] = []

    for key in document:
        if key not in TOP_KEYS:
            problems.add(
                lines.of(key) if (key, 0) in lines.tables else lines.of("", 0, key),
                f"unknown table or key {key!r} (allowed: [source], [sso], [defaults], [[roles]])",
            )

    sso = _sso(problems, document, warnings)
    source_table = _table(problems, document, "source")
    source = SourceSpec(profile="")
    if source_table is None:
        if "source" not in document and "sso" not in document:
            problems.add(
                1,
                "missing [source] table with the profile that holds your access key "
                "(or [sso] for IAM Identity Center)",
            )
    else:
        _unknown_keys(problems, source_table, SOURCE_KEYS, "source", 0, "[source]")
        where = lines.of("source")
        if "profile" not in source_table:
            problems.add(where, "[source] needs profile = NAME (the profile that holds your access key)")
        name = _text(problems, source_table, "profile", lines.of("source", 0, "profile"), _profile_name)
        region = _text(problems, source_table, "region", lines.of("source", 0, "region"))
        mfa = _text(
            problems,
            source_table,
            "mfa_serial",
            lines.of("source", 0, "mfa_serial"),
            model.validate_mfa_serial,
        )
        if region:
            warnings += [
                f"{path} line {lines.of('source', 0, 'region')}: {w}" for w in regions.region_warnings(region)
            ]
        keyring = source_table.get("keyring", False)
        if not isinstance(keyring, bool):
            problems.add(lines.of("source", 0, "keyring"), f"keyring must be true or false, not {keyring!r}")
            keyring = False
        source = SourceSpec(name or "", region, mfa, keyring)

    defaults_table = _table(problems, document, "defaults") or {}
    _unknown_keys(problems, defaults_table, DEFAULT_KEYS, "defaults", 0, "[defaults]")
    default_region = _text(problems, defaults_table, "region", lines.of("defaults", 0, "region"))
    default_duration = _duration(problems, defaults_table, lines.of("defaults", 0, "duration_seconds"))
    default_session = _text(
        problems,
        defaults_table,
        "role_session_name",
        lines.of("defaults", 0, "role_session_name"),
        _session_name,
    )

    raw_roles = document.get("roles", [])
    if not isinstance(raw_roles, list):
        problems.add(lines.of("roles"), "roles must be an array of tables ([[roles]])")
        raw_roles = []

    roles: list[RoleSpec] = []
    sources: dict[str, tuple[str, int]] = {}  # role profile -> (its source, its line)
    seen: dict[str, int] = {}
    if source.profile:
        seen[source.profile] = lines.of("source", 0, "profile")
    for index, entry in enumerate(raw_roles):
        where = lines.of("roles", index)
        if not isinstance(entry, dict):
            problems.add(where, "each [[roles]] entry must be a table")
            continue

        def at(key: str, index: int = index) -> int:
            return lines.of("roles", index, key)

        _unknown_keys(problems, entry, ROLE_KEYS, "roles", index, "[[roles]]")
        name = _text(problems, entry, "profile", at("profile"), _profile_name)
        if "profile" not in entry:
            problems.add(where, "[[roles]] entry needs profile = NAME")
        if name:
            if name in seen:
                problems.add(at("profile"), f"profile {name!r} appears twice (first on line {seen[name]})")
            else:
                seen[name] = at("profile")
        if _is_sso_role(problems, entry, at, "sso" in document, source_table is not None):
            sso_values = _sso_role(problems, entry, at)
            region = _text(problems, entry, "region", at("region")) or default_region
            if region:
                sso_values["region"] = region
                warnings += [f"{path} line {at('region')}: {w}" for w in regions.region_warnings(region)]
            if name:
                roles.append(RoleSpec(name, where, sso_values, sso=True))
            continue
        if source_table is None and "source" not in entry:
            problems.add(
                where,
                "an IAM role needs a [source] profile, or source = a profile of this manifest, to assume it",
            )
        role_arn = _role_arn(problems, entry, at)
        values: dict[str, str] = {}
        if role_arn:
            values["role_arn"] = role_arn
        chain = _text(problems, entry, "source", at("source"), _profile_name)
        values["source_profile"] = chain or source.profile
        if name and chain and chain != source.profile:
            sources[name] = (chain, at("source"))
        mfa = _text(problems, entry, "mfa_serial", at("mfa_serial"), model.validate_mfa_serial)
        if mfa or (source.mfa_serial and not chain):
            # botocore asks for a code only when the role profile itself names the device.
            values["mfa_serial"] = mfa or source.mfa_serial or ""
        external_id = _text(problems, entry, "external_id", at("external_id"), _external_id)
        if external_id:
            values["external_id"] = external_id
        own = _text(problems, entry, "region", at("region")) or default_region
        region, _ = model.new_role_region(own, source.profile, source.region)
        if region:
            values["region"] = region
            warnings += [f"{path} line {at('region')}: {w}" for w in regions.region_warnings(region)]
        duration = _duration(problems, entry, at("duration_seconds")) or default_duration
        if duration:
            values["duration_seconds"] = str(duration)
        session = _text(problems, entry, "role_session_name", at("role_session_name"), _session_name)
        if session or default_session:
            values["role_session_name"] = session or default_session or ""
        if name:
            roles.append(
                RoleSpec(name, where, values, mfa_from_source=bool(values.get("mfa_serial")) and not mfa)
            )

    names = {role.profile for role in roles}
    for name, (chain, line) in sources.items():
        if chain not in names:
            known = ", ".join(sorted(names | {source.profile} - {""})) or "none"
            problems.add(
                line, f"source {chain!r} of profile {name!r} is not a profile of this manifest ({known})"
            )
    for cycle in graph.cycles({name: chain for name, (chain, _) in sources.items()}):
        problems.add(sources[cycle[0]][1], f"source chain forms a cycle: {' -> '.join(cycle)}")
    problems.raise_if_any()
    return Manifest(path, source, tuple(roles), tuple(warnings), sso)


def _sso(problems: _Problems, document: Mapping[str, Any], warnings: list[str]) -> SsoSpec | None:
    table = _table(problems, document, "sso")
    if table is None:
        return None
    lines = problems.lines
    _unknown_keys(problems, table, SSO_KEYS, "sso", 0, "[sso]")
    for key in ("start_url", "region"):
        if key not in table:
            problems.add(lines.of("sso"), f"[sso] needs {key}")
    start_url = _text(problems, table, "start_url", lines.of("sso", 0, "start_url"), model.validate_start_url)
    region = _text(problems, table, "region", lines.of("sso", 0, "region"))
    session = _text(
        problems, table, "session", lines.of("sso", 0, "session"), model.validate_sso_session_name
    )
    if region:
        warnings += [
            f"{problems.path} line {lines.of('sso', 0, 'region')}: {w}"
            for w in regions.region_warnings(region)
        ]
    if not start_url or not region:
        return None
    return SsoSpec(start_url, region, session)


def _is_sso_role(
    problems: _Problems,
    entry: Mapping[str, Any],
    at: Callable[[str], int],
    has_sso: bool,
    has_source: bool,
) -> bool:
    """Whether a [[roles]] entry is an SSO role: kind = 'sso', or by the manifest's tables."""
    kind = entry.get("kind")
    if kind is not None and kind not in ("sso", "iam"):
        problems.add(at("kind"), f"kind must be 'sso' or 'iam', not {kind!r}")
        return False
    if kind is None:
        if "role_arn" in entry or not has_sso:
            return False
        if has_source:
            problems.add(
                at("profile") if "profile" in entry else problems.lines.of("roles"),
                "with both [source] and [sso], say kind = 'sso' (IAM Identity Center) or kind = 'iam'",
            )
            return False
        kind = "sso"
    if kind == "iam":
        return False
    if not has_sso:
        problems.add(at("kind"), "kind = 'sso' needs an [sso] table with start_url and region")
    for key in IAM_ONLY_KEYS:
        if key in entry:
            problems.add(at(key), f"{key} does not apply to an SSO role (kind = 'sso')")
    return True


def _sso_role(problems: _Problems, entry: Mapping[str, Any], at: Callable[[str], int]) -> dict[str, str]:
    values: dict[str, str] = {}
    for key in ("account_id", "role_name"):
        if key not in entry:
            problems.add(at("profile") if "profile" in entry else at(key), f"an SSO role needs {key}")
    account = entry.get("account_id")
    if isinstance(account, int) and not isinstance(account, bool):
        account = f"{account:012d}"
    account = _text(
        problems, {"account_id": account}, "account_id", at("account_id"), model.validate_account_id
    )
    role_name = _text(problems, entry, "role_name", at("role_name"), model.validate_sso_role_name)
    if account:
        values["sso_account_id"] = account
    if role_name:
        values["sso_role_name"] = role_name
    return values


def _profile_name(value: str) -> str:
    return model.validate_profile_name(value)


def _role_arn(problems: _Problems, entry: Mapping[str, Any], at: Callable[[str], int]) -> str | None:
    has_arn = "role_arn" in entry
    has_account = "account_id" in entry or "role_name" in entry
    if has_arn and has_account:
        problems.add(at("role_arn"), "give either role_arn or account_id + role_name, not both")
        return None
    if has_arn:
        return _text(problems, entry, "role_arn", at("role_arn"), model.validate_role_arn)
    if not has_account:
        problems.add(
            at("profile") if "profile" in entry else problems.lines.of("roles"),
            "role needs role_arn = ARN, or account_id = '123456789012' and role_name = NAME",
        )
        return None
    if "account_id" not in entry or "role_name" not in entry:
        missing = "account_id" if "account_id" not in entry else "role_name"
        present = "role_name" if missing == "account_id" else "account_id"
        problems.add(at(present), f"{present} needs {missing} too (or give role_arn instead)")
        return None
    account = entry["account_id"]
    if isinstance(account, int) and not isinstance(account, bool):
        account = f"{account:012d}"  # written without quotes; TOML dropped no digits unless it began with 0
    account = _text(
        problems, {"account_id": account}, "account_id", at("account_id"), model.validate_account_id
    )
    role_name = _text(problems, entry, "role_name", at("role_name"), _role_name)
    if account and role_name:
        return f"arn:aws:iam::{account}:role/{role_name}"
    return None


def load(path: Path) -> Manifest:
    return parse(store.read_input(path, "manifest"), str(path))
