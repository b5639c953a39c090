"""The credential endpoint end to end: `profiles exec NAME --server` and `profiles serve NAME` with
the real `aws` CLI and a boto3 script calling STS (moto_server, IAM enforcement on) through it.

Renewal is proven on the real thing with a short session: `--duration 900` (the shortest STS
gives) and ``PROFILES_REFRESH_SECONDS=895`` (the documented setting: renew five seconds into the
session instead of fifteen minutes before its end): a request after that point gets a new
session, assumed again, while one before it gets the first.
"""

from __future__ import annotations

import json
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from awsprofiles import shells
from tests.conftest import PROFILES
from tests.e2e.conftest import Article
from tests.e2e.test_env import _mfa_role, assumed_roles, shell_env
from tests.e2e.test_sso_e2e import ROLE_ARN_PREFIX as SSO_ROLE_ARN_PREFIX
from tests.e2e.test_sso_e2e import TEAM, Team, team  # noqa: F401  (team: a fixture)
from tests.test_endpoint import marks_the_shell
from tests.test_exec_child import trapping as trapping_command

pytestmark = pytest.mark.e2e

#: The command under test: calls STS through the endpoint with boto3, and looks at the endpoint
#: itself with and without its token; writes what it saw (JSON) to argv[1].
CHILD = r"""
import http.client, json, os, sys, time, urllib.parse
import boto3

url = os.environ["AWS_CONTAINER_CREDENTIALS_FULL_URI"]
token = os.environ["AWS_CONTAINER_AUTHORIZATION_TOKEN"]
parsed = urllib.parse.urlsplit(url)

def fetch(headers, host=None):
    connection = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=30)
    connection.putrequest("GET", parsed.path, skip_host=host is not None)
    if host is not None:
        connection.putheader("Host", host)
    for name, value in headers.items():
        connection.putheader(name, value)
    connection.endheaders()
    response = connection.getresponse()
    body = json.loads(response.read())
    connection.close()
    return response.status, body

seen = {"url": url, "pid": os.getpid(), "environment": sorted(os.environ)}
seen["region"] = os.environ.get("AWS_REGION")
seen["arn"] = boto3.client("sts").get_caller_identity()["Arn"]
seen["served"] = [fetch({"Authorization": token})]
seen["missing"] = fetch({})[0]
seen["wrong"] = fetch({"Authorization": token[:-1] + ("0" if token[-1] != "0" else "1")})[0]
seen["rebound"] = fetch({"Authorization": token}, host="attacker.example:%d" % parsed.port)[0]
seen["served"].append(fetch({"Authorization": token}))
wait = float(sys.argv[2]) if len(sys.argv) > 2 else 0
if wait:
    time.sleep(wait)
    seen["served"].append(fetch({"Authorization": token}))
    seen["arn_after"] = boto3.client("sts").get_caller_identity()["Arn"]
with open(sys.argv[1], "w") as out:
    json.dump(seen, out)
"""


def child_script(tmp_path: Path) -> Path:
    script = tmp_path / "child.py"
    script.write_text(CHILD)
    return script


def port_closed(url: str) -> bool:
    port = int(url.rsplit(":", 1)[1].strip("/"))
    try:
        socket.create_connection(("127.0.0.1", port), timeout=2).close()
    except ConnectionRefusedError:
        return True
    return False


def role_arn_prefix(article: Article) -> str:
    return f"arn:aws:sts::{article.account}:assumed-role/example-role/"


def test_a_boto3_command_calls_sts_as_the_role_through_the_endpoint(roles: Article, tmp_path: Path) -> None:
    seen_file = tmp_path / "seen.json"
    env = shell_env(roles)
    env["AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"] = "/v2/credentials/inherited"  # as inside ECS
    env["AWS_ACCESS_KEY_ID"] = "AKIAINHERITEDINHERIT"
    ran = subprocess.run(
        [*PROFILES, "exec", "example-role", "--server", "--", sys.executable, str(child_script(tmp_path)),
         str(seen_file)],
        capture_output=True, text=True, env=env, timeout=120,
    )  # fmt: skip
    assert ran.returncode == 0, ran.stderr
    seen = json.loads(seen_file.read_text())
    assert seen["arn"].startswith(role_arn_prefix(roles))
    assert seen["url"].startswith("http://127.0.0.1:")
    environment = set(seen["environment"])
    assert {"AWS_CONTAINER_CREDENTIALS_FULL_URI", "AWS_CONTAINER_AUTHORIZATION_TOKEN"} <= environment
    assert "AWS_ENDPOINT_URL" in environment  # everything else passes, as with exec
    assert not environment & {
        "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE",
        "AWS_DEFAULT_PROFILE", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    }  # fmt: skip
    (status, body), (again, _) = seen["served"]
    assert status == again == 200
    assert set(body) == {"AccessKeyId", "SecretAccessKey", "Token", "Expiration"}
    assert (seen["missing"], seen["wrong"], seen["rebound"]) == (401, 403, 403)
    assert port_closed(seen["url"])  # the endpoint stopped with the command


def test_the_aws_cli_as_the_command_sees_the_role(roles: Article) -> None:
    ran = subprocess.run(
        [*PROFILES, "exec", "example-role", "--server", "--region", "us-west-2", "--",
         "sh", "-c", 'echo "$AWS_REGION"; aws sts get-caller-identity --query Arn --output text'],
        capture_output=True, text=True, env=shell_env(roles), timeout=120,
    )  # fmt: skip
    assert ran.returncode == 0, ran.stderr
    region, arn = ran.stdout.split()
    assert region == "us-west-2"
    assert arn.startswith(role_arn_prefix(roles))
    assert "AWS_CONTAINER_AUTHORIZATION_TOKEN" not in ran.stderr


def test_a_900_second_session_is_assumed_once_not_on_every_request(roles: Article, tmp_path: Path) -> None:
    """The STS minimum is no longer than the advisory window: it is renewed halfway through its
    life, not on every request (renewal end to end: test_endpoint's credential_process test)."""
    seen_file = tmp_path / "seen.json"
    ran = subprocess.run(
        [*PROFILES, "exec", "example-role", "--server", "--duration", "900", "--",
         sys.executable, str(child_script(tmp_path)), str(seen_file), "7"],
        capture_output=True, text=True, env=shell_env(roles), timeout=180,
    )  # fmt: skip
    assert ran.returncode == 0, ran.stderr
    seen = json.loads(seen_file.read_text())
    first, again, later = (body for _, body in seen["served"])
    assert first == again == later
    assert seen["arn_after"].startswith(role_arn_prefix(roles))
    assert assumed_roles(roles, roles.role_arn) == 1
    assert ran.stderr == ""


def test_exit_codes_pass_through_and_signals_reach_the_command(roles: Article) -> None:
    env = shell_env(roles)

    def exec_server(*command: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*PROFILES, "exec", "example-role", "--server", "--", *command],
            capture_output=True, text=True, env=env, timeout=120,
        )  # fmt: skip

    assert exec_server("sh", "-c", "exit 7").returncode == 7
    assert exec_server("sh", "-c", "kill -TERM $$").returncode == 128 + signal.SIGTERM
    assert exec_server("no-such-command-here").returncode == 127
    trapping = subprocess.Popen(
        [*PROFILES, "exec", "example-role", "--server", "--",
         sys.executable, "-c", trapping_command(signal.SIGTERM)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
    )  # fmt: skip
    assert trapping.stdout is not None
    assert trapping.stdout.readline() == "ready\n"
    trapping.send_signal(signal.SIGTERM)
    out, _ = trapping.communicate(timeout=60)
    assert trapping.returncode == 5
    assert out == "got-SIGTERM\n"


def _cmdline(pid: int) -> str:
    return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")


@pytest.mark.skipif(not Path("/proc/self/environ").exists(), reason="needs /proc")
def test_ps_and_proc_show_no_key_secret_or_session_token(roles: Article, tmp_path: Path) -> None:
    script = tmp_path / "hold.py"
    script.write_text(
        "import json, os, sys, time, urllib.request\n"
        "request = urllib.request.Request(os.environ['AWS_CONTAINER_CREDENTIALS_FULL_URI'],\n"
        "    headers={'Authorization': os.environ['AWS_CONTAINER_AUTHORIZATION_TOKEN']})\n"
        "served = json.load(urllib.request.urlopen(request, timeout=30))\n"
        "open(sys.argv[1], 'w').write(json.dumps({'pid': os.getpid(), 'served': served}))\n"
        "time.sleep(60)\n"
    )
    seen_file = tmp_path / "seen.json"
    process = subprocess.Popen(
        [*PROFILES, "exec", "example-role", "--server", "--", sys.executable, str(script), str(seen_file)],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=shell_env(roles),
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while not (seen_file.exists() and seen_file.read_text()) and time.monotonic() < deadline:
            time.sleep(0.1)
        seen = json.loads(seen_file.read_text())
        served = seen["served"]
        secrets = [served["AccessKeyId"], served["SecretAccessKey"], served["Token"], roles.bob_secret]
        child_environment = Path(f"/proc/{seen['pid']}/environ").read_bytes().decode(errors="replace")
        listed = subprocess.run(["ps", "-ww", "-eo", "pid,args"], capture_output=True, text=True).stdout
        shown = {
            "ps": listed,
            "profiles' cmdline": _cmdline(process.pid),
            "the command's cmdline": _cmdline(seen["pid"]),
            "the command's environ": child_environment,
        }
        for where, text in shown.items():
            for secret in secrets:
                assert secret not in text, where
        assert "AWS_CONTAINER_AUTHORIZATION_TOKEN=" in child_environment  # the one the SDK needs
        assert re.search(r"AWS_CONTAINER_AUTHORIZATION_TOKEN=[0-9a-f]{64}\0", child_environment)
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_exec_server_asks_for_the_first_mfa_code_on_its_terminal(roles: Article, tmp_path: Path) -> None:
    """As exec without --server, and serve, do: the role is assumed with the code typed, before
    the command starts, and the command gets the session through the endpoint."""
    from tests.pty_shell import type_into

    name = _mfa_role(roles)
    seen_file = tmp_path / "seen.json"
    child = [sys.executable, str(child_script(tmp_path)), str(seen_file)]
    typed = type_into(
        [*PROFILES, "exec", name, "--server", "--", *child],
        {b"Enter MFA code": b"123456"},
        env=shell_env(roles),
        timeout=120,
    )
    terminal = typed.terminal.decode(errors="replace")
    assert typed.returncode == 0, terminal
    assert f"Enter MFA code for arn:aws:iam::{roles.account}:mfa/Bob" in terminal
    served = json.loads(seen_file.read_text())["served"][0][1]
    assert served["Token"]
    assert assumed_roles(roles, roles.role_arn) == 1


def test_exec_server_without_a_terminal_says_once_that_the_role_needs_a_code(roles: Article) -> None:
    """No terminal to ask on, before the endpoint serves: one error line, that no renewal is at
    stake, and no command run."""
    name = _mfa_role(roles)
    ran = subprocess.run(
        [*PROFILES, "exec", name, "--server", "--", "touch", "ran"],
        capture_output=True, text=True, env=shell_env(roles), timeout=120, stdin=subprocess.DEVNULL,
    )  # fmt: skip
    assert ran.returncode == 1
    assert ran.stdout == ""
    assert len(ran.stderr.splitlines()) == 1, ran.stderr
    assert ran.stderr.startswith("error: ")
    assert "[mfa-required]" in ran.stderr
    assert "renew" not in ran.stderr
    assert assumed_roles(roles, roles.role_arn) == 0


# --------------------------------------------------------------------------- serve


def _serve(article: Article, *options: str) -> tuple[subprocess.Popen[str], list[str]]:
    """`profiles serve example-role` running, and the lines it printed."""
    process = subprocess.Popen(
        [*PROFILES, "serve", "example-role", *options],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=shell_env(article),
    )  # fmt: skip
    assert process.stdout is not None
    lines = []
    while not lines or not marks_the_shell(lines[-1]):
        line = process.stdout.readline()
        assert line, process.communicate(timeout=30)[1]
        lines.append(line)
    return process, lines


@pytest.mark.parametrize(("stop", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 0)])
def test_serve_serves_the_aws_cli_in_another_shell_until_a_signal(
    roles: Article,
    tmp_path: Path,
    stop: signal.Signals,
    code: int,
) -> None:
    process, lines = _serve(roles, "--shell", "bash")
    try:
        exports = tmp_path / "endpoint.sh"
        exports.write_text("".join(lines))
        used = subprocess.run(
            ["bash", "-c", f". {exports}; aws sts get-caller-identity --query Arn --output text; "
             "profiles prompt"],
            capture_output=True, text=True, env=shell_env(roles), timeout=120,
        )  # fmt: skip
        assert used.returncode == 0, used.stderr
        arn, prompt = used.stdout.splitlines()
        assert arn.startswith(role_arn_prefix(roles))
        assert prompt == "example-role"
        url = re.search(r"AWS_CONTAINER_CREDENTIALS_FULL_URI='([^']+)'", "".join(lines))
        assert url is not None
    finally:
        process.send_signal(stop)
        _, err = process.communicate(timeout=30)
    assert process.returncode == code, err
    assert port_closed(url.group(1))
    assert "serving the credentials of profile 'example-role' on http://127.0.0.1:" in err
    assert "Traceback" not in err


#: How each shell applies serve's lines from a file, takes them back with `env --unset`, and shows
#: the variables `--unset` restores ("-" for one that is not set).
SHOWN = "AWS_PROFILE AWS_DEFAULT_PROFILE AWS_REGION AWS_DEFAULT_REGION AWS_CONTAINER_CREDENTIALS_FULL_URI"
PASTE_AND_UNSET = {
    "bash": '. ./lines; eval "$(profiles env --unset --shell bash)"; '
    f"for v in {SHOWN}; "
    'do if [ -n "${!v+x}" ]; then echo "$v=${!v}"; else echo "$v-"; fi; done',
    "zsh": '. ./lines; eval "$(profiles env --unset --shell zsh)"; '
    f"for v in {SHOWN}; "
    'do if (( ${+parameters[$v]} )); then echo "$v=${(P)v}"; else echo "$v-"; fi; done',
    "sh": '. ./lines; eval "$(profiles env --unset --shell sh)"; '
    f"for v in {SHOWN}; "
    'do if eval "[ -n \\"\\${$v+x}\\" ]"; then eval "echo \\"$v=\\$$v\\""; else echo "$v-"; fi; done',
    "fish": "source ./lines; profiles env --unset --shell fish | source; "
    f"for v in {SHOWN}; "
    'if set -q $v; echo "$v=$$v"; else; echo "$v-"; end; end',
}


@pytest.mark.parametrize("shell", sorted(PASTE_AND_UNSET))
def test_serve_lines_save_the_pasting_shells_profile_and_region_for_unset(
    roles: Article, tmp_path: Path, shell: str
) -> None:
    """serve runs as Bob in us-east-2; its lines pasted into a shell of alice in us-west-1, then
    `env --unset` there, give that shell back alice and us-west-1; in a shell without them, they
    stay unset. The lines save the pasting shell's values when it runs them, not serve's."""
    environment = shell_env(roles)
    serving = subprocess.Popen(
        [*PROFILES, "serve", "example-role", "--shell", shell, "--region", "eu-central-1"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**environment, "AWS_REGION": "us-east-2", "AWS_DEFAULT_PROFILE": "Bob"},
    )  # fmt: skip
    assert serving.stdout is not None
    lines = []
    try:
        while not lines or not marks_the_shell(lines[-1]):
            line = serving.stdout.readline()
            assert line, serving.communicate(timeout=30)[1]
            lines.append(line)
        assert "AWS_CONTAINER_CREDENTIALS_FULL_URI" in "".join(lines)  # all of them, up to the mark
        (tmp_path / "lines").write_text("".join(lines))
        plain = {k: v for k, v in environment.items() if k not in shells.SAVED_VARIABLES}
        cases = {
            "alice": (
                {**plain, "AWS_PROFILE": "alice", "AWS_REGION": "us-west-1"},
                ["AWS_PROFILE=alice", "AWS_DEFAULT_PROFILE-", "AWS_REGION=us-west-1", "AWS_DEFAULT_REGION-"],
            ),
            "none": (
                plain,
                ["AWS_PROFILE-", "AWS_DEFAULT_PROFILE-", "AWS_REGION-", "AWS_DEFAULT_REGION-"],
            ),
            "marked already": (  # `profiles env` ran there first: what it saved is what --unset restores
                {**plain, "AWS_REGION": "us-west-1", "PROFILES_ACTIVE": "x"}
                | {"PROFILES_SAVED_AWS_PROFILE": "carol"},
                ["AWS_PROFILE=carol", "AWS_DEFAULT_PROFILE-", "AWS_REGION-", "AWS_DEFAULT_REGION-"],
            ),
        }
        for case, (pasting, expected) in cases.items():
            ran = subprocess.run(
                [shell, "-c", PASTE_AND_UNSET[shell]],
                capture_output=True, text=True, env=pasting, cwd=tmp_path, timeout=120,
            )  # fmt: skip
            assert ran.returncode == 0, ran.stderr
            assert ran.stdout.splitlines() == [*expected, "AWS_CONTAINER_CREDENTIALS_FULL_URI-"], case
    finally:
        serving.terminate()
        serving.communicate(timeout=30)


def test_serve_on_a_busy_port_is_refused_with_exit_3(roles: Article) -> None:
    """A port another program listens on is in use: refused (3), not a failed check (1)."""
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        ran = subprocess.run(
            [*PROFILES, "serve", "example-role", "--port", str(port), "--shell", "bash"],
            capture_output=True, text=True, env=shell_env(roles), timeout=120, stdin=subprocess.DEVNULL,
        )  # fmt: skip
    assert ran.returncode == 3, ran.stderr
    assert ran.stdout == ""
    assert ran.stderr == f"error: cannot listen on 127.0.0.1:{port}: Address already in use\n"


# --------------------------------------------------------------------------- other kinds of profiles


def test_a_keyring_key_and_a_role_on_it_are_served_to_the_aws_cli(keyring_article: Article) -> None:
    """The key itself (no session: served with an empty token and an expiry an hour away) and a
    role whose source is the keyring profile (botocore runs its credential_process)."""
    article = keyring_article
    added = article.add_bob("--keyring", "--no-check")
    assert added.returncode == 0, added.stderr
    role = article.profiles(
        "add-role", "example-role", "--source", "Bob", "--role-arn", article.role_arn, "--no-check"
    )
    assert role.returncode == 0, role.stderr
    for name, expected in (("Bob", article.bob_arn), ("example-role", role_arn_prefix(article))):
        ran = subprocess.run(
            [*PROFILES, "exec", name, "--server", "--", sys.executable, "-m", "awscli",
             "sts", "get-caller-identity", "--query", "Arn", "--output", "text"],
            capture_output=True, text=True, env=article.env, timeout=120,
        )  # fmt: skip
        assert ran.returncode == 0, ran.stderr
        assert ran.stdout.strip().startswith(expected), name
        assert article.bob_secret not in ran.stdout + ran.stderr


def test_an_sso_profile_is_served_and_one_signed_out_says_what_to_run(team: Team, tmp_path: Path) -> None:  # noqa: F811
    manifest = tmp_path / "team.toml"
    manifest.write_text(TEAM)
    assert team.profiles("onboard", str(manifest)).returncode == 0
    assert team.profiles("login", "acme-dev").returncode == 0
    who = [sys.executable, "-m", "awscli", "sts", "get-caller-identity", "--query", "Arn", "--output", "text"]
    ran = team.profiles("exec", "acme-dev", "--server", "--", *who)
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout.startswith(SSO_ROLE_ARN_PREFIX)
    assert team.profiles("logout").returncode == 0
    refused = team.profiles("exec", "acme-dev", "--server", "--", *who)
    assert refused.returncode == 1
    assert refused.stdout == ""  # the command never started
    assert "profiles login acme-dev" in refused.stderr
