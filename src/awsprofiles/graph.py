"""The profile graph: how profiles lead to one another's credentials, decided in one place.

Pure, like `model`: no I/O, no store, no botocore. Whatever follows a ``source_profile``, looks
for the profile that holds a key, or looks for the profiles that name another asks here:

* `chain`: the profiles botocore goes through to get a profile's credentials, where it ends
  (the profile whose own credentials are used, and which of botocore's providers gives them),
  or why it cannot end (a loop, a missing profile, a role with no source or two). With
  ``processes``, the chain goes on through the ``profiles credential-process NAME`` a
  credential_process runs, as that process resolves NAME in turn.
* `source_cycle`: the ring of ``source_profile`` lines a new one would close (what editing refuses).
* `holders`: the profiles that hold an access key ID, in the files or in keyring items.
* `named_profiles`, `retarget`, `referrers`: the settings that name a profile, and the same
  settings naming another (rename).

The rules are botocore's: ``AssumeRoleProvider`` follows ``source_profile`` from a role (a
profile with ``role_arn`` and no ``web_identity_token_file``); a source that holds static keys
(either half of a key pair) or is no role is resolved by its own providers, in the order of
``ProfileProviderBuilder``; a profile may be its own source only at the start of a chain and only
when it holds static keys. tests/test_graph_botocore.py holds these answers against botocore's
own credential resolution over generated files.
"""

from __future__ import annotations

from enum import StrEnum

from awsprofiles.model import (
    ACCESS_KEY_ID,
    SECRET_ACCESS_KEY,
    Kind,
    Profile,
    is_keyring_process,
    profiles_process_target,
    provider_kind,
    retarget_profiles_process,
)
from awsprofiles.records import Frozen

TYPE_CHECKING = False  # typing itself is not imported at run time (see awsprofiles.records)
if TYPE_CHECKING:
    from collections.abc import Callable, Mapping
    from typing import Final, Protocol

    from awsprofiles.model import Value

    class Profiles(Protocol):
        """Where the graph finds profiles: a `store.Snapshot`, or `ProfileMap`."""

        def profile(self, name: str) -> Profile | None: ...

        def names(self) -> list[str]: ...


SOURCE_PROFILE = "source_profile"
CREDENTIAL_SOURCE = "credential_source"
CREDENTIAL_PROCESS = "credential_process"


class ProfileMap:
    """Profiles given by their values (botocore's ``full_config["profiles"]``, a manifest's roles).

    Which file each value came from is unknown here: keys count as the credentials file's.
    """

    def __init__(self, profiles: Mapping[str, Mapping[str, Value]]) -> None:
        self._profiles = profiles

    def profile(self, name: str) -> Profile | None:
        values = self._profiles.get(name)
        return None if values is None else Profile(name, values)

    def names(self) -> list[str]:
        return list(self._profiles)


class Provider(StrEnum):
    """What gives the end of a chain its credentials: botocore's provider, in its order."""

    #: A role's credential_source (Environment, Ec2InstanceMetadata, EcsContainer).
    CREDENTIAL_SOURCE = "credential_source"
    WEB_IDENTITY = "web identity"
    SSO = "sso"
    #: An access key in the files (the credentials file's before a credential_process, the
    #: config file's after it).
    KEYS = "keys"
    LOGIN = "login"
    PROCESS = "credential_process"
    #: ``profiles credential-process NAME --from-keyring``: the key in NAME's keyring item.
    KEYRING = "keyring"
    #: Nothing: botocore finds no credentials in the profile.
    NONE = "none"


def has_static_keys(values: Mapping[str, Value]) -> bool:
    """botocore's "has static credentials" (``AssumeRoleProvider._has_static_credentials``): either
    half of a key pair. It decides whether a source is read for its own credentials and whether a
    profile may be its own source."""
    return ACCESS_KEY_ID in values or SECRET_ACCESS_KEY in values


def assumes_role(values: Mapping[str, Value]) -> bool:
    """Whether botocore's AssumeRoleProvider takes the profile (a web identity role is another's)."""
    return "role_arn" in values and "web_identity_token_file" not in values


def provider_of(profile: Profile) -> Provider:
    """The provider botocore gets the profile's own credentials from (`model.provider_kind`:
    ``ProfileProviderBuilder``'s order), as the source of a role or as a profile that assumes no role."""
    kind = provider_kind(profile.values, profile.origins)
    if kind is Kind.OTHER:
        return Provider.LOGIN if "login_session" in profile.values else Provider.NONE
    return _PROVIDERS[kind]


_PROVIDERS = {
    Kind.WEB_IDENTITY: Provider.WEB_IDENTITY,
    Kind.SSO: Provider.SSO,
    Kind.KEYS: Provider.KEYS,
    Kind.PROCESS: Provider.PROCESS,
    Kind.KEYRING: Provider.KEYRING,
}


def keyring_item(profile: Profile) -> str | None:
    """The profile whose keyring item holds ``profile``'s key: NAME of its ``profiles
    credential-process NAME --from-keyring`` (usually itself), else None."""
    command = profile.values.get(CREDENTIAL_PROCESS)
    if not isinstance(command, str) or not is_keyring_process(command):
        return None
    return profiles_process_target(command)


def keeps_own_keyring_item(profile: Profile | None) -> bool:
    """Whether ``profile``'s key is in its own keyring item (its keyring credential_process names itself)."""
    return profile is not None and profile.kind is Kind.KEYRING and keyring_item(profile) == profile.name


def process_target(profile: Profile) -> str | None:
    """NAME, when the profile's credential_process runs ``profiles credential-process NAME`` to
    resolve NAME's credentials (not a keyring item's: `keyring_item`)."""
    command = profile.values.get(CREDENTIAL_PROCESS)
    if not isinstance(command, str) or keyring_item(profile) is not None:
        return None
    return profiles_process_target(command)


class Chain(Frozen):
    """How a profile gets its credentials: the profiles on the way, and where it ends."""

    __slots__ = ("links", "end", "provider", "loop", "missing", "sourceless", "hops")

    def __init__(
        self,
        links: tuple[str, ...],
        end: str | None = None,
        provider: Provider | None = None,
        loop: bool = False,
        missing: str | None = None,
        sourceless: str | None = None,
        hops: tuple[int, ...] = (),
    ) -> None:
        #: The profiles in the order they are resolved, the profile itself first; one that is its
        #: own source appears twice. When the chain loops, it ends with the profile met again;
        #: when a profile is missing, with its name.
        self.links: Final = links
        #: The profile whose own credentials are used; None when the chain cannot end.
        self.end: Final = end
        #: What gives ``end`` its credentials; None when the chain cannot end.
        self.provider: Final = provider
        self.loop: Final = loop
        #: A profile a source_profile (or a ``profiles credential-process NAME``) names that does
        #: not exist.
        self.missing: Final = missing
        #: A role botocore refuses to assume: it has both source_profile and credential_source, or
        #: neither.
        self.sourceless: Final = sourceless
        #: The positions in ``links`` reached by running ``profiles credential-process NAME``
        #: (processes=True).
        self.hops: Final = hops

    @property
    def sources(self) -> tuple[str, ...]:
        """The profiles after the first (for a role, its source first)."""
        return self.links[1:]


def _source_settings(profile: Profile) -> tuple[Value | None, Value | None]:
    return profile.values.get(SOURCE_PROFILE), profile.values.get(CREDENTIAL_SOURCE)


def chain(profiles: Profiles, name: str, *, processes: bool = False) -> Chain:
    """The chain botocore resolves for ``name`` (``botocore.credentials.AssumeRoleProvider``).

    A role (``role_arn``, no ``web_identity_token_file``) is assumed with the credentials of its
    ``source_profile``; that source, when it holds static keys or is no role, gives its own
    credentials (`provider_of`), else it is a role assumed in turn. A profile met again is a
    loop, except a role that is its own source and holds static keys, at the start of a chain.
    With ``processes``, a ``profiles credential-process NAME`` at the end resolves NAME afresh
    (the process it starts), and the chain goes on there; NAME met again is a loop.
    """
    links = [name]
    hops: list[int] = []
    visited = [name]  # the profiles of this botocore resolution (AssumeRoleProvider._visited_profiles)
    current = profiles.profile(name)
    if current is None:
        return Chain((name,), missing=name)
    first = True
    while True:
        values = current.values
        if assumes_role(values) and (first or not has_static_keys(values)):
            source, credential_source = _source_settings(current)
            if (source is None) == (credential_source is None) or (
                source is not None and not isinstance(source, str)
            ):
                return Chain(tuple(links), sourceless=current.name, hops=tuple(hops))
            if source is None:
                return Chain(tuple(links), current.name, Provider.CREDENTIAL_SOURCE, hops=tuple(hops))
            assert isinstance(source, str)
            following = profiles.profile(source)
            links.append(source)
            if following is None:
                return Chain(tuple(links), missing=source, hops=tuple(hops))
            if source in visited and (source != current.name or not has_static_keys(following.values)):
                return Chain(tuple(links), loop=True, hops=tuple(hops))
            visited.append(source)
            current, first = following, False
            continue
        provider = provider_of(current)
        target = process_target(current) if processes and provider is Provider.PROCESS else None
        if target is None:
            return Chain(tuple(links), current.name, provider, hops=tuple(hops))
        following = profiles.profile(target)
        links.append(target)
        hops.append(len(links) - 1)
        if following is None:
            return Chain(tuple(links), missing=target, hops=tuple(hops))
        if target in links[:-1]:
            return Chain(tuple(links), loop=True, hops=tuple(hops))
        visited = [target]
        current, first = following, True


def sourceless_problem(profile: Profile) -> str:
    """What is wrong with a role that has both source_profile and credential_source, or neither
    (`Chain.sourceless`), and the fix: check's lint and botocore's refusal say the same."""
    name = profile.name
    if SOURCE_PROFILE in profile.values:
        return (
            "role profile has both source_profile and credential_source; it needs exactly one "
            f"('profiles unset {name} source_profile' or 'profiles unset {name} credential_source')"
        )
    return (
        "role profile has neither source_profile nor credential_source; it needs exactly one "
        f"('profiles set {name} source_profile SOURCE')"
    )


def missing_source_problem(name: str, source: str) -> str:
    """``name``'s source_profile names no profile (`Chain.missing`), and the fix."""
    return (
        f"source_profile {source!r} names no profile; add it, or name another "
        f"('profiles set {name} source_profile SOURCE')"
    )


def key_holder(profiles: Profiles, name: str) -> str | None:
    """The profile whose own credentials start ``name``'s chain: for a role over Bob's key, Bob;
    for a profile that assumes no role through another, ``name`` itself. None when the chain
    cannot end (a loop, a missing profile, a role without a source)."""
    return chain(profiles, name).end


def source_cycle(profiles: Profiles, name: str, source: str) -> tuple[str, ...] | None:
    """The ring of ``source_profile`` lines that ``name``'s ``source_profile = source`` would
    close: ``(name, source, ..., name)``, or None.

    Every source_profile line counts, also one botocore would not follow today (on a profile
    that is no role yet, or that holds keys): such a ring breaks as soon as one of its profiles
    becomes a role. A profile may be its own source when it holds static keys (botocore's rule).
    """
    links = [name]
    current: str | None = source
    while current is not None:
        if current in links:
            own = profiles.profile(name)
            if current == name == source and own is not None and has_static_keys(own.values):
                return None
            return (*links, current)
        links.append(current)
        found = profiles.profile(current)
        following = found.values.get(SOURCE_PROFILE) if found is not None else None
        current = following if isinstance(following, str) else None
    return None


def cycles(sources: Mapping[str, str]) -> list[tuple[str, ...]]:
    """Each ring of ``sources`` (name -> the name it points to) once, as ``(a, b, ..., a)``, in
    the order of the names that reach it first."""
    found: list[tuple[str, ...]] = []
    reported: set[str] = set()
    for start in sources:
        links = [start]
        current = sources[start]
        while current in sources and current not in links:
            links.append(current)
            current = sources[current]
        if current in links and current not in reported:
            ring = links[links.index(current) :]
            reported.update(ring)
            found.append((*ring, current))
    return found


# --------------------------------------------------------------------------- keys


class Holder(Frozen):
    """A profile that holds an access key, and where."""

    __slots__ = ("profile", "item")

    def __init__(self, profile: str, item: str | None = None) -> None:
        self.profile: Final = profile
        #: The profile whose keyring item holds the key; None when the key is in the files.
        self.item: Final = item


def holders(
    profiles: Profiles, key_id: str, item_key_id: Callable[[str], str | None] | None = None
) -> list[Holder]:
    """Every profile that holds access key ``key_id`` as its own: in the files, or in the keyring
    item its ``profiles credential-process NAME --from-keyring`` reads. ``item_key_id`` reads the
    key ID of NAME's item (None: no item); without it, keyring items are not looked at."""
    found = []
    items: dict[str, str | None] = {}
    for name in profiles.names():
        profile = profiles.profile(name)
        if profile is None:
            continue
        if profile.values.get(ACCESS_KEY_ID) == key_id:
            found.append(Holder(name))
            continue
        item = keyring_item(profile)
        if item is None or item_key_id is None:
            continue
        if item not in items:
            items[item] = item_key_id(item)
        if items[item] == key_id:
            found.append(Holder(name, item))
    return found


# --------------------------------------------------------------------------- references


def named_profiles(values: Mapping[str, Value]) -> dict[str, str]:
    """The settings of ``values`` that name a profile, and the profile each names: its
    ``source_profile``, and the NAME of a credential_process that runs ``profiles
    credential-process NAME`` (a keyring item's included)."""
    named = {}
    source = values.get(SOURCE_PROFILE)
    if isinstance(source, str):
        named[SOURCE_PROFILE] = source
    command = values.get(CREDENTIAL_PROCESS)
    target = profiles_process_target(command) if isinstance(command, str) else None
    if target is not None:
        named[CREDENTIAL_PROCESS] = target
    return named


def retarget(values: Mapping[str, Value], old: str, new: str) -> dict[str, str]:
    """The settings of ``values`` that name profile ``old``, each as it names ``new`` instead
    (every other byte of a credential_process kept)."""
    changed = {}
    for key, named in named_profiles(values).items():
        if named != old:
            continue
        if key == SOURCE_PROFILE:
            changed[key] = new
        else:
            command = values[key]
            assert isinstance(command, str)
            changed[key] = retarget_profiles_process(command, new)
    return changed


def referrers(profiles: Profiles, name: str, key: str = SOURCE_PROFILE) -> list[str]:
    """The other profiles whose ``key`` (`named_profiles`: source_profile or credential_process)
    names ``name``."""
    found = []
    for other in profiles.names():
        profile = profiles.profile(other)
        if other != name and profile is not None and named_profiles(profile.values).get(key) == name:
            found.append(other)
    return found
