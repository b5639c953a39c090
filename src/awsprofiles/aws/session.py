"""botocore sessions bound to the two files ``profiles`` was pointed at."""

from __future__ import annotations

import contextlib
import copy
import functools
import os
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import botocore.configloader
import botocore.exceptions
import botocore.session
from botocore.configprovider import ConstantProvider

from awsprofiles.aws.caches import sso_cache_dir
from awsprofiles.aws.errors import ENDPOINT_KEY, Endpoint
from awsprofiles.aws.process import starter
from awsprofiles.aws.sso_tokens import SsoTokenCache
from awsprofiles.store import Paths, Snapshot

#: The region STS and IAM are called in when a profile names none (their global endpoint's).
DEFAULT_REGION = "us-east-1"
#: How many times a call with a `waits` bound is tried.
ATTEMPTS = 2


def waits(timeout: float | None, attempts: int = ATTEMPTS) -> Any:
    """How long a client waits for AWS: the botocore ``Config`` of one call bounded by ``timeout``
    seconds, ``attempts`` tries each given its share.

    None (no ``Config``): as the AWS CLI waits, with botocore's defaults (60 s to connect, 60 s
    for an answer, botocore's retries, which the profile's ``max_attempts`` and ``retry_mode`` or
    ``AWS_MAX_ATTEMPTS`` and ``AWS_RETRY_MODE`` set). Only the checks, which report many profiles
    and must not hang on one, pass a timeout (``check`` and ``whoami``'s ``--timeout``, the check
    after an edit), and logout's revoke, which a sign-out does not wait for; every other call
    waits as ``aws`` would, so that nothing fails here that works with ``aws``.
    """
    if timeout is None:
        return None
    from botocore.config import Config

    return Config(
        connect_timeout=timeout / attempts,
        read_timeout=timeout / attempts,
        retries={"total_max_attempts": attempts, "mode": "standard"},
    )


def full_config(snapshot: Snapshot) -> dict[str, Any]:
    """botocore's ``Session.full_config`` of the two files, from the snapshot already read.

    botocore's own steps (``botocore.session.Session.full_config``): the config file's sections
    mapped to profiles by ``build_profile_map`` (a deep copy), then each credentials-file section
    merged into the profile of its name. The snapshot's sections are what botocore's
    ``raw_config_parse`` returns (the store's reading mirrors it), so the files are parsed once.
    """
    if snapshot.config.exists:
        config: dict[str, Any] = botocore.configloader.build_profile_map(snapshot.config.sections)
    else:
        config = {"profiles": {}}
    profiles = config["profiles"]
    if snapshot.credentials.exists:
        for name, values in copy.deepcopy(snapshot.credentials.sections).items():
            if name in profiles:
                profiles[name].update(values)
            else:
                profiles[name] = values
    return config


def make_session(
    paths: Paths, profile: str | None = None, *, events: Any = None, snapshot: Snapshot | None = None
) -> Any:
    """A botocore session that reads exactly ``paths`` and resolves ``profile`` as the CLI does.

    Naming the profile explicitly makes botocore skip the environment's AWS_ACCESS_KEY_ID,
    exactly like ``aws --profile NAME``. ``events``: a copy of another session's event emitter,
    whose built-in handlers are then not registered again (the costly part of a new session).
    ``snapshot``: the files as the caller read them, given to botocore instead of a second parse.
    """
    if events is None:
        session = botocore.session.Session(profile=profile)
    else:
        session = botocore.session.Session(
            profile=profile, event_hooks=events, include_builtin_handlers=False
        )
    session.set_config_variable("config_file", str(paths.config))
    session.set_config_variable("credentials_file", str(paths.credentials))
    if snapshot is not None:
        session._config = full_config(snapshot)  # what Session.full_config caches after parsing
    follow_home()
    name_endpoints(session)
    return session


def name_endpoints(session: Any) -> None:
    """Make every failed call of the session's clients (its credential providers' too) say where
    it went, for `errors.endpoint_of`: botocore's exceptions for an answer it cannot read hold no URL.

    Public events only: ``before-call`` sees the request's URL, ``after-call`` an error answer
    (its parsed body becomes the ClientError's ``response``), ``after-call-error`` an exception.
    """

    def remember(params: Any, context: Any, event_name: str, **_: Any) -> None:
        url = urlsplit(str(params.get("url", "")))
        service = event_name.split(".")[1] if event_name.count(".") >= 2 else ""
        context[ENDPOINT_KEY] = Endpoint.of_service(f"{url.scheme}://{url.netloc}", service)

    def on_answer(http_response: Any, parsed: Any, context: Any, **_: Any) -> None:
        if getattr(http_response, "status_code", 200) >= 300 and isinstance(parsed, dict):
            metadata = parsed.setdefault("ResponseMetadata", {})
            if isinstance(metadata, dict) and ENDPOINT_KEY in context:
                metadata[ENDPOINT_KEY] = context[ENDPOINT_KEY]

    def on_error(exception: Any, context: Any, **_: Any) -> None:
        if ENDPOINT_KEY in context:
            with contextlib.suppress(AttributeError):  # an exception with __slots__
                setattr(exception, ENDPOINT_KEY, context[ENDPOINT_KEY])

    # Once per emitter: a session made with another's events (`make_session`) has them already.
    session.register("before-call", remember, unique_id=f"{ENDPOINT_KEY}.remember")
    session.register("after-call", on_answer, unique_id=f"{ENDPOINT_KEY}.answer")
    session.register("after-call-error", on_error, unique_id=f"{ENDPOINT_KEY}.error")


def client_with_key(
    paths: Paths,
    profile: str | None,
    service: str,
    key_id: str,
    secret: str,
    region: str | None = None,
    *,
    token: str | None = None,
    config: Any = None,
) -> Any:
    """A ``service`` client configured like ``profile`` (its region, endpoint) but signing with the
    key given (with its session ``token``, for temporary credentials): the profile's own credential
    providers (a role, a credential_process) are never run. ``profile`` None: a profile the files
    do not have yet, configured like none of them."""
    session = make_session(paths, profile)
    if profile is None:
        ignore_environment_profile(session)
    return session.create_client(
        service,
        region_name=region or session.get_config_variable("region") or DEFAULT_REGION,
        aws_access_key_id=key_id,
        aws_secret_access_key=secret,
        aws_session_token=token,
        config=config,
    )


def share_parsed_files(session: Any, config: dict[str, Any], snapshot: Snapshot | None) -> None:
    """Give the session the files already parsed, so that a check of many profiles parses them
    once: ``config`` is what ``Session.full_config`` caches; with the ``snapshot``, its
    shared-credentials providers (the profile's own, and those a role chain builds for its
    sources) get the credentials file's sections instead of parsing the file each time (what
    ``raw_config_parse`` returns: the store's reading mirrors it, [DEFAULT] included).
    """
    session._config = config
    if snapshot is None:
        return
    credentials = snapshot.credentials

    def parse(filename: str) -> Any:
        if os.path.expanduser(filename) != str(credentials.path):
            return botocore.configloader.raw_config_parse(filename)
        if not credentials.exists:
            raise botocore.exceptions.ConfigNotFound(path=filename)
        return credentials.sections

    resolver = session.get_component("credential_provider")
    resolver.get_provider("shared-credentials-file")._ini_parser = parse
    builder = resolver.get_provider("assume-role")._profile_provider_builder
    build = builder._create_shared_credential_provider

    def build_parsed(profile_name: str) -> Any:
        provider = build(profile_name)
        provider._ini_parser = parse
        return provider

    builder._create_shared_credential_provider = build_parsed


def builtin_events(session: Any) -> Any:
    """The session's event emitter with botocore's built-in handlers (None if botocore keeps it
    elsewhere): `make_session` gives new sessions a copy, as botocore gives each client one."""
    return getattr(session, "_original_handler", None)


def expiry_of(credentials: Any) -> Any:
    """When botocore's refreshable credentials expire (None for static keys): botocore keeps it
    in a private attribute and has no public accessor."""
    return getattr(credentials, "_expiry_time", None)


def set_refresh_windows(credentials: Any, advisory: int, mandatory: int) -> None:
    """Make botocore's refreshable credentials renew themselves once they have less than
    ``advisory`` seconds left, and block for new ones under ``mandatory`` (botocore's defaults:
    15 and 10 minutes). The constructor takes both, but the chain builds the credentials; the
    instance attributes it sets are private. Static credentials have neither and are left alone."""
    if hasattr(credentials, "_advisory_refresh_timeout"):
        credentials._advisory_refresh_timeout = advisory
        credentials._mandatory_refresh_timeout = mandatory


def ignore_environment_profile(session: Any) -> None:
    """Make the session deaf to AWS_PROFILE/AWS_DEFAULT_PROFILE: a session that only reads the files
    (and every profile in them) must not fail because the environment names a profile that is gone."""
    session.get_component("config_store").set_config_provider("profile", ConstantProvider(None))


def wire_assume_role(
    session: Any, *, cache: Any, prompter: Callable[[str], str], no_prompt: bool = False
) -> None:
    """Give the session's role providers a credentials cache and an MFA prompter, and its
    credential_process providers a start that names each failure (`wire_credential_process`).

    The one place that reaches into botocore's providers: AssumeRoleProvider takes its prompter
    only in its constructor, and the session builds it without one (getpass on /dev/tty).
    ``cache`` None keeps botocore's in-memory default. The SSO provider shares the cache, as in
    the AWS CLI v2 (whose ``aws sso logout`` removes its entries, ``"ProviderType": "sso"``).
    """
    resolver = session.get_component("credential_provider")
    assume_role = resolver.get_provider("assume-role")
    guard_sso_tokens(resolver)
    if cache is not None:
        assume_role.cache = cache
        resolver.get_provider("assume-role-with-web-identity").cache = cache
        resolver.get_provider("sso").cache = cache
    assume_role._prompter = prompter
    wire_credential_process(session, no_prompt)


def guard_sso_tokens(resolver: Any) -> None:
    """Make the resolver's SSO credential providers read tokens through `SsoTokenCache`: the
    profile's own (a legacy profile reads its token itself; one with an sso_session through its
    token provider, which `follow_home` already gave one) and those a role chain builds for its
    source profiles (botocore's builder passes its ``_sso_token_cache`` to both)."""
    tokens = SsoTokenCache()
    resolver.get_provider("sso")._token_cache = tokens
    resolver.get_provider("assume-role")._profile_provider_builder._sso_token_cache = tokens


def wire_credential_process(session: Any, no_prompt: bool = False) -> None:
    """Start every credential_process through `process.starter`: the profile's own, and those of
    the source profiles a role chain resolves later (botocore builds their providers on demand)."""
    resolver = session.get_component("credential_provider")
    own = resolver.get_provider("custom-process")
    own._popen = starter(own._profile_name, no_prompt)
    builder = resolver.get_provider("assume-role")._profile_provider_builder
    build = builder._create_process_provider

    def build_checked(profile_name: str) -> Any:
        provider = build(profile_name)
        provider._popen = starter(profile_name, no_prompt)
        return provider

    builder._create_process_provider = build_checked


def follow_home() -> None:
    """Make botocore's SSO providers read the token cache under HOME as it is now.

    botocore fixes ``~/.aws/sso/cache`` when it is imported (a class attribute of each SSO
    provider); ``profiles`` writes the cache under HOME as it is when it writes. In one `aws`
    process both are the same; this keeps them the same in any process (tests change HOME).
    """
    from botocore.credentials import SSOProvider
    from botocore.tokens import SSOTokenProvider

    folder = str(sso_cache_dir())
    SSOProvider._SSO_TOKEN_CACHE_DIR = folder
    SSOTokenProvider._SSO_TOKEN_CACHE_DIR = folder
    # The token provider makes its cache from this class attribute (a session's own, and those a
    # role chain builds for its source profiles): each token is read bounded and checked.
    SSOTokenProvider.DEFAULT_CACHE_CLS = SsoTokenCache


@functools.cache
def _loader(data_path: str | None) -> Any:
    from botocore.loaders import create_loader

    return create_loader(data_path)


def share_loader(session: Any) -> Any:
    """Give ``session`` this process's data loader, so service models are read once, not per client."""
    session.register_component("data_loader", _loader(session.get_config_variable("data_path")))
    return session
