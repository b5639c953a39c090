"""The profile graph's chains held against botocore's own credential resolution.

For generated files (roles over roles, a role that is its own source, loops, missing sources,
credential_source, web identity, SSO, credential_process lines, keyring lines, stray settings),
every profile is resolved twice: by `graph.chain`, and by botocore's real provider chain in a
session made by `aws.session.make_session`. Nothing leaves the process: the session's
``create_client`` (what botocore's AssumeRole, web identity and SSO fetchers call) gives
clients that answer from a log, and the credential_process starter (`aws.session.starter`)
answers without starting anything. Each answer's credentials say where they come from
(``keys:NAME``, ``process:NAME``, ``keyring:NAME:ITEM``, ``sso:NAME``, ``web:NAME``, ``env``),
and the AssumeRole calls say which roles were assumed, in which order, with which credentials.

With ``processes``, a ``profiles credential-process NAME`` line resolves NAME as that process
would (a botocore resolution of its own), refusing a NAME already being resolved, as
`using.enter` does.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import botocore.exceptions
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from awsprofiles import graph, model, store
from awsprofiles.aws import session as sessions
from awsprofiles.aws import sso

NAMES = ("a", "b", "c", "d")
TARGETS = (*NAMES, "gone")
ACCOUNT = "123456789012"
SESSION = "team"
START_URL = "https://team.awsapps.com/start"
FAR = datetime(2099, 1, 1, tzinfo=UTC)


def role_arn(name: str) -> str:
    return f"arn:aws:iam::{ACCOUNT}:role/{name}"


def keys(name: str) -> dict[str, str]:
    return {model.ACCESS_KEY_ID: f"keys:{name}", model.SECRET_ACCESS_KEY: "secret"}


# Each shape: the profile's settings in the config file and in the credentials file.
Shape = Callable[[str, str, Path], tuple[dict[str, str], dict[str, str]]]
SHAPES: dict[str, Shape] = {
    "keys": lambda n, t, d: ({}, keys(n)),
    "keys in config": lambda n, t, d: (keys(n), {}),
    "secret alone": lambda n, t, d: ({}, {model.SECRET_ACCESS_KEY: "secret"}),
    "key id alone": lambda n, t, d: ({}, {model.ACCESS_KEY_ID: f"keys:{n}"}),
    "role": lambda n, t, d: ({"role_arn": role_arn(n), "source_profile": t}, {}),
    "role with keys": lambda n, t, d: ({"role_arn": role_arn(n), "source_profile": t}, keys(n)),
    "role with a secret": lambda n, t, d: (
        {"role_arn": role_arn(n), "source_profile": t},
        {model.SECRET_ACCESS_KEY: "secret"},
    ),
    "role with SSO": lambda n, t, d: (
        {"role_arn": role_arn(n), "source_profile": t, **sso_settings(n)},
        {},
    ),
    "role with keys and SSO": lambda n, t, d: (
        {"role_arn": role_arn(n), "source_profile": t, **sso_settings(n)},
        keys(n),
    ),
    "credential_source": lambda n, t, d: ({"role_arn": role_arn(n), "credential_source": "Environment"}, {}),
    "both sources": lambda n, t, d: (
        {"role_arn": role_arn(n), "source_profile": t, "credential_source": "Environment"},
        {},
    ),
    "no source": lambda n, t, d: ({"role_arn": role_arn(n)}, {}),
    "web identity": lambda n, t, d: (
        {"role_arn": role_arn(n), "web_identity_token_file": str(d / "token")},
        {},
    ),
    "web identity with a source": lambda n, t, d: (
        {"role_arn": role_arn(n), "web_identity_token_file": str(d / "token"), "source_profile": t},
        {},
    ),
    "sso": lambda n, t, d: (sso_settings(n), {}),
    "process": lambda n, t, d: ({"credential_process": f"/opt/tool/get-keys {n}"}, {}),
    "profiles process": lambda n, t, d: ({"credential_process": f"profiles credential-process {t}"}, {}),
    "keyring": lambda n, t, d: (
        {"credential_process": f"/usr/bin/profiles credential-process {t} --from-keyring"},
        {},
    ),
    "keys and a process": lambda n, t, d: ({"credential_process": f"/opt/tool/get-keys {n}"}, keys(n)),
    "keys in config and a process": lambda n, t, d: (
        {**keys(n), "credential_process": f"/opt/tool/get-keys {n}"},
        {},
    ),
    # botocore's SSO provider starts only on sso_role_name or sso_account_id: else the keys are used.
    "keys and sso_session": lambda n, t, d: ({"sso_session": SESSION}, keys(n)),
    "keys and sso_start_url": lambda n, t, d: ({"sso_start_url": START_URL}, keys(n)),
    "keys and sso_role_name": lambda n, t, d: ({"sso_role_name": n}, keys(n)),
    "region": lambda n, t, d: ({"region": "eu-west-1"}, {}),
    "stray source_profile": lambda n, t, d: ({"region": "eu-west-1", "source_profile": t}, {}),
}


def sso_settings(name: str) -> dict[str, str]:
    return {"sso_session": SESSION, "sso_account_id": ACCOUNT, "sso_role_name": name}


def write_files(folder: Path, chosen: dict[str, tuple[str, str]]) -> store.Paths:
    config = [f"[sso-session {SESSION}]\nsso_start_url = {START_URL}\nsso_region = eu-west-1\n"]
    credentials = []
    for name, (shape, target) in chosen.items():
        in_config, in_credentials = SHAPES[shape](name, target, folder)
        config.append(f"[profile {name}]\n" + "".join(f"{k} = {v}\n" for k, v in in_config.items()))
        if in_credentials:
            credentials.append(f"[{name}]\n" + "".join(f"{k} = {v}\n" for k, v in in_credentials.items()))
    (folder / "config").write_text("".join(config))
    (folder / "credentials").write_text("".join(credentials))
    paths = store.Paths(folder / "config", folder / "credentials")
    (folder / "token").write_text("a web identity token")
    return paths


# --------------------------------------------------------------------------- botocore, answering locally


class _Loop(Exception):
    """`profiles credential-process NAME` for a NAME being resolved already (using.enter)."""


class _NoCredentials(Exception):
    """`profiles credential-process NAME` for a NAME botocore finds no credentials for."""


def _credentials(key_id: str) -> dict[str, Any]:
    return {"AccessKeyId": key_id, "SecretAccessKey": "s", "SessionToken": "t", "Expiration": FAR}


def _name_of(arn: str) -> str:
    return arn.rsplit("/", 1)[-1]


@dataclass
class Resolution:
    """What botocore did: the AssumeRole calls (the key that signed, the role's profile), the
    credential_process runs (the profile), in order."""

    paths: store.Paths
    processes: bool
    assumed: list[tuple[str, str]] = field(default_factory=list)
    ran: list[str] = field(default_factory=list)
    resolving: list[str] = field(default_factory=list)

    def client(self, service: str, **kwargs: Any) -> Any:
        log = self
        signer = kwargs.get("aws_access_key_id")

        class Client:
            def assume_role(self, **call: Any) -> dict[str, Any]:
                log.assumed.append((str(signer), _name_of(call["RoleArn"])))
                return {"Credentials": _credentials(f"role:{_name_of(call['RoleArn'])}")}

            def assume_role_with_web_identity(self, **call: Any) -> dict[str, Any]:
                return {"Credentials": _credentials(f"web:{_name_of(call['RoleArn'])}")}

            def get_role_credentials(self, **call: Any) -> dict[str, Any]:
                return {
                    "roleCredentials": {
                        "accessKeyId": f"sso:{call['roleName']}",
                        "secretAccessKey": "s",
                        "sessionToken": "t",
                        "expiration": int(FAR.timestamp() * 1000),
                    }
                }

        assert service in ("sts", "sso"), service
        return Client()

    def starter(self, profile: str, no_prompt: bool = False) -> Callable[..., Any]:
        def start(args: list[str], **kwargs: Any) -> Any:
            self.ran.append(profile)
            command = " ".join(args)
            target = model.profiles_process_target(command)
            if target is not None and model.is_keyring_process(command):
                key_id = f"keyring:{profile}:{target}"
            elif target is not None and self.processes:
                key_id = self.resolve_process(target)
            else:
                key_id = f"process:{profile}"
            output = json.dumps({"Version": 1, "AccessKeyId": key_id, "SecretAccessKey": "s"}).encode()

            class Finished:
                returncode = 0

                def communicate(self, *args: Any, **kwargs: Any) -> tuple[bytes, bytes]:
                    return output, b""

            return Finished()

        return start

    def resolve_process(self, name: str) -> str:
        if name in self.resolving:
            raise _Loop(name)
        self.resolving.append(name)
        try:
            return self.resolve(name)
        finally:
            self.resolving.pop()

    def resolve(self, name: str) -> str:
        """The key ID of the credentials botocore gives ``name``."""
        session = sessions.make_session(self.paths, name)
        session.create_client = self.client
        sessions.wire_credential_process(session)
        credentials = session.get_credentials()
        if credentials is None:
            raise _NoCredentials(name)
        return str(credentials.get_frozen_credentials().access_key)


@pytest.fixture
def local_processes(monkeypatch: pytest.MonkeyPatch) -> list[Resolution]:
    """`aws.session.starter` answering for the Resolution under way (the last one)."""
    under_way: list[Resolution] = []
    monkeypatch.setattr(sessions, "starter", lambda profile, no_prompt=False: under_way[-1].starter(profile))
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "env")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "from-the-environment")
    return under_way


def sign_in(folder: Path) -> None:
    """A valid SSO token for the session, where botocore's SSO provider reads it."""
    token = sso.Token(START_URL, "eu-west-1", "access-token", FAR)
    sso.save_token(sso.SsoSession(SESSION, START_URL, "eu-west-1"), token)


# --------------------------------------------------------------------------- the answers compared

_ORIGINS = {
    "keys": graph.Provider.KEYS,
    "process": graph.Provider.PROCESS,
    "keyring": graph.Provider.KEYRING,
    "sso": graph.Provider.SSO,
    "web": graph.Provider.WEB_IDENTITY,
}


def botocore_answer(resolution: Resolution, name: str) -> tuple[Any, ...]:
    """What botocore did for ``name``: a failure, or (links, end, provider) from the calls."""
    try:
        final = resolution.resolve(name)
    except botocore.exceptions.InfiniteLoopConfigError:
        return ("loop",)
    except _Loop:
        return ("loop",)
    except botocore.exceptions.ProfileNotFound:
        return ("missing",)
    except botocore.exceptions.InvalidConfigError as error:
        return ("missing",) if "does not exist" in str(error) else ("invalid",)
    except botocore.exceptions.PartialCredentialsError:
        return ("invalid",)
    except _NoCredentials:
        return ("none",)
    if resolution.processes:
        first = resolution.assumed[0][0] if resolution.assumed else final
        kind, _, rest = first.partition(":")
        end = resolution.assumed[0][1] if kind == "env" else rest.split(":")[0]
        provider = graph.Provider.CREDENTIAL_SOURCE if kind == "env" else _ORIGINS[kind]
        profiles = {role for _, role in resolution.assumed} | set(resolution.ran) | {end}
        return ("credentials", frozenset(profiles), end, provider)
    roles = [role for _, role in reversed(resolution.assumed)]
    first = resolution.assumed[0][0] if resolution.assumed else final
    kind, _, rest = first.partition(":")
    if kind == "env":
        return ("credentials", tuple(roles), roles[-1], graph.Provider.CREDENTIAL_SOURCE)
    end = rest.split(":")[0]
    return ("credentials", (*roles, end), end, _ORIGINS[kind])


def graph_answer(snapshot: store.Snapshot, name: str, processes: bool) -> tuple[Any, ...]:
    """What botocore must do for ``name``, by the graph: the chain's failure, else its end."""
    found = graph.chain(snapshot, name, processes=processes)
    if found.loop:
        return ("loop",)
    if found.missing is not None:
        return ("missing",)
    if found.sourceless is not None or found.end is None or found.provider is None:
        return ("invalid",)
    end = snapshot.profile(found.end)
    assert end is not None
    if found.provider is graph.Provider.KEYS:
        # botocore reads the key ID and its secret from the file the key ID is in.
        where = end.origins[model.ACCESS_KEY_ID]
        if end.origins.get(model.SECRET_ACCESS_KEY) != where:
            return ("invalid",)
    if found.provider is graph.Provider.SSO:
        # botocore's SSO provider refuses a profile without all it requires (sso_role_name alone).
        session = end.get("sso_session")
        if model.sso_missing(end.values, snapshot.sso_sessions().get(session or "")):
            return ("invalid",)
    if found.provider is graph.Provider.NONE:
        # A profile resolved on its own finds nothing; a source without credentials is an error.
        started_here = len(found.links) == 1 or len(found.links) - 1 in found.hops
        return ("none",) if started_here else ("invalid",)
    if processes:
        return ("credentials", frozenset(found.links), found.end, found.provider)
    return ("credentials", found.links, found.end, found.provider)


profile_shapes = st.fixed_dictionaries(
    {name: st.tuples(st.sampled_from(sorted(SHAPES)), st.sampled_from(TARGETS)) for name in NAMES}
)


def compare(chosen: dict[str, tuple[str, str]], under_way: list[Resolution], processes: bool) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        paths = write_files(Path(tmp), chosen)
        snapshot = store.load(paths)
        for name in NAMES:
            resolution = Resolution(paths, processes)
            under_way.append(resolution)
            expected = graph_answer(snapshot, name, processes)
            assert botocore_answer(resolution, name) == expected, (name, chosen)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(chosen=profile_shapes, processes=st.booleans())
def test_the_chain_is_the_one_botocore_resolves(
    chosen: dict[str, tuple[str, str]], processes: bool, local_processes: list[Resolution], home: Any
) -> None:
    """With ``processes``, through the ``profiles credential-process NAME`` lines too."""
    sign_in(home.root)
    compare(chosen, local_processes, processes=processes)


@pytest.mark.parametrize("processes", [False, True])
@pytest.mark.parametrize(
    "chosen",
    [
        pytest.param({"a": ("role", "a")}, id="own source without keys"),
        pytest.param({"a": ("role with a secret", "a")}, id="own source with a secret alone"),
        pytest.param({"a": ("role with keys", "a")}, id="own source with keys"),
        pytest.param({"a": ("role", "b"), "b": ("role with keys", "a")}, id="a source role with keys"),
        pytest.param({"a": ("web identity with a source", "b"), "b": ("keys", "a")}, id="web identity"),
        pytest.param({"a": ("role", "b"), "b": ("keyring", "c"), "c": ("region", "a")}, id="keyring"),
        pytest.param({"a": ("profiles process", "b"), "b": ("role", "a")}, id="process loop"),
        pytest.param({"a": ("role with keys", "b"), "b": ("profiles process", "a")}, id="process back"),
        pytest.param(
            {"a": ("role with keys", "b"), "b": ("profiles process", "c"), "c": ("role", "a")},
            id="a source again, read for its keys",
        ),
    ],
)
def test_chains_botocore_resolves_differently_from_the_old_walkers(
    chosen: dict[str, tuple[str, str]], processes: bool, local_processes: list[Resolution], home: Any
) -> None:
    sign_in(home.root)
    chosen = {**{name: ("region", "a") for name in NAMES}, **chosen}
    compare(chosen, local_processes, processes=processes)


_KINDS = {
    graph.Provider.KEYS: model.Kind.KEYS,
    graph.Provider.PROCESS: model.Kind.PROCESS,
    graph.Provider.KEYRING: model.Kind.KEYRING,
    graph.Provider.SSO: model.Kind.SSO,
    graph.Provider.WEB_IDENTITY: model.Kind.WEB_IDENTITY,
    graph.Provider.CREDENTIAL_SOURCE: model.Kind.ROLE,
}


def compare_kinds(chosen: dict[str, tuple[str, str]], under_way: list[Resolution]) -> None:
    """A profile's kind (what `list` and `check` show) is how botocore gets its credentials: a role
    it assumes, else the provider that gives the profile's own credentials."""
    with tempfile.TemporaryDirectory() as tmp:
        paths = write_files(Path(tmp), chosen)
        snapshot = store.load(paths)
        for name in NAMES:
            resolution = Resolution(paths, processes=False)
            under_way.append(resolution)
            answer = botocore_answer(resolution, name)
            if answer[0] != "credentials":
                continue
            _, links, _, provider = answer
            expected = model.Kind.ROLE if len(links) > 1 else _KINDS[provider]
            profile = snapshot.profile(name)
            assert profile is not None
            assert (name, profile.kind) == (name, expected), chosen


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(chosen=profile_shapes)
def test_the_kind_is_how_botocore_gets_the_credentials(
    chosen: dict[str, tuple[str, str]], local_processes: list[Resolution], home: Any
) -> None:
    sign_in(home.root)
    compare_kinds(chosen, local_processes)


@pytest.mark.parametrize(
    "shape",
    [
        "keys and sso_session",
        "keys and sso_start_url",
        "keys in config and a process",
        "web identity with a source",
    ],
)
def test_kinds_the_audit_found_wrong(shape: str, local_processes: list[Resolution], home: Any) -> None:
    sign_in(home.root)
    compare_kinds({**{name: ("keys", "a") for name in NAMES}, "a": (shape, "b")}, local_processes)
