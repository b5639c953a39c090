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

import os
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TextIO

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


def get_credentials(
    paths: Paths,
    profile: str,
    *,
    duration: int | None = None,
    mfa_code: str | None = None,
    use_cache: bool = True,
    can_prompt: bool | None = None,
    snapshot: Snapshot | None = None,
) -> Credentials:
    """The credentials of ``profile``, assuming its role (and its source's) if it has one.

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

    # botocore logs a failed mandatory refresh as a warning before raising it; the error we raise
    # says it better, and Python would otherwise print the warning on stderr.
    import logging  # here: `credential-process --from-keyring` imports this module and must start fast

    from botocore.exceptions import BotoCoreError, ClientError, ProfileNotFound

    from awsprofiles.aws.errors import classify, no_credentials, origin_of
    from awsprofiles.aws.role_cache import EntryCache
    from awsprofiles.aws.session import expiry_of, make_session, share_parsed_files, wire_assume_role

    botocore_log = logging.getLogger("botocore")
    if not botocore_log.handlers:
        botocore_log.addHandler(logging.NullHandler())
    session = make_session(paths, profile, snapshot=snapshot)
    if profile not in session.available_profiles:
        raise no_such_profile(profile, session.available_profiles)
    try:
        if snapshot is not None:  # botocore's key providers read the snapshot, not the files again
            share_parsed_files(session, session.full_config, snapshot)
        resolver = session.get_component("credential_provider")
        config = session.full_config
        if duration is not None:
            # full_config is the session's own parsed copy; the override never reaches a file.
            config["profiles"][profile]["duration_seconds"] = str(duration)
        cache = None
        if use_cache:
            cache_dir = cli_cache_dir()
            make_private_dirs(cache_dir)  # ~/.aws, ~/.aws/cli and the cache: 0700 whatever the umask
            # As awscli/customizations/assumerole.py does: same folder, same keys, same files;
            # each entry read as untrusted input, and written all or nothing (mode 0600).
            cache = EntryCache(cache_dir)
        wire_assume_role(
            session,
            cache=cache,
            prompter=mfa_prompter(profile, mfa_code, interactive() if can_prompt is None else can_prompt),
        )
        found = resolver.load_credentials()
        if found is None:
            raise no_credentials(profile)
        frozen = found.get_frozen_credentials()
        expiration = _utc(expiry_of(found))
        region = session.get_scoped_config().get("region")
    except ProfileNotFound:
        raise no_such_profile(profile, session.available_profiles) from None
    except (BotoCoreError, ClientError) as error:
        raise classify(
            error,
            profile,
            assume_denied=lambda name: _assume_denied(session, name),
            origin=origin_of(profile, session.full_config.get("profiles", {})),
            profiles=session.full_config.get("profiles", {}),
        ) from None
    except OSError as error:  # the cache folder (a credential_process's own failure is a CheckFailed)
        where = error.filename or cli_cache_dir()
        raise FileProblem(
            f"cannot use the AWS CLI's cache {where}: {error.strerror or error}; or run with --no-cache"
        ) from None
    if not frozen.access_key or not frozen.secret_key:
        raise CheckFailed(f"profile {profile!r}: no credentials", "no-credentials")
    return Credentials(
        access_key_id=frozen.access_key,
        secret_access_key=frozen.secret_key,
        session_token=frozen.token or None,
        expiration=expiration if frozen.token else None,
        region=region if isinstance(region, str) and region else None,
    )


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
