"""The profile graph's answers on small, readable cases (tests/test_graph_botocore.py holds them
against botocore over generated files)."""

from __future__ import annotations

from collections.abc import Mapping

import pytest

from awsprofiles import graph
from awsprofiles.graph import Chain, Holder, ProfileMap, Provider
from awsprofiles.model import Profile, Value

ROLE = "arn:aws:iam::123456789012:role/r"
KEYS = {"aws_access_key_id": "AKIAEXAMPLEEXAMPLE01", "aws_secret_access_key": "s"}


def role(source: str, **more: str) -> dict[str, str]:
    return {"role_arn": ROLE, "source_profile": source, **more}


def of(**profiles: Mapping[str, Value]) -> ProfileMap:
    return ProfileMap(profiles)


@pytest.mark.parametrize(
    ("profiles", "expected"),
    [
        pytest.param(of(a=KEYS), Chain(("a",), "a", Provider.KEYS), id="keys"),
        pytest.param(of(a=role("b"), b=KEYS), Chain(("a", "b"), "b", Provider.KEYS), id="role over keys"),
        pytest.param(
            of(a=role("b"), b=role("c"), c=KEYS), Chain(("a", "b", "c"), "c", Provider.KEYS), id="two roles"
        ),
        pytest.param(of(a=role("a", **KEYS)), Chain(("a", "a"), "a", Provider.KEYS), id="own source"),
        pytest.param(
            of(a=role("a", aws_secret_access_key="s")),
            Chain(("a", "a"), "a", Provider.NONE),
            id="own source with a secret alone",
        ),
        pytest.param(of(a=role("a")), Chain(("a", "a"), loop=True), id="own source without keys"),
        pytest.param(of(a=role("b"), b=role("a")), Chain(("a", "b", "a"), loop=True), id="loop"),
        pytest.param(
            of(a=role("b"), b=role("b", **KEYS)),
            Chain(("a", "b"), "b", Provider.KEYS),
            id="source role with keys",
        ),
        pytest.param(of(a=role("b")), Chain(("a", "b"), missing="b"), id="missing source"),
        pytest.param(of(a={"role_arn": ROLE}), Chain(("a",), sourceless="a"), id="no source"),
        pytest.param(
            of(a=role("b", credential_source="Environment"), b=KEYS),
            Chain(("a",), sourceless="a"),
            id="two sources",
        ),
        pytest.param(
            of(a={"role_arn": ROLE, "credential_source": "Environment"}),
            Chain(("a",), "a", Provider.CREDENTIAL_SOURCE),
            id="credential_source",
        ),
        pytest.param(
            of(a=role("b", web_identity_token_file="/t"), b=KEYS),
            Chain(("a",), "a", Provider.WEB_IDENTITY),
            id="web identity ignores source_profile",
        ),
        pytest.param(
            of(a={"sso_session": "s", "sso_account_id": "123456789012", "sso_role_name": "r"}),
            Chain(("a",), "a", Provider.SSO),
            id="sso",
        ),
        pytest.param(
            of(a={"region": "eu-west-1", "source_profile": "b"}),
            Chain(("a",), "a", Provider.NONE),
            id="stray",
        ),
        pytest.param(
            of(a={"credential_process": "profiles credential-process a --from-keyring"}),
            Chain(("a",), "a", Provider.KEYRING),
            id="keyring",
        ),
        pytest.param(
            of(a={"credential_process": "profiles credential-process b"}, b=KEYS),
            Chain(("a",), "a", Provider.PROCESS),
            id="a profiles process is a process to botocore",
        ),
        pytest.param(of(), Chain(("a",), missing="a"), id="no such profile"),
    ],
)
def test_chain(profiles: ProfileMap, expected: Chain) -> None:
    assert graph.chain(profiles, "a") == expected


def test_keys_in_the_config_file_come_after_a_credential_process() -> None:
    values = {**KEYS, "credential_process": "/bin/tool"}
    in_config = Profile("a", values, dict.fromkeys(values, "config"))
    in_credentials = Profile(
        "a", values, {**dict.fromkeys(KEYS, "credentials"), "credential_process": "config"}
    )
    assert graph.provider_of(in_config) is Provider.PROCESS
    assert graph.provider_of(in_credentials) is Provider.KEYS


@pytest.mark.parametrize(
    ("profiles", "expected"),
    [
        pytest.param(
            of(a={"credential_process": "profiles credential-process b"}, b=role("c"), c=KEYS),
            Chain(("a", "b", "c"), "c", Provider.KEYS, hops=(1,)),
            id="through a profiles process",
        ),
        pytest.param(
            of(a={"credential_process": "/usr/bin/profiles credential-process b --no-cache"}, b=role("a")),
            Chain(("a", "b", "a", "b"), loop=True, hops=(1, 3)),
            id="process loop",
        ),
        pytest.param(
            of(a={"credential_process": "profiles credential-process a"}),
            Chain(("a", "a"), loop=True, hops=(1,)),
            id="runs itself",
        ),
        pytest.param(
            of(a=role("b", **KEYS), b={"credential_process": "profiles credential-process a"}),
            Chain(("a", "b", "a"), loop=True, hops=(2,)),
            id="runs the profile it resolves",
        ),
        pytest.param(
            of(a=role("b", **KEYS), b={"credential_process": "profiles credential-process c"}, c=role("a")),
            Chain(("a", "b", "c", "a"), "a", Provider.KEYS, hops=(2,)),
            id="a source again, read for its keys",
        ),
        pytest.param(
            of(a={"credential_process": "profiles credential-process gone"}),
            Chain(("a", "gone"), missing="gone", hops=(1,)),
            id="runs a missing profile",
        ),
        pytest.param(
            of(a={"credential_process": "profiles credential-process b --from-keyring"}),
            Chain(("a",), "a", Provider.KEYRING),
            id="a keyring item is no hop",
        ),
    ],
)
def test_chain_through_processes(profiles: ProfileMap, expected: Chain) -> None:
    assert graph.chain(profiles, "a", processes=True) == expected


def test_key_holder_is_where_the_chain_ends() -> None:
    profiles = of(a=role("b"), b=role("c", **KEYS), c=KEYS, d=role("d"), e=role("f"))
    assert graph.key_holder(profiles, "a") == "b"
    assert graph.key_holder(profiles, "c") == "c"
    assert graph.key_holder(profiles, "d") is None
    assert graph.key_holder(profiles, "e") is None


@pytest.mark.parametrize(
    ("profiles", "name", "source", "expected"),
    [
        (of(b=KEYS), "a", "b", None),
        (of(a=KEYS), "a", "a", None),
        (of(a={"aws_secret_access_key": "s"}), "a", "a", None),
        (of(a={"region": "x"}), "a", "a", ("a", "a")),
        # a ring botocore would not follow yet (b holds keys) is refused all the same
        (of(a=KEYS, b=role("a", **KEYS)), "a", "b", ("a", "b", "a")),
        (of(b=role("c"), c=role("b")), "a", "b", ("a", "b", "c", "b")),
        (of(b=role("gone")), "a", "b", None),
    ],
)
def test_source_cycle(profiles: ProfileMap, name: str, source: str, expected: tuple[str, ...] | None) -> None:
    assert graph.source_cycle(profiles, name, source) == expected


def test_cycles_are_each_reported_once() -> None:
    assert graph.cycles({"a": "b", "b": "a", "c": "a", "d": "e", "e": "d", "f": "g"}) == [
        ("a", "b", "a"),
        ("d", "e", "d"),
    ]


def test_holders_of_a_key_in_the_files_and_in_keyring_items() -> None:
    profiles = of(
        alice=KEYS,
        default=KEYS,
        vault={"credential_process": "profiles credential-process vault --from-keyring"},
        shared={"credential_process": "profiles credential-process vault --from-keyring"},
        other={"aws_access_key_id": "AKIAOTHEROTHEROTHER1", "aws_secret_access_key": "s"},
        role=role("alice"),
    )
    items = {"vault": KEYS["aws_access_key_id"]}
    read: list[str] = []

    def item_key_id(name: str) -> str | None:
        read.append(name)
        return items.get(name)

    key_id = KEYS["aws_access_key_id"]
    assert graph.holders(profiles, key_id) == [Holder("alice"), Holder("default")]
    assert graph.holders(profiles, key_id, item_key_id) == [
        Holder("alice"),
        Holder("default"),
        Holder("vault", "vault"),
        Holder("shared", "vault"),
    ]
    assert read == ["vault"]  # each item read once


def test_references_and_retargeting() -> None:
    values = {
        "source_profile": "old",
        "credential_process": "/usr/bin/profiles credential-process 'old' --duration 900",
        "region": "old",
    }
    assert graph.named_profiles(values) == {"source_profile": "old", "credential_process": "old"}
    assert graph.retarget(values, "old", "new one") == {
        "source_profile": "new one",
        "credential_process": "/usr/bin/profiles credential-process 'new one' --duration 900",
    }
    assert graph.retarget(values, "other", "new") == {}
    assert graph.named_profiles({"credential_process": "/bin/tool old"}) == {}
    profiles = of(
        old=role("old"),
        a=role("old"),
        b={"credential_process": "profiles credential-process old --from-keyring"},
        c=role("b"),
    )
    assert graph.referrers(profiles, "old") == ["a"]
    assert graph.referrers(profiles, "old", "credential_process") == ["b"]


def test_keyring_items() -> None:
    own = Profile("a", {"credential_process": "profiles credential-process a --from-keyring"})
    other = Profile("b", {"credential_process": "profiles credential-process a --from-keyring"})
    plain = Profile("c", {"credential_process": "profiles credential-process a"})
    assert [graph.keyring_item(p) for p in (own, other, plain)] == ["a", "a", None]
    assert [graph.keeps_own_keyring_item(p) for p in (own, other, plain, None)] == [True, False, False, False]
    assert [graph.process_target(p) for p in (own, other, plain)] == [None, None, "a"]


@pytest.mark.parametrize(
    ("values", "source"),
    [
        pytest.param(role("alice"), "alice", id="role"),
        pytest.param(
            {"role_arn": ROLE, "credential_source": "Environment"}, "Environment", id="credential_source"
        ),
        # botocore's AssumeRoleProvider skips a web identity role: its source_profile is never followed.
        pytest.param(role("alice", web_identity_token_file="/tmp/t"), None, id="web identity"),
        pytest.param({**KEYS, "source_profile": "alice"}, None, id="stray source_profile"),
    ],
)
def test_a_profiles_source_is_the_one_botocore_assumes_its_role_with(
    values: dict[str, str], source: str | None
) -> None:
    assert Profile("a", values).source == source
