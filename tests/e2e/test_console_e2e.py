"""`profiles console` end to end: the real command, moto_server as STS with IAM enforcement on,
a local stand-in for the AWS sign-in federation endpoint that checks the session it gets, and a
browser that records the URL it is given (through BROWSER, as Python's webbrowser reads it).

One test, one emulator set-up: each step builds on the previous one (the cache, the roles).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from awsprofiles import vault
from tests.e2e.conftest import Article
from tests.federation import FederationEndpoint

pytestmark = pytest.mark.e2e


BROWSER = """#!{python}
import http.client, sys, urllib.parse
link = urllib.parse.urlsplit(sys.argv[1])
open("{given}", "w").write(sys.argv[1])
connection = http.client.HTTPConnection(link.netloc, timeout=10)
connection.request("GET", link.path)
open("{opened}", "w").write(connection.getresponse().getheader("Location"))
"""


def login_query(url: str, endpoint: FederationEndpoint) -> dict[str, str]:
    parts = urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == endpoint.url
    query = parse_qs(parts.query, strict_parsing=True)
    assert all(len(values) == 1 for values in query.values())
    return {key: values[0] for key, values in query.items()}


def test_console_signs_in_as_the_seed_role_and_reports_denials(article: Article, tmp_path: Path) -> None:
    other_role = article.create_role("not-for-bob", f"arn:aws:iam::{article.account}:user/Alice")
    article.home.config.parent.mkdir(parents=True, exist_ok=True)
    article.home.config.write_text(
        f"[profile example-role]\nrole_arn = {article.role_arn}\nsource_profile = Bob\n"
        f"[profile not-for-bob]\nrole_arn = {other_role}\nsource_profile = Bob\n"
    )
    article.home.credentials.write_text(
        f"[Bob]\naws_access_key_id = {article.bob_key_id}\naws_secret_access_key = {article.bob_secret}\n"
    )
    # The browser: records the link it is started with, and where that link sends it.
    given, opened = tmp_path / "given.txt", tmp_path / "opened.txt"
    browser = tmp_path / "browser"
    browser.write_text(BROWSER.format(python=sys.executable, given=given, opened=opened))
    browser.chmod(0o700)
    role_session = f"arn:aws:sts::{article.account}:assumed-role/example-role/"

    with FederationEndpoint(article.server.url).serving() as signin:
        article.env.update({"AWS_ENDPOINT_URL_SIGNIN": signin.url, "BROWSER": f"{browser} %s"})
        shell = article.profiles("env", "example-role", "--shell", "json")
        assert shell.returncode == 0, shell.stderr
        cached = json.loads(shell.stdout)["AccessKeyId"]

        # Default: the browser gets the URL, stdout stays empty, stderr only confirms.
        opens = article.profiles("console", "example-role")
        assert opens.returncode == 0, opens.stderr
        assert opens.stdout == ""
        assert opens.stderr.startswith("opened the AWS console as profile 'example-role'")
        # On its command line (which any local user can read) only a loopback link used once.
        assert given.read_text().startswith("http://127.0.0.1:")
        assert "SigninToken" not in given.read_text()
        query = login_query(opened.read_text(), signin)
        assert (query["Action"], query["Issuer"]) == ("login", "profiles")
        assert query["Destination"] == "https://console.aws.amazon.com/console/home"
        # The token stands for the very session env got from the AWS CLI's cache.
        issued = signin.issued[query["SigninToken"]]
        assert issued.arn.startswith(role_session)
        assert issued.session["sessionId"] == cached

        # --print: the URL and nothing else; --duration: a session of its own, and SessionDuration.
        printed = article.profiles(
            "console", "example-role", "--print", "--destination", "ec2", "--region", "eu-west-2",
            "--duration", "7200",
        )  # fmt: skip
        assert printed.returncode == 0, printed.stderr
        assert (printed.stderr, printed.stdout.count("\n")) == ("", 1)
        query = login_query(printed.stdout.strip(), signin)
        assert query["Destination"] == "https://console.aws.amazon.com/ec2/home?region=eu-west-2"
        issued = signin.issued[query["SigninToken"]]
        assert issued.arn.startswith(role_session)
        assert issued.session["sessionId"] != cached
        assert issued.session_duration == "7200"

        # A role whose trust policy does not name Bob.
        denied_role = article.profiles("console", "not-for-bob", "--print")
        # Bob's own keys: his policies do not allow sts:GetFederationToken.
        denied_keys = article.profiles("console", "Bob", "--print")

    assert (denied_role.returncode, denied_role.stdout) == (1, "")
    assert denied_role.stderr.startswith(
        "error: profile 'not-for-bob': the credentials of its source profile 'Bob' may not assume"
    )
    assert denied_role.stderr.rstrip().endswith("[assume-denied]")
    assert (denied_keys.returncode, denied_keys.stdout) == (1, "")
    assert "AWS denied sts:GetFederationToken" in denied_keys.stderr
    assert denied_keys.stderr.rstrip().endswith("[denied]")
    assert len(signin.issued) == 2
    stderr = opens.stderr + printed.stderr + denied_role.stderr + denied_keys.stderr
    for secret in [article.bob_secret, *signin.secrets_seen()]:
        assert secret not in stderr


def test_console_signs_in_as_a_role_whose_source_keeps_its_key_in_the_keyring(
    keyring_article: Article,
) -> None:
    article = keyring_article
    article.home.config.parent.mkdir(parents=True, exist_ok=True)
    article.home.config.write_text(
        "[profile Bob]\ncredential_process = profiles credential-process Bob --from-keyring\n"
        f"[profile example-role]\nrole_arn = {article.role_arn}\nsource_profile = Bob\n"
    )
    keys = {"aws_access_key_id": article.bob_key_id, "aws_secret_access_key": article.bob_secret}
    vault.put(vault.item_user(article.home.paths, "Bob"), vault.encode_key(keys))

    with FederationEndpoint(article.server.url).serving() as signin:
        article.env["AWS_ENDPOINT_URL_SIGNIN"] = signin.url
        # botocore runs the source's `profiles credential-process Bob --from-keyring`, then AssumeRole.
        as_role = article.profiles("console", "example-role", "--print")
        # The keyring profile itself: GetFederationToken signed with the key from the keyring,
        # which Bob's policies do not allow (moto_server cannot check a federation token's
        # session afterwards; tests/test_console.py signs one in).
        as_bob = article.profiles("console", "Bob", "--print")

    assert (as_role.returncode, as_role.stderr) == (0, ""), as_role.stderr
    issued = signin.issued[login_query(as_role.stdout.strip(), signin)["SigninToken"]]
    assert issued.arn.startswith(f"arn:aws:sts::{article.account}:assumed-role/example-role/")
    assert (as_bob.returncode, as_bob.stdout) == (1, "")
    assert "AWS denied sts:GetFederationToken" in as_bob.stderr
    assert as_bob.stderr.rstrip().endswith("[denied]")
    assert len(signin.issued) == 1
    for secret in [article.bob_secret, *signin.secrets_seen()]:
        assert secret not in as_role.stderr + as_bob.stderr
