"""What every edit of a profile checks first: values of a known form, the profile being there,
one kind of credentials per profile, no source_profile cycle."""

from __future__ import annotations

from collections.abc import Callable

from awsprofiles import graph, model, store
from awsprofiles.aws import regions
from awsprofiles.errors import BadInput, Refused
from awsprofiles.model import Kind


def _strict(validate: Callable[[str], object]) -> Callable[[str], list[str]]:
    def check(value: str) -> list[str]:
        validate(value)
        return []

    return check


#: Validators for values whose form is known; each raises BadInput or returns warnings.
VALUE_CHECKS: dict[str, Callable[[str], list[str]]] = {
    "role_arn": _strict(model.validate_role_arn),
    "mfa_serial": _strict(model.validate_mfa_serial),
    "credential_source": _strict(model.validate_credential_source),
    "region": regions.region_warnings,
    "sso_region": regions.region_warnings,
    "sso_start_url": _strict(model.validate_start_url),
    "sso_account_id": _strict(model.validate_account_id),
    "aws_access_key_id": model.validate_access_key_id,
}


def check_value(key: str, value: str) -> list[str]:
    model.validate_value(key, value)
    if key == "duration_seconds":
        if not value.isdigit():
            raise BadInput(f"duration_seconds must be a whole number of seconds, not {value!r}")
        model.validate_duration(int(value))
    check = VALUE_CHECKS.get(key)
    return check(value) if check else []


#: How each kind of profile gets its credentials, for a refusal that names it.
KIND_WORDS = {
    Kind.KEYS: "holds an access key",
    Kind.ROLE: "assumes a role (role_arn)",
    Kind.WEB_IDENTITY: "assumes a role with a web identity token",
    Kind.SSO: "signs in with IAM Identity Center (sso_*)",
    Kind.PROCESS: "gets its credentials from a credential_process",
}


def refuse_second_kind(snapshot: store.Snapshot, name: str, adding: Kind, fix: str) -> None:
    """add-user --force on a role (add-role on a keys profile...) would leave two kinds of credentials,
    of which botocore uses one and silently ignores the other: refuse and say how to convert."""
    profile = snapshot.profile(name)
    others = [kind for kind in profile.credential_kinds if kind is not adding] if profile else []
    if profile is None or not others:
        return
    # botocore's order of providers decides which of the two it would use.
    marker = model.ACCESS_KEY_ID if adding is Kind.KEYS else "role_arn"
    used = model.kind_of({**profile.values, marker: ""})
    ignored = adding if used is not adding else others[0]
    raise Refused(
        f"profile {name!r} {KIND_WORDS[others[0]]}; with {model.KIND_NOUNS[adding]} added, botocore "
        f"would use {model.KIND_NOUNS[used]} and ignore {model.KIND_NOUNS[ignored]}. {fix}To turn "
        f"{name!r} into a {adding.value} profile, remove it first ('profiles remove {name}') and "
        "add it again"
    )


def half_pair(remaining: set[str]) -> str | None:
    """The key left without its partner when only one of the pair remains, else None."""
    pair = {model.ACCESS_KEY_ID, model.SECRET_ACCESS_KEY}
    left = remaining & pair
    return next(iter(left)) if len(left) == 1 else None


def refuse_source_cycle(snapshot: store.Snapshot, name: str, source: str) -> None:
    """Refuse ``source_profile = source`` for ``name`` when it closes a ring (`graph.source_cycle`)."""
    cycle = graph.source_cycle(snapshot, name, source)
    if cycle:
        raise BadInput(f"source_profile would form a cycle: {' -> '.join(cycle)}")
