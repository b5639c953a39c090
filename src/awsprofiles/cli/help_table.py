"""Where each command sits in ``profiles --help``, its examples, and its page in the docs.

One table for what the help shows beside each command's own text: the root help groups the
commands in `PANELS` (``ProfilesGroup.format_commands``), and every command's ``--help`` ends
with its examples and its docs page (``ProfilesCommand.format_epilog``). The reference pages
(``scripts/docs_reference.py``) show the same examples and link the same page.

A new command needs an entry here: ``tests/test_help_table.py`` fails for a command of
``awsprofiles.cli.COMMANDS`` without one, and for a docs page or section that does not exist.
Examples are typed as a user types them (no ``$``), one command a line.
"""

from __future__ import annotations

from typing import NamedTuple

#: The panels of ``profiles --help``, in order.
PROFILES = "Profiles"
USING = "Using a profile"
CHECKING = "Checking"
KEYRING = "Keys and the keyring"
SSO = "IAM Identity Center (SSO)"
TEAM = "Team and many accounts"
PANELS = (PROFILES, USING, CHECKING, KEYRING, SSO, TEAM)
#: The panel of a command the table does not know (a test fails for it).
OTHER = "Other commands"

#: The folder of the docs in the repository; a command's page is given from there.
DOCS = "docs/"


class CommandHelp(NamedTuple):
    panel: str
    #: one or two command lines, as typed
    examples: tuple[str, ...]
    #: the page of ``docs/`` that explains the command, with its section: ``guides/using.md#...``
    page: str


HELP: dict[str, CommandHelp] = {
    # -------------------------------------------------------------------- profiles
    "add-user": CommandHelp(
        PROFILES,
        (
            "profiles add-user alice --from-csv alice_accessKeys.csv --region eu-west-1",
            "profiles add-user alice --keyring --from-csv alice_accessKeys.csv",
        ),
        "guides/profiles.md#add-user-a-profile-from-an-access-key",
    ),
    "add-role": CommandHelp(
        PROFILES,
        (
            "profiles add-role dev-role --source alice",
            "profiles add-role admin --source alice --role-arn arn:aws:iam::123456789012:role/Admin",
        ),
        "guides/profiles.md#add-role-a-profile-that-assumes-a-role",
    ),
    "list": CommandHelp(
        PROFILES, ("profiles list", "profiles list --json"), "guides/profiles.md#list-show-and-get"
    ),
    "show": CommandHelp(PROFILES, ("profiles show alice",), "guides/profiles.md#list-show-and-get"),
    "get": CommandHelp(PROFILES, ("profiles get dev-role region",), "guides/profiles.md#list-show-and-get"),
    "set": CommandHelp(
        PROFILES,
        ("profiles set dev-role region eu-west-2", "profiles set new-profile region eu-west-1 --create"),
        "guides/profiles.md#set-and-unset",
    ),
    "unset": CommandHelp(
        PROFILES,
        ("profiles unset dev-role region", "profiles unset dev-role output cli_pager"),
        "guides/profiles.md#set-and-unset",
    ),
    "rename": CommandHelp(
        PROFILES, ("profiles rename dev-role reader",), "guides/profiles.md#rename-and-remove"
    ),
    "remove": CommandHelp(
        PROFILES,
        ("profiles remove reader", "profiles remove alice --force"),
        "guides/profiles.md#rename-and-remove",
    ),
    # -------------------------------------------------------------------- using a profile
    "env": CommandHelp(
        USING,
        ('eval "$(profiles env dev-role)"', 'eval "$(profiles env --unset)"'),
        "guides/using.md#env-the-profile-in-your-shell",
    ),
    "exec": CommandHelp(
        USING,
        (
            "profiles exec dev-role aws sts get-caller-identity --query Arn",
            "profiles exec dev-role --server terraform apply",
        ),
        "guides/using.md#exec-one-command-as-the-profile",
    ),
    "serve": CommandHelp(
        USING,
        ("profiles serve dev-role", "profiles serve dev-role --shell fish --port 9911"),
        "guides/using.md#long-jobs-credentials-that-refresh-themselves",
    ),
    "prompt": CommandHelp(
        USING,
        ("profiles prompt",),
        "guides/using.md#knowing-when-credentials-expire-profiles-prompt",
    ),
    "credential-process": CommandHelp(
        USING,
        ("credential_process = profiles credential-process dev-role",),
        "guides/using.md#credential-process-any-sdk-or-tool",
    ),
    "console": CommandHelp(
        USING,
        ("profiles console dev-role", "profiles console dev-role --destination ec2 --print"),
        "guides/using.md#console-the-aws-console-as-the-profile",
    ),
    "completion": CommandHelp(
        USING,
        (
            'eval "$(profiles completion bash)"',
            "profiles completion fish > ~/.config/fish/completions/profiles.fish",
        ),
        "guides/using.md#completion-tab-completes-commands-profiles-and-settings",
    ),
    # -------------------------------------------------------------------- checking
    "check": CommandHelp(
        CHECKING,
        ("profiles check", "profiles check --offline"),
        "guides/checking.md#check-every-profile-at-once",
    ),
    "whoami": CommandHelp(
        CHECKING,
        ("profiles whoami dev-role", "profiles whoami --json"),
        "guides/checking.md#whoami-one-profile",
    ),
    # -------------------------------------------------------------------- keys and the keyring
    "protect": CommandHelp(
        KEYRING,
        ("profiles protect --all", "profiles protect alice --dry-run"),
        "guides/keyring.md#protect-and-unprotect",
    ),
    "unprotect": CommandHelp(
        KEYRING, ("profiles unprotect alice",), "guides/keyring.md#protect-and-unprotect"
    ),
    "rotate-keys": CommandHelp(
        KEYRING,
        ("profiles rotate-keys alice", "profiles rotate-keys alice --yes --json"),
        "guides/rotating-keys.md",
    ),
    # -------------------------------------------------------------------- IAM Identity Center
    "add-sso": CommandHelp(
        SSO,
        (
            "profiles add-sso acme-dev --start-url https://acme.awsapps.com/start --sso-region eu-west-1 "
            "--account 210987654321 --role-name PowerUserAccess",
            "profiles add-sso --upgrade",
        ),
        "guides/sso.md#add-sso-an-sso-profile",
    ),
    "login": CommandHelp(
        SSO,
        ("profiles login acme-dev", "profiles login --sso-session acme --no-browser"),
        "guides/sso.md#login-sign-in",
    ),
    "logout": CommandHelp(
        SSO, ("profiles logout", "profiles logout acme-dev"), "guides/sso.md#logout-sign-out"
    ),
    # -------------------------------------------------------------------- team and many accounts
    "onboard": CommandHelp(
        TEAM,
        (
            "profiles onboard team.toml --from-csv alice_accessKeys.csv",
            "profiles onboard team.toml --dry-run",
        ),
        "guides/team.md",
    ),
    "discover": CommandHelp(
        TEAM,
        (
            "profiles discover --sso-session acme --apply",
            "profiles discover --source alice --organization --verify --manifest team.toml",
        ),
        "guides/many-accounts.md",
    ),
}
