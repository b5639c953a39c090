"""The botocore private attributes `awsprofiles.aws.session` reaches into, pinned: when a botocore
release renames one, this fails here rather than in a user's `profiles check` (a peer,
aws-export-credentials, broke on exactly this)."""

from __future__ import annotations

import datetime

import botocore.credentials
import botocore.session
import botocore.tokens

from awsprofiles.aws import session as sessions
from awsprofiles.store import Paths, load
from tests.conftest import Home

KEYS = (
    "aws_access_key_id = AKIAIOSFODNN7EXAMPLE\n"
    "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n"
)


def test_the_private_attributes_session_uses_exist_in_this_botocore() -> None:
    session = botocore.session.Session()
    assert hasattr(session, "_config")
    assert hasattr(session, "_original_handler")
    resolver = session.get_component("credential_provider")
    assume_role = resolver.get_provider("assume-role")
    assert hasattr(assume_role, "cache")
    assert hasattr(assume_role, "_prompter")
    assert hasattr(resolver.get_provider("custom-process"), "_popen")
    assert hasattr(resolver.get_provider("shared-credentials-file"), "_ini_parser")
    builder = assume_role._profile_provider_builder
    assert callable(builder._create_process_provider)
    assert callable(builder._create_shared_credential_provider)
    refreshable = botocore.credentials.RefreshableCredentials(
        "AKIAIOSFODNN7EXAMPLE", "secret", "token", botocore.credentials._local_now(), lambda: {}, "test"
    )
    assert sessions.expiry_of(refreshable) is not None
    sessions.set_refresh_windows(refreshable, 890, 300)
    assert (refreshable._advisory_refresh_timeout, refreshable._mandatory_refresh_timeout) == (890, 300)
    # botocore reads them where set_refresh_windows writes them: 600 s left is past 300, before 890
    refreshable._expiry_time = botocore.credentials._local_now() + datetime.timedelta(seconds=600)
    assert refreshable.refresh_needed()
    assert not refreshable.refresh_needed(refreshable._mandatory_refresh_timeout)
    for name in ("sso", "assume-role-with-web-identity"):
        assert hasattr(resolver.get_provider(name), "cache")
    # guard_sso_tokens and follow_home: where botocore's SSO providers get their token cache
    assert hasattr(resolver.get_provider("sso"), "_token_cache")
    assert hasattr(builder, "_sso_token_cache")
    assert hasattr(botocore.credentials.SSOProvider, "_SSO_TOKEN_CACHE_DIR")
    assert hasattr(botocore.tokens.SSOTokenProvider, "_SSO_TOKEN_CACHE_DIR")
    assert hasattr(botocore.tokens.SSOTokenProvider, "DEFAULT_CACHE_CLS")


def test_shared_parsed_files_serve_a_role_and_its_source_without_a_parse(home: Home) -> None:
    home.config.parent.mkdir(parents=True)
    home.config.write_text(
        "[profile ops]\nrole_arn = arn:aws:iam::123456789012:role/ops\nsource_profile = dev\n"
    )
    home.credentials.write_text(f"[dev]\n{KEYS}")
    snapshot = load(Paths(home.config, home.credentials))
    home.credentials.write_text("[dev]\naws_access_key_id = AKIANOTREADNOTREAD1\naws_secret_access_key = x\n")
    session = sessions.make_session(home.paths, "dev")
    sessions.share_parsed_files(session, sessions.full_config(snapshot), snapshot)
    assert session.get_credentials().access_key == "AKIAIOSFODNN7EXAMPLE"  # the snapshot's, not the file's
    role = sessions.make_session(home.paths, "ops")
    sessions.share_parsed_files(role, sessions.full_config(snapshot), snapshot)
    resolver = role.get_component("credential_provider")
    builder = resolver.get_provider("assume-role")._profile_provider_builder
    source = builder._create_shared_credential_provider("dev")
    assert isinstance(source, botocore.credentials.SharedCredentialProvider)
    assert source.load().access_key == "AKIAIOSFODNN7EXAMPLE"
