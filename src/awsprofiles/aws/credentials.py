"""A profile's credentials, obtained exactly as the AWS CLI obtains them, and cached where it caches.

botocore's own credential chain does the work (role chains, credential_source, external_id,
role_session_name, duration_seconds, mfa_serial, SSO, credential_process), so a profile means
the same thing here as for ``aws --profile NAME``. Assumed-role credentials go to the AWS CLI's
cache (``~/.aws/cli/cache``) in the files botocore's ``JSONFileCache`` writes, with the cache keys
botocore computes: ``profiles`` and the ``aws`` command reuse each other's sessions, and an MFA
code is asked once per session. What is in a cache file is untrusted input: it is read bounded and
checked before use (`aws.caches.read_cache_document`, `awsprofiles.aws.role_cache.EntryCache`),
written all or nothing (`aws.caches.write_cache_document`).

botocore is imported inside the functions, so that the `Credentials` type costs nothing to import,
and not at all when the AWS CLI's cache already holds the role's session (`awsprofiles.aws.role_cache`).
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any, TextIO

from awsprofiles.aws.caches import cli_cache_dir
from awsprofiles.errors import BadInput, CheckFailed, FileProblem, MfaCodeNeeded
from awsprofiles.model import Credentials, no_such_profile
from awsprofiles.store import Paths, Snapshot, make_private_dirs

MFA_CODE_LENGTH = 6


def validate_mfa_code(code: str) -> str:
    code = code.strip()
    if len(code) != MFA_CODE_LENGTH or not code.isdigit():
        raise BadInput(f"an MFA code is {MFA_CODE_LENGTH} digits (got {len(code)} characters)")
    return code


def interactive() -> bool:
    """Whether a person can answer a prompt: stdin and stderr both on a terminal.

    stdout is not asked: under ``eval "$(profiles env ...)"`` it is a pipe, yet the person is
    there. stderr is: an SDK running ``credential_process`` captures it, and a prompt nobody
    sees would hang the SDK.
    """
    streams = (sys.stdin, sys.stderr)
    return all(stream is not None and stream.isatty() for stream in streams)


def read_hidden(prompt: str, reader: TextIO, writer: TextIO) -> str:
    """One line typed on a terminal without showing it, as getpass and the AWS CLI read secrets:
    the terminal's echo is off while it is typed, and back on after (Ctrl-C included). ``prompt``
    goes to ``writer``; a ``reader`` that is no terminal gives its line as it comes."""
    if os.name == "nt":  # the console, read key by key without echo (getpass's msvcrt loop)
        import getpass

        return getpass.getpass(prompt) + "\n"
    import termios

    try:
        descriptor = reader.fileno()
        saved = termios.tcgetattr(descriptor)
    except (AttributeError, ValueError, OSError, termios.error):
        writer.write(prompt)
        writer.flush()
        return reader.readline()
    hidden = list(saved)
    hidden[3] &= ~termios.ECHO  # the local modes
    # Echo off (and what was typed ahead discarded) before the prompt: an answer to it is kept.
    termios.tcsetattr(descriptor, termios.TCSAFLUSH, hidden)
    try:
        writer.write(prompt)
        writer.flush()
        line = reader.readline()
    finally:
        termios.tcsetattr(descriptor, termios.TCSAFLUSH, saved)
    writer.write("\n")  # the Enter the terminal did not show (Ctrl-C's line is ended by main)
    writer.flush()
    return line


def read_mfa_code(prompt: str, profile: str, reader: TextIO, writer: TextIO) -> str:
    """The MFA code typed after ``prompt``, hidden as it is typed (`read_hidden`): every prompt for a
    code, botocore's for a role and the keyring's for an MFA session, reads it here."""
    line = read_hidden(prompt, reader, writer)
    if not line.strip():
        raise CheckFailed(f"no MFA code was entered for profile {profile!r}", "mfa-required")
    try:
        return validate_mfa_code(line)
    except BadInput as error:
        raise CheckFailed(error.message, "mfa-required") from None


def mfa_prompter(profile: str, mfa_code: str | None, can_prompt: bool) -> Callable[[str], str]:
    """What botocore calls for a token code: --mfa-code, else a prompt on stderr, else mfa-required."""

    def prompt(text: str) -> str:
        if mfa_code is not None:
            return mfa_code
        if not can_prompt:
            raise MfaCodeNeeded(
                f"profile {profile!r}: it (or its source) requires an MFA code (mfa_serial), which cannot "
                "be asked for here: pass --mfa-code CODE to 'profiles env' or 'profiles exec', or run "
                "it in a terminal"
            )
        return read_mfa_code(text, profile, sys.stdin, sys.stderr)

    return prompt


def _utc(value: object) -> datetime | None:
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    if not isinstance(moment, datetime):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def _assume_denied(session: object, profile: str) -> str:
    """Name the role and its source from the profile's settings (no extra AWS call on this path)."""
    from awsprofiles.aws.errors import assume_denied_message

    values = getattr(session, "full_config", {}).get("profiles", {}).get(profile, {})
    source = values.get("source_profile")
    who = (
        f"the credentials of its source profile {source!r}"
        if isinstance(source, str)
        else "its source identity"
    )
    return assume_denied_message(who, str(values.get("role_arn", "its role")))


def _quiet_botocore() -> None:
    """botocore logs a failed mandatory refresh as a warning before raising it (and an advisory
    one with its traceback); the error we raise says it better, and Python would otherwise print
    the warning on stderr."""
    import logging  # here: `credential-process --from-keyring` imports this module and must start fast

    botocore_log = logging.getLogger("botocore")
    if not botocore_log.handlers:
        botocore_log.addHandler(logging.NullHandler())


@contextlib.contextmanager
def _botocore_errors(
    session: Any, profile: str, timeout: float | None = None, wait_longer: str | None = None
) -> Iterator[None]:
    """botocore's failures as `CheckFailed` with check's codes, in profiles' own words (a timeout
    with the seconds each call had and what the command offers to wait longer)."""
    from botocore.exceptions import BotoCoreError, ClientError, ProfileNotFound

    from awsprofiles.aws.errors import classify, origin_of

    try:
        yield
    except ProfileNotFound:
        raise no_such_profile(profile, session.available_profiles) from None
    except (BotoCoreError, ClientError) as error:
        raise classify(
            error,
            profile,
            timeout=timeout,
            wait_longer=wait_longer,
            assume_denied=lambda name: _assume_denied(session, name),
            origin=origin_of(profile, session.full_config.get("profiles", {})),
            profiles=session.full_config.get("profiles", {}),
        ) from None
    except OSError as error:  # the cache folder (a credential_process's own failure is a CheckFailed)
        where = error.filename or cli_cache_dir()
        raise FileProblem(
            f"cannot use the AWS CLI's cache {where}: {error.strerror or error}; or run with --no-cache"
        ) from None


def _resolve(
    paths: Paths,
    profile: str,
    *,
    duration: int | None,
    prompter: Callable[[str], str],
    use_cache: bool,
    snapshot: Snapshot | None,
    no_prompt: bool = False,
    timeout: float | None = None,
    wait_longer: str | None = None,
) -> tuple[Any, Any, str | None]:
    """botocore's session for ``profile``, the credentials its chain finds (refreshable where
    botocore refreshes them: roles, SSO, a credential_process that says when it expires) and the
    profile's region. ``no_prompt``: the credential_processes it starts never ask for a code.
    ``timeout``: the seconds each call of its providers may take (`session.waits`); None: as the
    AWS CLI waits. ``wait_longer``: what the command offers after a timeout."""
    _quiet_botocore()
    from awsprofiles.aws.errors import no_credentials
    from awsprofiles.aws.session import make_session, share_parsed_files, waits, wire_assume_role

    session = make_session(paths, profile, snapshot=snapshot)
    bounded = waits(timeout)
    if bounded is not None:  # the clients botocore's providers make (AssumeRole, SSO) get it
        session.set_default_client_config(bounded)
    if profile not in session.available_profiles:
        raise no_such_profile(profile, session.available_profiles)
    with _botocore_errors(session, profile, timeout, wait_longer):
        if snapshot is not None:  # botocore's key providers read the snapshot, not the files again
            share_parsed_files(session, session.full_config, snapshot)
        resolver = session.get_component("credential_provider")
        config = session.full_config
        if duration is not None:
            # full_config is the session's own parsed copy; the override never reaches a file.
            config["profiles"][profile]["duration_seconds"] = str(duration)
        cache = None
        if use_cache:
            from awsprofiles.aws.role_cache import EntryCache

            cache_dir = cli_cache_dir()
            make_private_dirs(cache_dir)  # ~/.aws, ~/.aws/cli and the cache: 0700 whatever the umask
            # As awscli/customizations/assumerole.py does: same folder, same keys, same files;
            # each entry read as untrusted input, and written all or nothing (mode 0600).
            cache = EntryCache(cache_dir)
        wire_assume_role(session, cache=cache, prompter=prompter, no_prompt=no_prompt)
        found = resolver.load_credentials()
        if found is None:
            raise no_credentials(profile)
        region = session.get_scoped_config().get("region")
    return session, found, region if isinstance(region, str) and region else None


def _frozen(
    session: Any,
    found: Any,
    profile: str,
    region: str | None,
    timeout: float | None = None,
    wait_longer: str | None = None,
) -> Credentials:
    """What ``found`` holds now, refreshed first by botocore if it is about to expire (a role's
    first AssumeRole is made here: botocore defers it)."""
    from awsprofiles.aws.session import expiry_of

    with _botocore_errors(session, profile, timeout, wait_longer):
        try:
            frozen = found.get_frozen_credentials()
        except RuntimeError:  # botocore: "the refreshed credentials are still expired"
            raise CheckFailed(
                f"profile {profile!r}: its credentials were renewed but had already expired", "expired"
            ) from None
        expiration = _utc(expiry_of(found))
    if not frozen.access_key or not frozen.secret_key:
        raise CheckFailed(f"profile {profile!r}: no credentials", "no-credentials")
    return Credentials(
        access_key_id=frozen.access_key,
        secret_access_key=frozen.secret_key,
        session_token=frozen.token or None,
        expiration=expiration if frozen.token else None,
        region=region,
    )


def get_credentials(
    paths: Paths,
    profile: str,
    *,
    duration: int | None = None,
    mfa_code: str | None = None,
    use_cache: bool = True,
    can_prompt: bool | None = None,
    snapshot: Snapshot | None = None,
    timeout: float | None = None,
    wait_longer: str | None = None,
) -> Credentials:
    """The credentials of ``profile``, assuming its role (and its source's) if it has one.
    ``timeout``: seconds for each AWS call; None (env, exec...): as the AWS CLI waits.
    ``wait_longer``: what the command offers after a timeout (whoami's --timeout).

    ``duration`` overrides the profile's duration_seconds for this call (and, as with a profile
    that says so, gives a cache entry of its own). Raises `CheckFailed` with check's codes.
    Given the ``snapshot`` of ``paths`` the caller read, a role whose session is valid in the
    AWS CLI's cache is served from it without botocore, exactly as botocore would serve it.
    """
    if mfa_code is not None:
        mfa_code = validate_mfa_code(mfa_code)
    if use_cache and snapshot is not None:
        from awsprofiles.aws.role_cache import cached_role_credentials

        cached = cached_role_credentials(snapshot, profile, duration=duration)
        if cached is not None:
            return cached
    prompter = mfa_prompter(profile, mfa_code, interactive() if can_prompt is None else can_prompt)
    session, found, region = _resolve(
        paths,
        profile,
        duration=duration,
        prompter=prompter,
        use_cache=use_cache,
        snapshot=snapshot,
        timeout=timeout,
        wait_longer=wait_longer,
    )
    return _frozen(session, found, profile, region, timeout, wait_longer)


class LiveCredentials:
    """A profile's credentials as botocore holds them, renewed by botocore itself (roles and
    chains, SSO, a credential_process that says when its credentials expire) once they have less
    than ``advisory`` seconds left, and never served with less than ``mandatory`` (botocore's own
    refresh windows, 15 and 10 minutes by default). Thread-safe."""

    def __init__(self, session: Any, found: Any, profile: str, region: str | None) -> None:
        self._session = session
        self._found = found
        self.profile = profile
        self.region = region
        import threading  # here: the start-up fast path imports this module

        # botocore's refresh has its own lock; this one keeps the credentials and the expiry read
        # after them from two different refreshes.
        self._lock = threading.Lock()

    def current(self) -> Credentials:
        with self._lock:
            return _frozen(self._session, self._found, self.profile, self.region)


def live_credentials(
    paths: Paths,
    profile: str,
    *,
    duration: int | None = None,
    mfa_code: str | None = None,
    use_cache: bool = True,
    can_prompt: bool,
    snapshot: Snapshot | None = None,
    windows: tuple[int, int] | None = None,
    needs_you: Callable[[CheckFailed], None] | None = None,
    renew_hint: str = "",
) -> LiveCredentials:
    """The credentials of ``profile`` for a process that lives on: a credential endpoint.

    ``mfa_code`` answers the first MFA prompt only (a code is good once); later ones are asked
    when ``can_prompt`` (and the credential_processes botocore starts may ask on the terminal),
    else fail with mfa-required and ``renew_hint`` (what to run), given to ``needs_you`` first:
    botocore swallows a failure of its advisory refresh, and the user should hear of it while
    the credentials still work. ``windows``: botocore's (advisory, mandatory) refresh windows.
    """
    codes = [validate_mfa_code(mfa_code)] if mfa_code is not None else []
    ask = mfa_prompter(profile, None, can_prompt)

    def prompter(text: str) -> str:
        if codes:
            return codes.pop()
        try:
            return ask(text)
        except CheckFailed as error:
            failed = error
            if not can_prompt and renew_hint:
                failed = CheckFailed(
                    f"profile {profile!r}: it (or its source) needs a new MFA code to renew its credentials: "
                    f"{renew_hint}",
                    "mfa-required",
                )
            if needs_you is not None:
                needs_you(failed)
            raise failed from None

    session, found, region = _resolve(
        paths,
        profile,
        duration=duration,
        prompter=prompter,
        use_cache=use_cache,
        snapshot=snapshot,
        no_prompt=not can_prompt,
    )
    if windows is not None:
        from awsprofiles.aws.session import set_refresh_windows

        set_refresh_windows(found, *windows)
    return LiveCredentials(session, found, profile, region)


def session_token(
    paths: Paths, profile: str, keys: dict[str, str], mfa_serial: str, code: str, seconds: int
) -> Credentials:
    """STS GetSessionToken with a profile's long-term key and an MFA code: an MFA session.

    The client is configured like ``profile`` (region, endpoint) but signs with ``keys`` given
    explicitly, so the profile's own credential_process is not started again.
    """
    from awsprofiles.aws.errors import classify
    from awsprofiles.aws.session import client_with_key

    try:
        sts = client_with_key(paths, profile, "sts", keys["aws_access_key_id"], keys["aws_secret_access_key"])
        reply = sts.get_session_token(DurationSeconds=seconds, SerialNumber=mfa_serial, TokenCode=code)
    except Exception as error:
        raise classify(error, profile) from None
    made = reply["Credentials"]
    return Credentials(
        access_key_id=str(made["AccessKeyId"]),
        secret_access_key=str(made["SecretAccessKey"]),
        session_token=str(made["SessionToken"]),
        expiration=_utc(made["Expiration"]),
    )
