"""``profiles check``: static lint of the files, then each profile's identity, live and concurrently.

Lint needs no network and no botocore (the keys botocore knows are listed in `model`, pinned to
botocore's own table by a test). The live part lives in ``awsprofiles.aws.identity``
and is imported only when it runs.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import gc
import os
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from awsprofiles import graph, model, shells, store
from awsprofiles.errors import BadInput, CheckFailed, MfaCodeNeeded, said_of
from awsprofiles.model import Kind, Profile
from awsprofiles.store import Paths, Snapshot

if TYPE_CHECKING:
    from awsprofiles.aws.identity import Identity, Resolver


@dataclass
class CheckResult:
    profile: str
    kind: str
    ok: bool
    account: str | None
    arn: str | None
    error: str | None
    message: str
    elapsed_ms: int

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


# --------------------------------------------------------------------------- lint


@dataclass
class Finding:
    message: str
    #: A fatal finding means the profile cannot work; no live check is made.
    fatal: bool = True


@dataclass
class Lint:
    findings: dict[str, list[Finding]] = field(default_factory=dict)
    #: Problems of a file rather than of its profiles (a credentials file others can read): said
    #: once, as a warning, not on the row of every profile the file holds.
    files: list[str] = field(default_factory=list)

    def add(self, profile: str, message: str, fatal: bool = True) -> None:
        self.findings.setdefault(profile, []).append(Finding(message, fatal))

    def of(self, profile: str) -> list[Finding]:
        return self.findings.get(profile, [])


def _lint_values(profile: Profile, lint: Lint) -> None:
    name = profile.name
    for key, value in profile.values.items():
        if isinstance(value, str) and key.lower() not in model.KNOWN_KEYS:
            hint = model.suggest_key(key)
            tip = f"; did you mean {hint!r}?" if hint else ""
            lint.add(name, f"key {key!r} is not one botocore knows, so it is ignored{tip}", fatal=False)
        comment = model.inline_comment(name, key, value) if isinstance(value, str) else None
        if comment is not None:
            lint.add(name, comment, fatal=False)  # the live check says whether botocore refuses it
    checks = {
        "role_arn": model.validate_role_arn,
        "mfa_serial": model.validate_mfa_serial,
        "credential_source": model.validate_credential_source,
    }
    for key, validate in checks.items():
        text = profile.get(key)
        if text is not None:
            try:
                validate(text)
            except BadInput as error:
                lint.add(name, error.message)
    duration = profile.get("duration_seconds")
    if duration is not None:
        # botocore's AssumeRoleProvider sends int(duration_seconds) and drops a value int() refuses.
        try:
            seconds = int(duration)
        except ValueError:
            lint.add(
                name,
                f"duration_seconds {duration!r} is not a whole number of seconds: botocore ignores it "
                "and asks for the role's default duration",
                fatal=False,
            )
        else:
            if not model.MIN_DURATION <= seconds <= model.MAX_DURATION:
                lint.add(
                    name,
                    f"duration_seconds {seconds} is out of range: STS accepts "
                    f"{model.MIN_DURATION} to {model.MAX_DURATION}",
                )


def _lint_profile(snapshot: Snapshot, paths: Paths, profile: Profile, lint: Lint) -> None:
    name = profile.name
    has = profile.values.__contains__
    if profile.kind is Kind.ROLE and has("source_profile") == has("credential_source"):
        lint.add(name, graph.sourceless_problem(profile))
    source = profile.get("source_profile")
    target = model.profiles_process_target(profile.get("credential_process") or "")
    if source is not None and profile.kind is Kind.WEB_IDENTITY:
        # botocore's AssumeRoleProvider skips a profile with web_identity_token_file: never followed.
        lint.add(
            name,
            f"source_profile is unused: botocore assumes the role with web_identity_token_file and "
            f"never reads source_profile here; remove it ('profiles unset {name} source_profile')",
            fatal=False,
        )
    elif source is not None and snapshot.profile(source) is None:
        lint.add(name, graph.missing_source_problem(name, source))
    elif profile.kind is Kind.PROCESS and target is not None and snapshot.profile(target) is None:
        lint.add(
            name, f"credential_process runs 'profiles credential-process {target}', which names no profile"
        )
    else:
        chain = graph.chain(snapshot, name, processes=True)
        if chain.loop:
            if chain.hops:
                what = "credential chain (source_profile and 'profiles credential-process')"
            else:
                what = "source_profile chain"
            lint.add(name, f"{what} loops: {' -> '.join(chain.links)}")
    kinds = profile.credential_kinds
    # A source_profile holding static keys is read for those keys (botocore's
    # _resolve_credentials_from_profile): a role with keys that roles assume from uses both.
    sourced_by = (
        [other for other in graph.referrers(snapshot, name) if _assumes_role(snapshot, other)]
        if kinds[:1] == [Kind.ROLE] and Kind.KEYS in kinds
        else []
    )
    ignored = [kind for kind in kinds[1:] if not (sourced_by and kind is Kind.KEYS)]
    if ignored:
        keys = [key for kind in ignored for key in model.KIND_KEYS[kind] if has(key)]
        lint.add(
            name,
            f"it holds two kinds of credentials: botocore uses {model.KIND_NOUNS[kinds[0]]} and ignores "
            f"{' and '.join(model.KIND_NOUNS[kind] for kind in ignored)}; remove what it ignores "
            f"('profiles unset {name} {' '.join(keys)}') or move it to a profile of its own",
            fatal=False,
        )
    if sourced_by:
        lint.add(
            name,
            f"it holds a role and keys, and botocore uses both: the role for {name}, the access key "
            f"as the source of {', '.join(sourced_by)} (a source_profile with keys is read for its keys)",
            fatal=False,
        )
    if has(model.ACCESS_KEY_ID) != has(model.SECRET_ACCESS_KEY):
        missing = model.SECRET_ACCESS_KEY if has(model.ACCESS_KEY_ID) else model.ACCESS_KEY_ID
        lint.add(name, f"half a key pair: {missing} is missing (run 'profiles add-user {name} --force')")
    in_config = snapshot.config.values_of(name)
    in_credentials = snapshot.credentials.values_of(name)
    for key in sorted(model.SECRET_KEYS & set(in_config)):
        lint.add(
            name,
            f"{key} is stored in the config file {paths.config}; move it to the credentials file "
            f"(profiles add-user {name} --force)",
            fatal=False,
        )
    for key in sorted(set(in_config) & set(in_credentials)):
        if in_config[key] != in_credentials[key]:
            lint.add(
                name,
                f"{key} differs between the config and credentials files; botocore uses the "
                "credentials file's value: remove one",
                fatal=False,
            )
    _lint_values(profile, lint)
    if profile.kind is Kind.SSO:
        _lint_sso(snapshot, profile, lint)


def _assumes_role(snapshot: Snapshot, name: str) -> bool:
    profile = snapshot.profile(name)
    return profile is not None and graph.assumes_role(profile.values)


def _lint_sso(snapshot: Snapshot, profile: Profile, lint: Lint) -> None:
    """What botocore's SSO provider would refuse: the values editing accepts (`editing.check_value`),
    the session login signs in with (`login.session_of_sso_profile`), and the profile's copies of
    the session's settings, which botocore requires to agree with it."""
    from awsprofiles import login  # only for SSO profiles: the others' lint stays quick to start

    name = profile.name
    for key in ("sso_account_id", "sso_start_url"):
        _lint_value(profile, key, profile.get(key), lint)
    session_name = profile.get("sso_session")
    if session_name is None and not any(key in profile.values for key in model.SSO_PROVIDER_KEYS):
        return  # no role credentials and no session: nothing for botocore's SSO provider to refuse
    sessions = snapshot.sso_sessions()
    missing = model.sso_missing(profile.values, sessions.get(session_name or ""))
    if missing and (session_name is None or session_name in sessions):
        where = "" if session_name is None else f" or its [sso-session {session_name}]"
        lint.add(
            name,
            f"botocore's SSO provider starts on sso_role_name or sso_account_id and then needs "
            f"{', '.join(model.SSO_REQUIRED_KEYS)}; the profile{where} has no {', '.join(missing)}",
        )
        return
    try:
        session = login.session_of_sso_profile(snapshot, profile)
    except BadInput as error:
        lint.add(name, said_of(name, error.message))  # the row names the profile
        return
    if session.name is None:
        return  # a legacy profile: its own settings are the session's
    section = f"[sso-session {session.name}]"
    if profile.get("sso_start_url") != session.start_url:
        _lint_value(profile, "sso_start_url", session.start_url, lint, f"{section}: ")
    for key, value in (("sso_start_url", session.start_url), ("sso_region", session.region)):
        if profile.get(key) is not None and profile.get(key) != value:
            lint.add(name, f"{key} differs between the profile and {section}; remove it from the profile")


def _lint_value(profile: Profile, key: str, value: str | None, lint: Lint, where: str = "") -> None:
    """``value`` of ``key`` checked as editing checks what it writes: an error is fatal, a warning not."""
    from awsprofiles import editing  # only for SSO profiles, as login in _lint_sso

    if value is None:
        return
    try:
        warnings = editing.check_value(key, value)
    except BadInput as error:
        lint.add(profile.name, where + error.message)
        return
    for warning in warnings:
        lint.add(profile.name, where + warning, fatal=False)


def lint_profiles(snapshot: Snapshot, paths: Paths, names: Iterable[str]) -> Lint:
    """Static problems of the named profiles: no network, no credentials used."""
    lint = Lint()
    for name in names:
        profile = snapshot.profile(name)
        if profile is not None:
            _lint_profile(snapshot, paths, profile, lint)
    holds_keys = any(snapshot.credentials.values_of(name) for name in names)
    if holds_keys and store.open_to_others(paths.credentials):
        lint.files.append(
            f"{paths.credentials} is readable by other users; run 'chmod 600 {paths.credentials}'"
        )
    for warning in snapshot.config.warnings:
        if "default profile" in warning and "default" in names:
            lint.add("default", warning, fatal=False)
    return lint


def environment_warnings(snapshot: Snapshot) -> list[str]:
    """A stale AWS_PROFILE (or AWS_DEFAULT_PROFILE), said once: commands that name their profiles
    ignore it, but ``aws`` and ``profiles whoami`` without a profile would fail."""
    found = model.environment_profile(os.environ)
    if found is None or snapshot.profile(found[1]) is not None:
        return []
    variable, value = found
    return [
        f"{variable}={value} names no profile{model.did_you_mean(value, snapshot.names())}: commands "
        f"without a profile name (aws ..., profiles whoami) fail until you unset it or fix it"
    ]


# --------------------------------------------------------------------------- live


def _elapsed_ms(started: float) -> int:
    return int((time.monotonic() - started) * 1000)


def _lint_result(profile: Profile, findings: list[Finding], started: float) -> CheckResult:
    return CheckResult(
        profile.name,
        profile.kind.value,
        False,
        None,
        None,
        "lint",
        "; ".join(finding.message for finding in findings),
        _elapsed_ms(started),
    )


def _live(resolver: Resolver, profile: Profile, notes: list[Finding], started: float) -> CheckResult:
    try:
        identity = resolver.whoami(profile.name)
    except CheckFailed as error:
        return _live_result(profile, error, notes, started)
    return _live_result(profile, identity, notes, started)


def _live_result(
    profile: Profile, found: Identity | CheckFailed, notes: list[Finding], started: float
) -> CheckResult:
    """The row of a live check: who the profile is (``found``), or why it failed, with its notes."""
    if isinstance(found, CheckFailed):
        error = found
        message = said_of(profile.name, error.message)  # the row names the profile
        # A note the error already says (the inline comment botocore refused) is not said again.
        others = [note.message for note in notes if note.message not in message]
        if others:
            message += "; also: " + "; ".join(others)
        return CheckResult(
            profile.name, profile.kind.value, False, None, None, error.code, message, _elapsed_ms(started)
        )
    identity = found
    if notes:
        message = "works, but " + "; ".join(note.message for note in notes)
        return CheckResult(
            profile.name,
            profile.kind.value,
            False,
            identity.account,
            identity.arn,
            "lint",
            message,
            _elapsed_ms(started),
        )
    return CheckResult(
        profile.name,
        profile.kind.value,
        True,
        identity.account,
        identity.arn,
        None,
        identity.arn,
        _elapsed_ms(started),
    )


#: What check and whoami offer after a timeout: their --timeout.
RAISE_TIMEOUT = "raise --timeout"
#: What a command that checks profiles without a --timeout of its own (onboard) offers.
CHECK_LONGER = "wait longer: 'profiles check --timeout SECONDS'"


def _timed_out(profile: Profile, timeout: float, wait_longer: str) -> CheckResult:
    return CheckResult(
        profile.name,
        profile.kind.value,
        False,
        None,
        None,
        "timeout",
        f"no answer within {timeout:g} s (credential provider or AWS); check the network and "
        f"endpoint_url, or {wait_longer}",
        int(timeout * 1000),
    )


def run_live(
    resolver: Resolver, profiles: list[tuple[Profile, list[Finding]]], jobs: int, timeout: float
) -> dict[str, CheckResult]:
    """Identify profiles concurrently; a profile that takes longer than ``timeout`` is reported,
    with what the command offers to wait longer (the resolver's ``wait_longer``)."""
    results: dict[str, CheckResult] = {}
    if not profiles:
        return results
    started: dict[str, float] = {}
    lock = threading.Lock()

    def task(profile: Profile, notes: list[Finding]) -> CheckResult:
        begin = time.monotonic()
        with lock:
            started[profile.name] = begin
        return _live(resolver, profile, notes, begin)

    workers = max(1, min(jobs, len(profiles)))
    with _collecting_as_it_goes(resolver):
        executor = concurrent.futures.ThreadPoolExecutor(max_workers=workers, thread_name_prefix="check")
        try:
            pending = {executor.submit(task, profile, notes): profile for profile, notes in profiles}
            while pending:
                done, _ = concurrent.futures.wait(
                    pending, timeout=0.05, return_when=concurrent.futures.FIRST_COMPLETED
                )
                for future in done:
                    profile = pending.pop(future)
                    results[profile.name] = future.result()
                now = time.monotonic()
                with lock:
                    late = [
                        future
                        for future, profile in pending.items()
                        if profile.name in started and now - started[profile.name] > timeout
                    ]
                for future in late:
                    profile = pending.pop(future)
                    results[profile.name] = _timed_out(profile, timeout, resolver.wait_longer or "retry")
        finally:
            # A thread stuck in a credential provider is left to finish; nobody waits for it.
            executor.shutdown(wait=False, cancel_futures=True)
    return results


#: Python's own thresholds: the live phase leaves cyclic garbage (a botocore session and client
#: per profile) that should go as it comes, not pile up under the high thresholds of start-up.
_LIVE_GC_THRESHOLD = (700, 10, 10)


@contextlib.contextmanager
def _collecting_as_it_goes(resolver: Resolver) -> Iterator[None]:
    """Frozen: what lives through the whole run (botocore's data, loaded here). Collected: the rest.

    Collections then only look at each profile's garbage, and stay cheap: a check of 100
    profiles peaks at about 60 MiB instead of 85-130, and spends less CPU time.
    """
    resolver.warm()
    frozen_before = gc.get_freeze_count() > 0
    threshold = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(*_LIVE_GC_THRESHOLD)
    try:
        yield
    finally:
        gc.set_threshold(*threshold)
        if not frozen_before:
            gc.unfreeze()  # a caller that never froze anything (tests, a library user) gets it back


def check_profiles(
    paths: Paths,
    names: list[str] | None = None,
    *,
    offline: bool = False,
    jobs: int = 16,
    timeout: float = 10.0,
    warnings: list[str] | None = None,
    wait_longer: str = CHECK_LONGER,
) -> list[CheckResult]:
    """Lint, then (unless offline) identify each profile; results in the order of ``names``.

    ``warnings``: receives what the caller should print (a stale AWS_PROFILE, a file others can
    read). ``wait_longer``: what the command offers after a timeout (`RAISE_TIMEOUT` for check's
    own --timeout; by default, the check that waits longer)."""
    snapshot = store.load(paths)
    if names:
        for name in names:
            snapshot.require(name)
        names = list(dict.fromkeys(names))
    else:
        names = snapshot.names()
    if jobs < 1:
        raise BadInput("--jobs must be at least 1")
    if timeout <= 0:
        raise BadInput("--timeout must be more than 0 seconds")
    lint = lint_profiles(snapshot, paths, names)
    if warnings is not None:
        warnings += environment_warnings(snapshot) + lint.files
    results: dict[str, CheckResult] = {}
    live: list[tuple[Profile, list[Finding]]] = []
    for name in names:
        began = time.monotonic()
        profile = snapshot.profile(name)
        assert profile is not None
        findings = lint.of(name)
        if offline or any(finding.fatal for finding in findings):
            if findings:
                results[name] = _lint_result(profile, findings, began)
            else:
                results[name] = CheckResult(
                    name, profile.kind.value, True, None, None, None, "no static problems", 0
                )
        else:
            live.append((profile, findings))
    if live:
        from awsprofiles.aws.identity import Resolver

        # A credential_process it starts (a keyring source's MFA session) must not ask for a code;
        # only those: this process's environment is left alone for the caller's later commands.
        resolver = Resolver(
            paths, timeout, snapshot=snapshot, processes_may_prompt=False, wait_longer=wait_longer
        )
        results.update(run_live(resolver, live, jobs, timeout))
    return [results[name] for name in names]


def verify_profile(paths: Paths, name: str, timeout: float = 10.0) -> tuple[CheckResult | None, list[str]]:
    """The live check run after add-user/add-role, and the lint notes that do not break it.

    The files are read and linted once: fatal findings fail the check without an AWS call, the
    others come back as warnings for the caller to print. The live part uses the profile as env
    would (`identity_as_used`): on a terminal an MFA code is asked for; where none can be, the
    result is None: not checked (the profile may well work, nothing is known yet).
    """
    snapshot = store.load(paths)
    profile = snapshot.require(name)
    findings = lint_profiles(snapshot, paths, [name]).of(name)
    warnings = environment_warnings(snapshot) + [finding.message for finding in findings if not finding.fatal]
    fatal = [finding for finding in findings if finding.fatal]
    started = time.monotonic()
    if fatal:
        return _lint_result(profile, fatal, started), warnings
    # The command that made the profile has no --timeout; the check of it has.
    longer = f"wait longer: 'profiles check {name} --timeout SECONDS'"
    try:
        # The file's own warnings were said by the edit just made.
        found: Identity | CheckFailed = identity_as_used(
            paths, name, timeout=timeout, wait_longer=longer, warn=lambda _: None
        )
    except MfaCodeNeeded:
        return None, warnings
    except CheckFailed as error:
        found = error
    return _live_result(profile, found, [], started), warnings


def identity_as_used(
    paths: Paths,
    name: str,
    *,
    timeout: float = 10.0,
    wait_longer: str | None = None,
    mfa_code: str | None = None,
    warn: Callable[[list[str]], None],
) -> Identity:
    """Who ``name`` is with the credentials env and exec give it (`using.credentials_for`: the AWS
    CLI's cache, an MFA code asked for on a terminal or given): STS GetCallerIdentity, signed
    with them. Raises `MfaCodeNeeded` when a code is needed and cannot be asked for here.
    Each AWS call (a role's AssumeRole too) has ``timeout`` seconds; ``wait_longer``: what the
    command offers after a timeout."""
    from awsprofiles import using
    from awsprofiles.aws.identity import identify

    credentials = using.credentials_for(
        paths, name, mfa_code=mfa_code, timeout=timeout, wait_longer=wait_longer, warn=warn
    )
    return identify(paths, name, credentials, timeout, wait_longer=wait_longer)


def whoami(
    paths: Paths,
    name: str | None,
    timeout: float = 10.0,
    environ: Mapping[str, str] | None = None,
    *,
    mfa_code: str | None = None,
    warn: Callable[[list[str]], None] = lambda warnings: None,
) -> tuple[str, Identity]:
    """Who AWS says ``name`` is (STS GetCallerIdentity), and the profile's name to show: without
    ``name``, the profile botocore uses ($AWS_DEFAULT_PROFILE, else $AWS_PROFILE, else default),
    which every message names.

    A profile of the files is used as env uses it (`identity_as_used`); keys in the environment
    without a NAME, or no profile at all, are botocore's own chain, as ``aws sts
    get-caller-identity`` without ``--profile`` uses them."""
    from awsprofiles.aws.identity import Resolver

    environ = os.environ if environ is None else environ
    snapshot = store.load(paths)
    from_environment = model.environment_profile(environ)
    if name is not None:
        snapshot.require(name)
    elif from_environment is not None and snapshot.profile(from_environment[1]) is None:
        # botocore would fail with ProfileNotFound, even with keys in the environment.
        variable, value = from_environment
        raise BadInput(
            f"{variable}={value} names no profile{model.did_you_mean(value, snapshot.names())} "
            f"(unset {variable}, set it to a profile 'profiles list' shows, or run 'profiles whoami NAME')"
        )
    shown = name or (from_environment[1] if from_environment else "default")
    if name is not None or (shells.ACCESS_KEY_ID not in environ and snapshot.profile(shown) is not None):
        found = identity_as_used(
            paths, shown, timeout=timeout, wait_longer=RAISE_TIMEOUT, mfa_code=mfa_code, warn=warn
        )
        return shown, found
    if mfa_code is not None:
        raise BadInput("--mfa-code applies to a profile: name it ('profiles whoami NAME --mfa-code CODE')")
    return shown, Resolver(paths, timeout, snapshot=snapshot, wait_longer=RAISE_TIMEOUT).whoami(name)
