"""Who a profile is: botocore's own credential chain, then STS GetCallerIdentity.

Every failure becomes a `CheckFailed` with a stable code, classified by `awsprofiles.aws.errors`
as for ``profiles env``: never botocore's text, whose strings can quote request data, secrets included.
"""

from __future__ import annotations

import contextlib
import copy
import threading
from collections.abc import Iterator, MutableMapping
from dataclasses import dataclass
from typing import Any

from botocore.loaders import create_loader

from awsprofiles import graph
from awsprofiles.aws.credentials import mfa_prompter
from awsprofiles.aws.errors import (
    ENVIRONMENT,
    Endpoint,
    Origin,
    assume_denied_message,
    classify,
    no_credentials,
    not_aws,
    origin_of,
)
from awsprofiles.aws.session import (
    ATTEMPTS,
    DEFAULT_REGION,
    builtin_events,
    client_with_key,
    ignore_environment_profile,
    make_session,
    share_parsed_files,
    waits,
    wire_assume_role,
)
from awsprofiles.errors import CheckFailed, said_of
from awsprofiles.model import Credentials
from awsprofiles.store import Paths, Snapshot


@dataclass(frozen=True)
class Identity:
    account: str
    arn: str
    user_id: str

    @property
    def partition(self) -> str:
        return self.arn.split(":")[1]

    @property
    def iam_user_name(self) -> str | None:
        """The IAM user's name when the identity is one (``arn:...:user/[path/]NAME``)."""
        resource = self.arn.split(":", 5)[5] if self.arn.count(":") >= 5 else ""
        if resource.startswith("user/"):
            return resource.rsplit("/", 1)[1]
        return None


class _ScopedCache(MutableMapping[str, Any]):
    """One namespace of a shared assumed-role cache.

    botocore keys assumed-role credentials by the role's arguments only; scoping the keys by the
    chain of source profiles keeps two different sources of one role apart, while profiles that
    share a chain share its intermediate roles' credentials.
    """

    def __init__(self, store: dict[tuple[tuple[str, ...], str], Any], scope: tuple[str, ...]) -> None:
        self._store = store
        self._scope = scope

    def __getitem__(self, key: str) -> Any:
        return self._store[(self._scope, key)]

    def __setitem__(self, key: str, value: Any) -> None:
        self._store[(self._scope, key)] = value

    def __delitem__(self, key: str) -> None:
        del self._store[(self._scope, key)]

    def __iter__(self) -> Iterator[str]:
        return (key for scope, key in list(self._store) if scope == self._scope)

    def __len__(self) -> int:
        return sum(1 for _ in self)


def identify(
    paths: Paths,
    profile: str,
    credentials: Credentials,
    timeout: float | None = 10.0,
    *,
    region: str | None = None,
    new: bool = False,
    wait_longer: str | None = None,
) -> Identity:
    """Who ``credentials`` (obtained for ``profile``) are: STS GetCallerIdentity, with a client
    configured like the profile (its region, endpoint; ``region`` instead) that signs with them.
    ``new``: the files do not have the profile yet (a key given to onboard for it).
    ``wait_longer``: what the command offers after a timeout (`classify`)."""
    config = waits(timeout)
    try:
        sts = client_with_key(
            paths,
            None if new else profile,
            "sts",
            credentials.access_key_id,
            credentials.secret_access_key,
            region,
            token=credentials.session_token,
            config=config,
        )
        reply = sts.get_caller_identity()
    except Exception as error:
        raise classify(error, profile, timeout=timeout, wait_longer=wait_longer) from None
    return Identity(str(reply["Account"]), str(reply["Arn"]), str(reply["UserId"]))


@dataclass(frozen=True)
class _Base:
    events: Any
    loader: Any
    full_config: dict[str, Any]


class Resolver:
    """Resolves and identifies many profiles of one pair of files, sharing what botocore allows.

    One data loader (service models, endpoint rules: the costly part of a botocore session) is
    shared by every session, and assumed-role credentials are cached per source chain, so fifty
    roles over one source resolve that source's chain once.
    """

    def __init__(
        self,
        paths: Paths,
        timeout: float | None = None,
        attempts: int = ATTEMPTS,
        snapshot: Snapshot | None = None,
        processes_may_prompt: bool = True,
        wait_longer: str | None = None,
    ) -> None:
        self.paths = paths
        #: False: the credential_processes it starts are told never to ask for an MFA code.
        self.processes_may_prompt = processes_may_prompt
        #: The files as the caller read them: botocore is given them instead of parsing them again.
        self.snapshot = snapshot
        #: One call with its retry fits in ``timeout`` seconds; None: as the AWS CLI waits (`waits`).
        self.timeout = timeout
        #: What the command offers to wait longer, said when a call times out (`classify`).
        self.wait_longer = wait_longer
        self._config = waits(timeout, attempts)
        self._base: _Base | None = None
        self._base_lock = threading.Lock()
        self._assumed: dict[tuple[tuple[str, ...], str], Any] = {}
        self._identities: dict[str, Identity | CheckFailed] = {}
        self._scopes_lock = threading.Lock()
        self._scope_locks: dict[tuple[str, ...], threading.Lock] = {}
        self._warmed: set[tuple[str, ...]] = set()
        #: where each profile's (or, under "", the environment's) credentials came from
        self._origins: dict[str, Origin | None] = {}

    def base(self) -> _Base:
        """What every session shares, made once from a first session of the two files."""
        with self._base_lock:
            if self._base is None:
                first = make_session(self.paths, snapshot=self.snapshot)
                # Every profile of the files is checked whatever AWS_PROFILE says (even a stale one).
                ignore_environment_profile(first)
                self._base = _Base(
                    # botocore keeps the emitter with its built-in handlers here; a copy of it
                    # is what botocore itself gives each client.
                    builtin_events(first),
                    create_loader(first.get_config_variable("data_path")),
                    first.full_config,
                )
            return self._base

    def warm(self) -> None:
        """Load now, once, the data every STS client of this resolver reads (endpoints, partitions,
        STS's model and endpoint rules), before a long run of sessions and clients shares it."""
        loader = self.base().loader
        with contextlib.suppress(Exception):  # only an optimisation: a client loads what it needs
            loader.load_data("endpoints")
            loader.load_data("partitions")
            loader.load_service_model("sts", "service-2")
            loader.load_service_model("sts", "endpoint-rule-set-1")

    def profiles(self) -> dict[str, dict[str, Any]]:
        return dict(self.base().full_config.get("profiles", {}))

    def source_chain(self, profile: str) -> tuple[str, ...]:
        """The profiles ``profile``'s credentials are made from (`graph.chain`), its source first."""
        return graph.chain(graph.ProfileMap(self.profiles()), profile).sources

    def session(self, profile: str | None, scope: tuple[str, ...] | None = None) -> Any:
        """A botocore session for ``profile`` (None: as the CLI without --profile).

        ``scope`` names the assumed-role cache to use: by default the profile's source chain.
        """
        base = self.base()
        events = copy.copy(base.events) if base.events is not None else None
        session = make_session(self.paths, profile, events=events)
        # The files are parsed once for all profiles.
        share_parsed_files(session, base.full_config, self.snapshot)
        session.register_component("data_loader", base.loader)
        if self._config is not None:
            session.set_default_client_config(self._config)
        name = session.get_config_variable("profile") or "default"
        if scope is None:
            scope = self.source_chain(name)
        # A check never waits on a terminal.
        wire_assume_role(
            session,
            cache=_ScopedCache(self._assumed, scope),
            prompter=mfa_prompter(name, None, can_prompt=False),
            no_prompt=not self.processes_may_prompt,
        )
        return session

    def _warm_source_chain(self, profile: str) -> None:
        """Assume a chain's intermediate roles once, for every profile that shares that chain.

        Without this, profiles checked at the same time over one role source would each miss the
        cache and assume the source role again. Failures are left for the profile's own check.
        """
        scope = self.source_chain(profile)
        profiles = self.profiles()
        if not scope or "role_arn" not in profiles.get(scope[0], {}):
            return
        with self._scopes_lock:
            lock = self._scope_locks.setdefault(scope, threading.Lock())
        with lock:
            if scope in self._warmed:
                return
            self._warmed.add(scope)
            try:
                credentials = self.session(scope[0], scope).get_credentials()
                if credentials is not None:
                    credentials.get_frozen_credentials()
            except Exception:  # noqa: S110  (reported by the profile's own check)
                pass

    def region(self, session: Any) -> str:
        return str(session.get_config_variable("region") or DEFAULT_REGION)

    def client(self, profile: str | None, service: str) -> Any:
        """A client with the profile's credentials; raises CheckFailed if it has none."""
        return self._client(profile, service)[1]

    def _client(self, profile: str | None, service: str) -> tuple[str, Any]:
        """The profile used (None: the one botocore chose, AWS_DEFAULT_PROFILE, AWS_PROFILE or
        default) and a client with its credentials."""
        shown = profile or "default"
        origin: Origin | None = None
        try:
            session = self.session(profile)
            shown = profile or session.get_config_variable("profile") or "default"
            origin = origin_of(shown, self.profiles())
            credentials = session.get_credentials()
            if credentials is None:
                raise no_credentials(shown, exists=shown in self.profiles())
            if getattr(credentials, "method", None) == "env":
                origin = ENVIRONMENT
            self._origins[profile or ""] = origin
            return shown, session.create_client(service, region_name=self.region(session))
        except Exception as error:
            # botocore raises while building the chain too (e.g. an invalid setting value).
            raise self.explain(error, shown, origin) from None

    def whoami(self, profile: str | None) -> Identity:
        """STS GetCallerIdentity with the profile's credentials."""
        key = profile or ""
        cached = self._identities.get(key)
        if cached is None:
            try:
                cached = self._whoami(profile)
            except CheckFailed as error:
                cached = error
            self._identities[key] = cached
        if isinstance(cached, CheckFailed):
            raise cached
        return cached

    def _whoami(self, profile: str | None) -> Identity:
        if profile is not None:
            self._warm_source_chain(profile)
        shown, sts = self._client(profile, "sts")
        try:
            reply = sts.get_caller_identity()
        except Exception as error:
            raise self.explain(error, shown, self._origins.get(profile or "")) from None
        if not all(isinstance(reply.get(key), str) for key in ("Account", "Arn", "UserId")):
            # a page botocore could read as XML, with nothing of GetCallerIdentity's in it
            raise not_aws(f"profile {shown!r}: ", Endpoint.of_service(sts.meta.endpoint_url, "sts"))
        return Identity(str(reply["Account"]), str(reply["Arn"]), str(reply["UserId"]))

    # ------------------------------------------------------------------ errors

    def explain(self, error: BaseException, profile: str, origin: Origin | None = None) -> CheckFailed:
        """The one classification (`awsprofiles.aws.errors.classify`), naming who tried to assume and
        where the credentials came from."""
        if origin is None:
            origin = origin_of(profile, self.profiles())
        return classify(
            error,
            profile,
            timeout=self.timeout,
            wait_longer=self.wait_longer,
            assume_denied=self._assume_denied,
            origin=origin,
            profiles=self.profiles(),
        )

    def _assume_denied(self, profile: str) -> str:
        """Which principal tried to assume which role, found by identifying the source."""
        values = self.profiles().get(profile, {})
        role = values.get("role_arn", "the role")
        source = values.get("source_profile")
        if isinstance(source, str) and source != profile:
            try:
                principal = self.whoami(source).arn
            except CheckFailed as error:
                return f"its source profile {source!r} fails: {said_of(source, error.message)}"
            who = f"{principal} (its source profile {source!r})"
        elif isinstance(values.get("credential_source"), str):
            who = f"the credentials from its credential_source {values['credential_source']}"
        else:
            who = "its own keys"
        return assume_denied_message(who, role)
