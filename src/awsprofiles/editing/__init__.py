"""Creating, changing, renaming and removing profiles: validation first, then one transaction.

Every function validates all of its input before it takes the lock, so bad input never
reaches the files; all of them return warnings for the CLI to print.

By kind of profile: ``users`` (an IAM user's access key), ``roles`` (a role over a source
profile or a credential_source), ``sso`` (IAM Identity Center); for any profile: ``settings``
(get, set, unset one value) and ``profiles`` (remove, rename, list and show); ``common`` holds
the checks they share.
"""

from __future__ import annotations

from awsprofiles.editing.common import VALUE_CHECKS, check_value
from awsprofiles.editing.profiles import (
    describe,
    describe_all,
    needed_by,
    remove,
    rename,
    show,
    shown_value,
    sso_source,
)
from awsprofiles.editing.roles import (
    RoleRequest,
    add_role,
    add_role_looked_up,
    prepare_role_lookup,
    source_mfa_note,
    starts_mfa_session,
    validate_role_request,
)
from awsprofiles.editing.settings import get_value, set_value, unset_value
from awsprofiles.editing.sso import (
    SSO_SCOPES,
    SSO_SESSION_KEYS,
    SsoRequest,
    SsoWritten,
    add_sso,
    choose_sso_session,
    legacy_sso_profiles,
    not_sso_keys,
    session_name_for_url,
    upgrade_sso,
    validate_sso_request,
    write_sso_session,
)
from awsprofiles.editing.users import UserRequest, add_user
from awsprofiles.model import Kind

__all__ = [
    "SSO_SCOPES",
    "SSO_SESSION_KEYS",
    "VALUE_CHECKS",
    "Kind",
    "RoleRequest",
    "SsoRequest",
    "SsoWritten",
    "UserRequest",
    "add_role",
    "add_role_looked_up",
    "add_sso",
    "add_user",
    "check_value",
    "choose_sso_session",
    "describe",
    "describe_all",
    "get_value",
    "legacy_sso_profiles",
    "needed_by",
    "not_sso_keys",
    "prepare_role_lookup",
    "remove",
    "rename",
    "session_name_for_url",
    "set_value",
    "show",
    "shown_value",
    "source_mfa_note",
    "sso_source",
    "starts_mfa_session",
    "unset_value",
    "upgrade_sso",
    "validate_role_request",
    "validate_sso_request",
    "write_sso_session",
]
