#!/usr/bin/env python3
"""How fast ``profiles`` is, each figure measured beside its baseline in the same run.

    scripts/bench.py            every row of the speed targets (issues 2 and 11), with the
                                wall time of whole processes, as a person runs them
    scripts/bench.py --quick    the same measures on small files, for CI: each row's ratio to its
                                baseline (CPU time of the processes, which a busy machine
                                disturbs less than the wall clock) must stay under twice the
                                reference ratio recorded below; no absolute time is asserted

Every figure is the best of several runs (``--runs``), so that it measures the program rather
than the noise of a busy machine. Baselines are the AWS CLI from the same virtual environment
(awscli 1.x, a dev dependency) reading the same files, or ``profiles`` itself. ``check`` runs
against a local moto_server (50 IAM users with keys, 50 roles trusting them, IAM enforcement on).
The keyring rows (issue 10) read a real Secret Service: gnome-keyring on its own D-Bus
(tests/secret_service.py; scripts/test installs it). The fast-path rows (issue 20) put each path
served before typer and botocore load (``--version``, ``prompt``, a completion, a cached ``env``
and ``credential-process``) beside ``python -c pass`` run by turns with it, from an ordinary
install (a wheel in a virtual environment of its own; --quick: this environment's), with
``exec --server`` beside ``exec``, one credential request through the endpoint and the
endpoint's peak memory.
Prints a markdown table; exits 1 when a target is missed (or, with --quick, a figure doubled).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

REGION = "eu-west-1"
ADMIN = {"aws_access_key_id": "AKIAADMINADMINADMIN1", "aws_secret_access_key": "admin-secret"}
ASSUME = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": ["sts:AssumeRole"], "Resource": "*"}],
}
#: Any AWS call a measured command makes by mistake fails at once instead of waiting on a network.
NOWHERE = "http://127.0.0.1:9"
#: What bash's script sends for 'profiles env team-0<TAB>' (see awsprofiles.completion).
COMPLETE_ENV = {"_PROFILES_COMPLETE": "bash", "_PROFILES_COMPLETE_LINE": "profiles env team-0"}
ROOT = Path(__file__).resolve().parents[1]


# --------------------------------------------------------------------------- running commands


@dataclass(frozen=True)
class Timing:
    wall: float  # seconds, best of the runs
    cpu: float  # user + system seconds of the process and its children, best of the runs


def _bin(name: str) -> str:
    found = shutil.which(name, path=os.path.dirname(sys.executable)) or shutil.which(name)
    if not found:
        raise SystemExit(f"error: {name} not found; install the dev extras (pip install -e '.[dev]')")
    return found


def measure(
    argv: list[str], env: dict[str, str], runs: int, before: Callable[[], None] | None = None
) -> Timing:
    """Run ``argv`` ``runs`` times; it must succeed every time."""
    walls, cpus = [], []
    for _ in range(runs):
        if before is not None:
            before()
        started = time.perf_counter()
        process = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        assert process.stderr is not None
        errors = process.stderr.read()
        _, status, usage = os.wait4(process.pid, 0)
        walls.append(time.perf_counter() - started)
        process.returncode = os.waitstatus_to_exitcode(status)
        if process.returncode != 0:
            raise SystemExit(f"error: {' '.join(argv)} failed: {errors.decode(errors='replace').strip()}")
        cpus.append(usage.ru_utime + usage.ru_stime)
    return Timing(min(walls), min(cpus))


# A process forked from this one (which holds boto3) would count this one's memory in its peak:
# Linux carries the resident set of the forked copy into the rusage of the program it execs.
_PEAK = (
    "import os, subprocess, sys\n"
    "child = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL)\n"
    "_, status, usage = os.wait4(child.pid, 0)\n"
    "print(usage.ru_maxrss)\n"
    "sys.exit(os.waitstatus_to_exitcode(status))\n"
)


def peak_mib(argv: list[str], env: dict[str, str]) -> float:
    """The peak resident set of ``argv``, started from a small launcher (a few MiB counted in)."""
    done = subprocess.run(
        [sys.executable, "-I", "-S", "-c", _PEAK, *argv], env=env, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise SystemExit(f"error: {' '.join(argv)} failed: {done.stderr.strip()}")
    return int(done.stdout.split()[-1]) / 1024


# --------------------------------------------------------------------------- generated files


def generate(folder: Path, count: int) -> tuple[Path, Path]:
    """A config and credentials pair: two thirds user profiles with keys, one third roles."""
    config, credentials = folder / "config", folder / "credentials"
    config_lines = ["# generated by scripts/bench.py", "[default]", "region = us-east-1", "output = json", ""]
    credential_lines = []
    for number in range(count):
        name = f"team-{number:05d}"
        if number % 3 == 2:
            source = f"team-{number - 1:05d}"
            config_lines += [
                f"[profile {name}]",
                f"role_arn = arn:aws:iam::{100000000000 + number}:role/deploy/Deployer",
                f"source_profile = {source}",
                "role_session_name = bench",
                "region = eu-west-1",
                "",
            ]
        else:
            config_lines += [f"[profile {name}]", "# keys rotated quarterly", "region = eu-west-1", ""]
            credential_lines += [
                f"[{name}]",
                f"aws_access_key_id = AKIA{number:016d}",
                f"aws_secret_access_key = {'x' * 40}",
                "",
            ]
    config.write_text("\n".join(config_lines))
    credentials.write_text("\n".join(credential_lines))
    os.chmod(credentials, 0o600)
    return config, credentials


def cache_session(home: Path, config: Path, credentials: Path, profile: str) -> None:
    """Put a valid session of ``profile``'s role in the AWS CLI's cache, as the CLI leaves it."""
    from awsprofiles import store
    from awsprofiles.aws.role_cache import assume_role_arguments, cache_key

    found = store.load(store.Paths(config, credentials)).profile(profile)
    assert found is not None
    arguments = assume_role_arguments(found.values)
    assert arguments is not None
    expires = datetime.now(UTC) + timedelta(hours=1)
    entry = {
        "Credentials": {
            "AccessKeyId": "ASIABENCHBENCHBENCH1",
            "SecretAccessKey": "bench-secret",
            "SessionToken": "bench-token",
            "Expiration": expires.strftime("%Y-%m-%dT%H:%M:%SUTC"),
        }
    }
    folder = home / ".aws" / "cli" / "cache"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{cache_key(arguments)}.json").write_text(json.dumps(entry))


@dataclass
class Files:
    """Generated files of ``count`` profiles and the environment that points every tool at them."""

    count: int
    config: Path
    credentials: Path
    env: dict[str, str]
    role: str  # a role profile (source: keys), whose session is cached

    @classmethod
    def make(cls, root: Path, count: int) -> Files:
        folder = root / str(count)
        folder.mkdir()
        config, credentials = generate(folder, count)
        env = {key: value for key, value in os.environ.items() if not key.startswith("AWS_")}
        env.update(
            HOME=str(folder),
            AWS_CONFIG_FILE=str(config),
            AWS_SHARED_CREDENTIALS_FILE=str(credentials),
            AWS_EC2_METADATA_DISABLED="true",
            AWS_ENDPOINT_URL=NOWHERE,
            AWS_PAGER="",
        )
        role = f"team-{(count // 2) // 3 * 3 + 2:05d}"
        cache_session(folder, config, credentials, role)
        return cls(count, config, credentials, env, role)


# --------------------------------------------------------------------------- rows


@dataclass
class Row:
    key: str  # the row's name in QUICK_REFERENCE
    measure: str
    ours: float
    baseline_name: str
    baseline: float
    unit: str  # "s", "x" (ratio ours/baseline), "speed-up" (baseline/ours), "MiB", "+s" (ours - baseline)
    target: float | None = None  # for "x"/"s"/"MiB": at most; for "speed-up": at least

    @property
    def figure(self) -> float:
        if self.unit == "x":
            return self.ours / self.baseline
        if self.unit == "speed-up":
            return self.baseline / self.ours
        if self.unit == "+s":
            return self.ours - self.baseline
        return self.ours

    def met(self) -> bool:
        if self.target is None:
            return True
        if self.unit == "speed-up":
            return self.figure >= self.target
        if self.unit in ("s", "MiB", "+s"):
            return self.figure <= self.target if self.unit == "+s" else self.figure < self.target
        return self.figure <= self.target


def _seconds(value: float) -> str:
    if value < 0.01:
        return f"{value * 1000:.2f} ms"
    return f"{value:.3f} s" if value < 10 else f"{value:.1f} s"


def _figure(row: Row, value: float) -> str:
    if row.unit == "x":
        return f"{value:.2f}x"
    if row.unit == "speed-up":
        return f"{value:.1f}x faster"
    if row.unit == "MiB":
        return f"{value:.0f} MiB"
    if row.unit == "+s":
        return f"+{value * 1000:.0f} ms"
    return _seconds(value)


def _target(row: Row) -> str:
    if row.target is None:
        return ""
    if row.unit == "speed-up":
        return f">= {row.target:g}x faster"
    if row.unit == "x":
        return f"<= {row.target:g}x"
    if row.unit == "+s":
        return f"<= {_figure(row, row.target)}"
    return f"< {_figure(row, row.target)}"


def print_rows(rows: list[Row], judge: bool) -> list[str]:
    """The table; with ``judge``, the target of each row and whether it is met."""
    print("| measure | profiles | baseline | figure | target | met |")
    print("|---|---:|---|---:|---|---|")
    missed = []
    for row in rows:
        ours = f"{row.ours:.0f} MiB" if row.unit == "MiB" else _seconds(row.ours)
        base = f"{row.baseline:.0f} MiB" if row.unit == "MiB" else _seconds(row.baseline)
        met = row.met()
        target = _target(row) if judge else ""
        mark = "" if not target else ("yes" if met else "**no**")
        print(
            f"| {row.measure} | {ours} | {row.baseline_name}: {base} | {_figure(row, row.figure)} | "
            f"{target} | {mark} |"
        )
        if target and not met:
            missed.append(f"{row.measure}: {_figure(row, row.figure)}, target {target}")
    return missed


# --------------------------------------------------------------------------- the emulator


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def moto_server(log: Path) -> Iterator[str]:
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    with open(log, "ab") as out:
        process = subprocess.Popen(
            [_bin("moto_server"), "-H", "127.0.0.1", "-p", str(port)], stdout=out, stderr=subprocess.STDOUT
        )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(f"{url}/moto-api/", timeout=1).close()  # noqa: S310  (loopback http)
                break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise SystemExit(f"error: moto_server did not start; see {log}") from None
                time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


def enforce_iam(url: str) -> None:
    request = urllib.request.Request(  # noqa: S310  (loopback http)
        f"{url}/moto-api/reset-auth", data=b"0", method="POST", headers={"Content-Type": "text/plain"}
    )
    urllib.request.urlopen(request, timeout=10).close()  # noqa: S310


def populate(url: str, users: int, folder: Path) -> tuple[Path, Path, list[str]]:
    """Users with keys and roles trusting them (role i trusts user i), and their profiles."""
    import boto3

    iam: Any = boto3.client("iam", region_name=REGION, endpoint_url=url, **ADMIN)
    config, credentials, names = [], [], []
    for n in range(users):
        user = f"user{n:02d}"
        arn = iam.create_user(UserName=user)["User"]["Arn"]
        iam.put_user_policy(UserName=user, PolicyName="assume", PolicyDocument=json.dumps(ASSUME))
        key = iam.create_access_key(UserName=user)["AccessKey"]
        trust = {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Principal": {"AWS": arn}, "Action": "sts:AssumeRole"}],
        }
        role = iam.create_role(RoleName=f"role{n:02d}", AssumeRolePolicyDocument=json.dumps(trust))
        credentials.append(
            f"[{user}]\naws_access_key_id = {key['AccessKeyId']}\n"
            f"aws_secret_access_key = {key['SecretAccessKey']}\n"
        )
        config.append(f"[profile {user}]\nregion = {REGION}\n")
        config.append(
            f"[profile role{n:02d}]\nrole_arn = {role['Role']['Arn']}\nsource_profile = {user}\n"
            f"region = {REGION}\n"
        )
        names += [user, f"role{n:02d}"]
    config_file, credentials_file = folder / "config", folder / "credentials"
    config_file.write_text("\n".join(config))
    credentials_file.write_text("\n".join(credentials))
    os.chmod(credentials_file, 0o600)
    return config_file, credentials_file, names


def live_rows(root: Path, users: int, loop_profiles: int, runs: int, quick: bool) -> list[Row]:
    """``profiles check`` against a loop of ``aws sts get-caller-identity``, and check's memory.

    The loop runs over ``loop_profiles`` of the profiles (all of them unless --quick) and is
    scaled to all of them: each of its runs is one process doing the same work.
    """
    folder = root / "live"
    folder.mkdir()
    with moto_server(folder / "moto.log") as url:
        config, credentials, names = populate(url, users, folder)
        enforce_iam(url)
        env = {key: value for key, value in os.environ.items() if not key.startswith("AWS_")}
        env.update(
            HOME=str(folder),
            AWS_CONFIG_FILE=str(config),
            AWS_SHARED_CREDENTIALS_FILE=str(credentials),
            AWS_ENDPOINT_URL=url,
            AWS_EC2_METADATA_DISABLED="true",
            AWS_PAGER="",
        )
        checked = subprocess.run(
            [_bin("profiles"), "check", "--json"], env=env, capture_output=True, text=True, timeout=600
        )
        rows = json.loads(checked.stdout or "[]")
        failed = [row for row in rows if not row["ok"]]
        if checked.returncode != 0 or len(rows) != len(names):
            raise SystemExit(f"error: profiles check failed ({len(failed)} of {len(rows)}): {failed[:2]}")
        check = measure([_bin("profiles"), "check"], env, runs)
        check_peak = peak_mib([_bin("profiles"), "check"], env)
        looped = names[: loop_profiles or len(names)]
        script = 'for p in "$@"; do "$AWS" sts get-caller-identity --profile "$p" >/dev/null || exit 1; done'
        loop = measure(["bash", "-c", script, "loop", *looped], {**env, "AWS": _bin("aws")}, 1)
        one_peak = peak_mib([_bin("aws"), "sts", "get-caller-identity", "--profile", names[1]], env)
    scale = len(names) / len(looped)
    clock = "cpu" if quick else "wall"
    loop_name = f"`aws sts get-caller-identity` x {len(names)}" + (
        f" (from {len(looped)})" if scale != 1 else ""
    )
    return [
        Row(
            "check",
            f"`profiles check`, {len(names)} (keys and roles), moto_server",
            getattr(check, clock),
            loop_name,
            getattr(loop, clock) * scale,
            "speed-up",
            30.0,
        ),
        Row(
            "memory",
            f"peak memory of `profiles check`, {len(names)}",
            check_peak,
            "one `aws sts get-caller-identity`",
            one_peak,
            "MiB",
            150.0,
        ),
    ]


# --------------------------------------------------------------------------- the file rows


def file_rows(root: Path, sizes: dict[str, int], runs: int, quick: bool) -> list[Row]:
    """The rows on generated files. --quick compares every row with one baseline, the AWS CLI
    reading the small files (most of a quick run's time is the AWS CLI's)."""
    profiles, aws = _bin("profiles"), _bin("aws")
    clock = "cpu" if quick else "wall"
    small, large, huge = (Files.make(root, sizes[size]) for size in ("small", "large", "huge"))

    def timed(argv: list[str], of: Files, before: Callable[[], None] | None = None) -> float:
        return float(getattr(measure(argv, of.env, runs, before), clock))

    def aws_get(of: Files) -> tuple[str, float]:
        name = f"one `aws configure get`, {of.count:,}"
        return name, timed([aws, "configure", "get", "region", "--profile", of.role], of)

    first = aws_get(small)

    def baseline(make: Callable[[], tuple[str, float]]) -> tuple[str, float]:
        return first if quick else make()

    def row(key: str, measure: str, ours: float, base: tuple[str, float], unit: str, target: float) -> Row:
        return Row(key, measure, ours, base[0], base[1], unit, None if quick and unit == "s" else target)

    pristine = large.config.read_bytes()

    def restore() -> None:
        large.config.write_bytes(pristine)  # every run makes the same real edit

    aws_set = [aws, "configure", "set", "region", "ap-south-1", "--profile", large.role]
    completing = {**small.env, **COMPLETE_ENV}
    measure([profiles], completing, 1)  # builds the completion spec once, as a first Tab does
    rows = [
        row("list", f"`profiles list`, {small.count:,}", timed([profiles, "list"], small), first, "x", 0.3),
        row(
            "env",
            f"`profiles env ROLE --shell bash`, cached, {small.count:,}",
            timed([profiles, "env", small.role, "--shell", "bash"], small),
            first,
            "x",
            0.5,
        ),
        row(
            "complete",
            f"`profiles env <Tab>` (completion), {small.count:,}",
            float(getattr(measure([profiles], completing, runs), clock)),
            first,
            "s",
            0.15,
        ),
        row(
            "env-large",
            f"`profiles env ROLE`, cached, {large.count:,}",
            timed([profiles, "env", large.role, "--shell", "bash"], large),
            baseline(lambda: aws_get(large)),
            "s",
            0.5,
        ),
        row(
            "check-offline",
            f"`profiles check --offline`, {large.count:,}",
            timed([profiles, "check", "--offline"], large),
            (f"`profiles list`, {large.count:,}", timed([profiles, "list"], large)),
            "x",
            3.0,
        ),
        row(
            "set",
            f"`profiles set`, {large.count:,}",
            timed([profiles, "set", large.role, "region", "ap-south-1"], large, restore),
            baseline(lambda: ("`aws configure set`", timed(aws_set, large, restore))),
            "s",
            1.0,
        ),
        row(
            "list-huge",
            f"`profiles list`, {huge.count:,}",
            timed([profiles, "list"], huge),
            baseline(lambda: aws_get(huge)),
            "s",
            3.0,
        ),
    ]
    restore()
    return rows


# --------------------------------------------------------------------------- the keyring rows


def keyring_rows(root: Path, runs: int, quick: bool) -> list[Row]:
    """``credential-process NAME --from-keyring`` serving a key and a kept MFA session from a real
    Secret Service, beside one ``aws configure get`` of the same files."""
    sys.path.insert(0, str(ROOT))
    from tests import secret_service

    from awsprofiles import store, vault

    if not secret_service.available():
        print("skipped: the keyring rows need gnome-keyring-daemon and dbus-run-session", file=sys.stderr)
        return []
    folder = root / "keyring"
    folder.mkdir()
    config, credentials = folder / "config", folder / "credentials"
    serial = "arn:aws:iam::123456789012:mfa/bench"
    lines = []
    for name, extra in (("keys", ""), ("mfa", f"mfa_serial = {serial}\n")):
        command = f"{_bin('profiles')} credential-process {name} --from-keyring"
        lines.append(f"[profile {name}]\nregion = {REGION}\n{extra}credential_process = {command}\n")
    config.write_text("\n".join(lines))
    clock = "cpu" if quick else "wall"
    with secret_service.running(folder / "secret-service") as bus:
        env = {key: value for key, value in os.environ.items() if not key.startswith("AWS_")}
        env.update(
            bus, HOME=str(folder), AWS_CONFIG_FILE=str(config), AWS_SHARED_CREDENTIALS_FILE=str(credentials)
        )
        env.update(AWS_EC2_METADATA_DISABLED="true", AWS_ENDPOINT_URL=NOWHERE, AWS_PAGER="")
        saved = dict(os.environ)
        os.environ.update(env)
        try:
            paths = store.Paths(config, credentials)
            key = {"aws_access_key_id": "AKIABENCH00000000001", "aws_secret_access_key": "bench-secret"}
            for name in ("keys", "mfa"):
                vault.put(vault.item_user(paths, name), vault.encode_key(key))
            expires = datetime.now(UTC) + timedelta(hours=12)
            kept = vault.Session("ASIABENCH00000000001", "s", "t", expires, key["aws_access_key_id"], serial)
            vault.write_session(paths, "mfa", kept)
        finally:
            os.environ.clear()
            os.environ.update(saved)

        def served(name: str) -> float:
            argv = [_bin("profiles"), "credential-process", name, "--from-keyring"]
            return float(getattr(measure(argv, env, runs), clock))

        aws_get = [_bin("aws"), "configure", "get", "region", "--profile", "mfa"]
        baseline = ("one `aws configure get`", float(getattr(measure(aws_get, env, runs), clock)))
        served_as = "`profiles credential-process NAME --from-keyring`"
        rows = [
            ("keyring-key", f"{served_as}, the key", served("keys"), None),
            ("keyring-session", f"{served_as}, a kept MFA session", served("mfa"), None if quick else 0.25),
        ]
    return [Row(key, label, ours, *baseline, "s", target) for key, label, ours, target in rows]


# --------------------------------------------------------------------------- fast paths, endpoint

#: The fast paths (served before typer and botocore load) run on a file of this many profiles, a
#: person's own; each must stay within FAST_TARGET times a bare `python -c pass`.
FAST_PROFILES = 50
FAST_TARGET = 2.5
#: Each fast path runs this many times by turns with `python -c pass`; the best of each counts.
FAST_RUNS = 15
#: What a shell's prompt shows after `profiles env` (`profiles prompt` reads the environment only).
PROMPT_ENV = {
    "PROFILES_ACTIVE": "team-00002",
    "AWS_ACCESS_KEY_ID": "ASIABENCH",
    "AWS_CREDENTIAL_EXPIRATION": "",
}


def ordinary_install(root: Path) -> str:
    """``profiles`` installed from a wheel into a virtual environment of its own, as ``pip install
    .`` does (compiled, no editable finder), with the dependencies of this one; its script."""
    wheels, venv = root / "wheel", root / "venv"
    quiet = ["--quiet", "--disable-pip-version-check"]
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", *quiet, "--no-deps", "-w", str(wheels), str(ROOT)],
        check=True, capture_output=True,
    )  # fmt: skip
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    site = next((venv / "lib").glob("python*/site-packages"))
    # After the package itself: the dependencies (typer, botocore, ...) of this environment.
    (site / "zz-dependencies.pth").write_text(
        "".join(f"{path}\n" for path in sys.path if path.endswith("site-packages"))
    )
    [wheel] = wheels.glob("*.whl")
    python = venv / "bin" / "python"
    subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", *quiet, "--no-deps", str(wheel)],
        check=True, capture_output=True,
    )  # fmt: skip
    return str(venv / "bin" / "profiles")


@contextlib.contextmanager
def _serving(profiles: str, files: Files) -> Iterator[tuple[subprocess.Popen[str], str, str]]:
    """`profiles serve ROLE` running: the process, its URL and its token."""
    process = subprocess.Popen(
        [profiles, "serve", files.role, "--shell", "sh"],
        env=files.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert process.stdout is not None
    values = {}
    for line in process.stdout:
        name, _, value = line.strip().removeprefix("export ").partition("=")
        values[name] = value.strip("'")
        if name == "PROFILES_ACTIVE":
            break
    try:
        yield (
            process,
            values["AWS_CONTAINER_CREDENTIALS_FULL_URI"],
            values["AWS_CONTAINER_AUTHORIZATION_TOKEN"],
        )
    finally:
        process.send_signal(signal.SIGTERM)
        process.communicate(timeout=30)


def _request(url: str, token: str) -> float:
    """One credential request as an SDK makes it (a connection of its own); its seconds."""
    import http.client
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    started = time.perf_counter()
    connection = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=10)
    connection.request("GET", parts.path, headers={"Authorization": token})
    response = connection.getresponse()
    body = response.read()
    connection.close()
    elapsed = time.perf_counter() - started
    if response.status != 200 or b"AccessKeyId" not in body:
        raise SystemExit(f"error: the endpoint answered {response.status}")
    return elapsed


def _high_water_mib(pid: int) -> float:
    """The peak resident set of a running process (Linux), in MiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise SystemExit("error: no VmHWM in /proc")


def fast_rows(root: Path, runs: int, quick: bool) -> list[Row]:
    """Each fast path beside `python -c pass`, from an ordinary install (--quick: this environment's,
    which is the same code behind a path entry); `prompt`; `exec --server` beside `exec`; one
    credential request through the endpoint and the endpoint's memory."""
    folder = root / "fast"
    folder.mkdir()
    files = Files.make(folder, FAST_PROFILES)
    profiles = _bin("profiles") if quick else ordinary_install(folder)
    clock = "cpu" if quick else "wall"
    more = max(runs, 7)  # tens of milliseconds each: more runs, for the best one

    def timed(argv: list[str], env: dict[str, str] | None = None) -> float:
        return float(getattr(measure(argv, env or files.env, more), clock))

    def beside_python(argv: list[str], env: dict[str, str] | None = None) -> tuple[float, float]:
        """``argv`` and `python -c pass` run by turns (best of `FAST_RUNS` each): a few milliseconds
        apart, both are measured under the same load of the machine."""
        ours, python = [], []
        for _ in range(max(runs, FAST_RUNS)):
            ours.append(getattr(measure(argv, env or files.env, 1), clock))
            python.append(getattr(measure([sys.executable, "-c", "pass"], files.env, 1), clock))
        return float(min(ours)), float(min(python))

    expires = (datetime.now(UTC) + timedelta(minutes=42)).strftime("%Y-%m-%dT%H:%M:%SZ")
    prompting = {**files.env, **PROMPT_ENV, "AWS_CREDENTIAL_EXPIRATION": expires}
    completing = {**files.env, **COMPLETE_ENV}
    measure([profiles], completing, 1)  # builds the completion spec once, as a first Tab does
    of = f"{FAST_PROFILES} profiles"
    fast = [
        ("fast-version", "`profiles --version`", beside_python([profiles, "--version"])),
        ("fast-prompt", "`profiles prompt`", beside_python([profiles, "prompt"], prompting)),
        ("fast-complete", f"`profiles env <Tab>` (completion), {of}", beside_python([profiles], completing)),
        ("fast-env", f"`profiles env ROLE --shell bash`, cached, {of}",
         beside_python([profiles, "env", files.role, "--shell", "bash"])),
        ("fast-process", f"`profiles credential-process ROLE`, cached, {of}",
         beside_python([profiles, "credential-process", files.role])),
    ]  # fmt: skip
    python = "`python -c pass`"
    rows = [
        Row(key, label, ours, python, baseline, "x", FAST_TARGET) for key, label, (ours, baseline) in fast
    ]
    if not quick:  # its absolute target, beside the same baseline
        prompt, baseline = fast[1][2]
        rows.append(Row("prompt", "`profiles prompt`", prompt, python, baseline, "s", 0.040))
    plain = timed([profiles, "exec", files.role, "--", "true"])
    served = timed([profiles, "exec", files.role, "--server", "--", "true"])
    rows.append(
        Row("exec-server", f"`exec --server` starts a command, {of}", served,
            "`exec`", plain, "+s", None if quick else 0.050)
    )  # fmt: skip
    with _serving(profiles, files) as (process, url, token):
        requests = sorted(_request(url, token) for _ in range(50))
        memory = _high_water_mib(process.pid)
    one = requests[len(requests) // 2]  # the median: each request is a few milliseconds of threads
    process_call = ("`profiles credential-process ROLE`", timed([profiles, "credential-process", files.role]))
    rows.append(
        Row("endpoint-request", "one credential request through the endpoint (median of 50)", one,
            *process_call, "s", None if quick else 0.005)
    )  # fmt: skip
    aws_peak = peak_mib([_bin("aws"), "configure", "get", "region", "--profile", files.role], files.env)
    rows.append(
        Row("endpoint-memory", "peak memory of the endpoint (`profiles serve`), 50 requests", memory,
            "one `aws configure get`", aws_peak, "MiB", 60.0)
    )  # fmt: skip
    return rows


# --------------------------------------------------------------------------- quick mode

#: --quick: each row's ratio to its baseline on the reference machine (2 CPUs, Python 3.11, CPU
#: time, best of the runs). A ratio above twice its reference fails CI. Rows whose figure is a
#: time or a size are compared through the ratio ours/baseline as well.
QUICK_REFERENCE = {
    "list": 0.23,
    "env": 0.09,
    "complete": 0.085,
    "env-large": 0.13,
    "check-offline": 1.4,
    "set": 0.43,
    "list-huge": 0.55,
    "check": 0.045,  # profiles check / the aws loop (the inverse of the speed-up)
    "memory": 1.0,
    "keyring-key": 0.3,
    "keyring-session": 0.3,
    "fast-version": 1.1,  # the fast paths / `python -c pass`, measured by turns
    "fast-prompt": 1.4,
    "fast-complete": 2.3,
    "fast-env": 2.4,
    "fast-process": 2.4,
    "exec-server": 1.85,  # exec --server / exec (exec's fast path loads far less than the endpoint)
    # a request's wall time / credential-process's CPU time: lenient, threads on a busy machine
    "endpoint-request": 0.03,
    "endpoint-memory": 0.8,
}
QUICK_SIZES = {"small": 1_000, "large": 3_000, "huge": 10_000}
FULL_SIZES = {"small": 1_000, "large": 10_000, "huge": 50_000}


def quick_check(rows: list[Row]) -> list[str]:
    """Rows whose ratio to their baseline is more than twice the reference: a regression."""
    failures = []
    print("\n| row | ratio to its baseline | reference | fails above |")
    print("|---|---:|---:|---:|")
    for row in rows:
        reference = QUICK_REFERENCE[row.key]
        ratio = row.ours / row.baseline
        print(f"| {row.key} | {ratio:.3f} | {reference:.3f} | {2 * reference:.3f} |")
        if ratio > 2 * reference:
            failures.append(f"{row.measure}: {ratio:.3f} of its baseline, more than twice {reference}")
    return failures


def compile_bytecode() -> None:
    """Compile the package's modules, as pip does when it installs them. Where
    PYTHONDONTWRITEBYTECODE is set (this project's CI machines set it) an editable install is
    never compiled, and every measured run would compile each module it imports (~40 ms for the
    store alone) while the AWS CLI's installed modules are read compiled: neither is what a user
    runs."""
    import compileall

    import awsprofiles

    compileall.compile_dir(str(Path(awsprofiles.__file__).parent), quiet=1)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="small sizes, ratios against the reference (CI)")
    parser.add_argument(
        "--runs", type=int, default=None, help="runs per figure; the best counts [5; quick 3]"
    )
    parser.add_argument("--no-live", action="store_true", help="skip the rows that need moto_server")
    parser.add_argument("--no-keyring", action="store_true", help="skip the rows that need gnome-keyring")
    parser.add_argument(
        "--only",
        choices=("files", "live", "keyring", "fast"),
        help="only these rows (generated files, moto_server, keyring, fast paths and the endpoint)",
    )
    args = parser.parse_args(argv)
    runs = args.runs or (3 if args.quick else 5)
    started = time.monotonic()
    compile_bytecode()
    with tempfile.TemporaryDirectory(prefix="profiles-bench-") as tmp:
        root = Path(tmp)
        rows = []
        if args.only in (None, "files"):
            rows += file_rows(root, QUICK_SIZES if args.quick else FULL_SIZES, runs, args.quick)
        if args.only in (None, "fast"):
            rows += fast_rows(root, runs, args.quick)
        if args.only == "keyring" or (args.only is None and not args.no_keyring):
            rows += keyring_rows(root, runs, args.quick)
        if args.only == "live" or (args.only is None and not args.no_live):
            if args.quick:
                rows += live_rows(root, users=10, loop_profiles=4, runs=runs, quick=True)
            else:
                rows += live_rows(root, users=50, loop_profiles=0, runs=3, quick=False)
    missed = print_rows(rows, judge=not args.quick)
    clock = "CPU time (user + system)" if args.quick else "wall clock"
    python = sys.version.split()[0]
    print(
        f"\nbest of {runs} runs, {clock}, whole processes; Python {python}, {os.cpu_count()} CPUs; "
        f"{time.monotonic() - started:.0f} s in all"
    )
    if args.quick:
        missed = quick_check(rows)
    for line in missed:
        print(f"MISSED: {line}", file=sys.stderr)
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
