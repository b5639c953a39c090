#!/usr/bin/env python3
"""Benchmark ``profiles check`` against a shell loop of ``aws sts get-caller-identity``.

Starts moto_server on a free loopback port, creates 50 IAM users with keys and 50 roles (role i
trusts user i), writes 100 profiles (50 keys, 50 roles) to a temporary folder, enables IAM
enforcement, then times, in the same run and against the same server:

* ``profiles check`` over the 100 profiles (one process, concurrent), and
* ``for p in ...; do aws sts get-caller-identity --profile "$p"; done`` (one process per profile).

Targets (issue 3): profiles check at least 15x faster than the loop, and under 3 s wall.
Usage: scripts/bench_check.py [--users N] [--runs N]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

REGION = "eu-west-1"
ADMIN = {"aws_access_key_id": "AKIAADMINADMINADMIN1", "aws_secret_access_key": "admin-secret"}
ASSUME = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": ["sts:AssumeRole"], "Resource": "*"}],
}
TARGET_SPEEDUP = 15.0
TARGET_WALL_SECONDS = 3.0


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _bin(name: str) -> str:
    found = shutil.which(name, path=os.path.dirname(sys.executable)) or shutil.which(name)
    if not found:
        raise SystemExit(f"error: {name} not found; install the dev extras (pip install -e '.[dev]')")
    return found


@contextlib.contextmanager
def moto_server(log: Path) -> Iterator[str]:
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    env = {**os.environ, "MOTO_IAM_LOAD_MANAGED_POLICIES": "false"}
    with open(log, "ab") as out:
        process = subprocess.Popen(
            [_bin("moto_server"), "-H", "127.0.0.1", "-p", str(port)],
            stdout=out,
            stderr=subprocess.STDOUT,
            env=env,
        )
    try:
        deadline = time.monotonic() + 30
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


def _post(url: str, body: str) -> None:
    request = urllib.request.Request(  # noqa: S310  (loopback http)
        url, data=body.encode(), method="POST", headers={"Content-Type": "text/plain"}
    )
    urllib.request.urlopen(request, timeout=10).close()  # noqa: S310


def populate(url: str, users: int, folder: Path) -> tuple[Path, Path, list[str]]:
    """Users with keys and roles trusting them, and the profiles that use them."""
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
        role = iam.create_role(RoleName=f"role{n:02d}", AssumeRolePolicyDocument=json.dumps(trust))["Role"][
            "Arn"
        ]
        credentials.append(
            f"[{user}]\naws_access_key_id = {key['AccessKeyId']}\n"
            f"aws_secret_access_key = {key['SecretAccessKey']}\n"
        )
        config.append(f"[profile {user}]\nregion = {REGION}\n")
        config.append(
            f"[profile role{n:02d}]\nrole_arn = {role}\nsource_profile = {user}\nregion = {REGION}\n"
        )
        names += [user, f"role{n:02d}"]
    config_file, credentials_file = folder / "config", folder / "credentials"
    config_file.write_text("\n".join(config))
    credentials_file.write_text("\n".join(credentials))
    os.chmod(credentials_file, 0o600)
    return config_file, credentials_file, names


def timed(command: list[str], env: dict[str, str]) -> tuple[float, subprocess.CompletedProcess[str]]:
    started = time.perf_counter()
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=1800)
    return time.perf_counter() - started, done


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--users", type=int, default=50, help="users (and as many roles) [50]")
    parser.add_argument("--runs", type=int, default=3, help="runs of profiles check; the best counts [3]")
    args = parser.parse_args(argv)

    with (
        tempfile.TemporaryDirectory(prefix="bench-check-") as tmp,
        moto_server(Path(tmp) / "moto.log") as url,
    ):
        folder = Path(tmp)
        config_file, credentials_file, names = populate(url, args.users, folder)
        _post(f"{url}/moto-api/reset-auth", "0")  # IAM enforcement on: trust policies hold
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        env.update(
            AWS_CONFIG_FILE=str(config_file),
            AWS_SHARED_CREDENTIALS_FILE=str(credentials_file),
            AWS_ENDPOINT_URL=url,
            AWS_EC2_METADATA_DISABLED="true",
            AWS_PAGER="",
            HOME=str(folder),
        )
        check_times = []
        for _ in range(args.runs):
            seconds, done = timed([_bin("profiles"), "check", "--json"], env)
            rows = json.loads(done.stdout or "[]")
            failed = [row for row in rows if not row["ok"]]
            if done.returncode != 0 or len(rows) != len(names):
                print(
                    f"error: profiles check failed ({len(failed)} of {len(rows)}): {failed[:2]}",
                    file=sys.stderr,
                )
                return 1
            check_times.append(seconds)
        loop = (
            "for p in "
            + " ".join(names)
            + '; do "$AWS" sts get-caller-identity --profile "$p" >/dev/null || exit 1; done'
        )
        loop_seconds, done = timed(["bash", "-c", loop], {**env, "AWS": _bin("aws")})
        if done.returncode != 0:
            print(f"error: the aws loop failed: {done.stderr[-500:]}", file=sys.stderr)
            return 1

    best = min(check_times)
    speedup = loop_seconds / best
    met = speedup >= TARGET_SPEEDUP and best < TARGET_WALL_SECONDS
    print(f"profiles:                   {len(names)} ({args.users} users with keys, {args.users} roles)")
    print(f"machine:                    {os.cpu_count()} CPUs, Python {sys.version.split()[0]}")
    print(f"profiles check (wall):      best {best:.2f} s of {', '.join(f'{t:.2f}' for t in check_times)}")
    each = loop_seconds / len(names)
    print(f"aws sts get-caller-identity loop (wall): {loop_seconds:.2f} s ({each:.2f} s each)")
    targets = f"target >= {TARGET_SPEEDUP:g}x, < {TARGET_WALL_SECONDS:g} s"
    print(f"speed-up:                   {speedup:.1f}x ({targets})")
    print(f"targets met:                {'yes' if met else 'no'}")
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
