"""Property tests: whatever valid names and values go in, botocore reads back exactly them;
whatever invalid ones are offered are refused and the files stay byte for byte."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from awsprofiles import editing, store
from awsprofiles.errors import BadInput
from tests.conftest import FIXTURES
from tests.store_helpers import botocore_profiles, snapshot_bytes

ROLE_ARN = "arn:aws:iam::123456789012:role/Deployer"
KEY_ID = "AKIAIOSFODNN7EXAMPLE"

# Characters the files can hold in a name or value; the rejected ones are tested separately.
LINE_BREAKING = "\r\n\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029\x00"
_SAFE = st.characters(exclude_categories=("Cc", "Cs", "Zl", "Zp"), exclude_characters="[]#;" + LINE_BREAKING)
names = st.text(_SAFE, min_size=1, max_size=20).filter(lambda name: name == name.strip())
values = st.text(
    st.characters(exclude_categories=("Cc", "Cs", "Zl", "Zp"), exclude_characters=LINE_BREAKING),
    min_size=1,
    max_size=40,
).filter(lambda value: value == value.strip())
secrets = st.text(
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/", min_size=20, max_size=60
)
key_ids = st.from_regex(r"AKIA[A-Z0-9]{16}", fullmatch=True)
# keys whose values have a fixed form are validated and tested on their own
_FORMED = {"region", "role_arn", "mfa_serial", "credential_source", "source_profile", "duration_seconds"}
setting_keys = st.from_regex(r"[a-z][a-z0-9_]{0,15}", fullmatch=True).filter(
    lambda key: key not in _FORMED and not key.startswith("aws_")
)

FORBIDDEN_IN_NAMES = "[]#;" + LINE_BREAKING
bad_names = st.one_of(
    st.builds(
        lambda name, bad, at: name[:at] + bad + name[at:],
        names,
        st.sampled_from(FORBIDDEN_IN_NAMES),
        st.integers(0, 20),
    ),
    st.builds(lambda name, pad: pad + name, names, st.sampled_from([" ", "\t", "  "])),
    st.builds(lambda name, pad: name + pad, names, st.sampled_from([" ", "\t", "  "])),
    st.just(""),
)
bad_values = st.one_of(
    st.builds(
        lambda value, bad, at: value[:at] + bad + value[at:],
        values,
        st.sampled_from(LINE_BREAKING),
        st.integers(0, 40),
    ),
    st.builds(lambda value, pad: pad + value, values, st.sampled_from([" ", "\t"])),
    st.builds(lambda value, pad: value + pad, values, st.sampled_from([" ", "\t"])),
)


@contextmanager
def aws_files(seeded: bool) -> Iterator[store.Paths]:
    """Fresh files for one hypothesis example (function fixtures are not reset between them)."""
    with tempfile.TemporaryDirectory() as root:
        paths = store.Paths(Path(root) / "aws" / "config", Path(root) / "aws" / "credentials")
        if seeded:
            Path(paths.config).parent.mkdir()
            Path(paths.config).write_bytes((FIXTURES / "comments-everywhere.config").read_bytes())
            Path(paths.credentials).write_bytes((FIXTURES / "legacy.credentials").read_bytes())
        yield paths


@settings(max_examples=50, deadline=None)
@given(user=names, role=names, secret=secrets, key_id=key_ids, key=setting_keys, value=values)
def test_valid_names_and_values_read_back_identically_by_botocore(
    user: str, role: str, secret: str, key_id: str, key: str, value: str
) -> None:
    assume(user != role)
    with aws_files(seeded=False) as paths:
        editing.add_user(paths, editing.UserRequest(user, key_id, secret, region="eu-west-1"))
        editing.add_role(paths, editing.RoleRequest(role, ROLE_ARN, source=user))
        editing.set_value(paths, role, key, value, force=True)

        read = botocore_profiles(paths.config, paths.credentials)
        assert read[user] == {
            "aws_access_key_id": key_id,
            "aws_secret_access_key": secret,
            "region": "eu-west-1",
        }
        # the role gets its source's region (model.new_role_region)
        assert read[role] == {"role_arn": ROLE_ARN, "source_profile": user, "region": "eu-west-1", key: value}
        assert set(read) == {user, role}


@settings(max_examples=50, deadline=None)
@given(name=names, key=setting_keys, first=values, second=values)
def test_setting_a_value_twice_leaves_one_line_that_botocore_reads(
    name: str, key: str, first: str, second: str
) -> None:
    with aws_files(seeded=True) as paths:
        editing.set_value(paths, name, key, first, create=True, force=True)
        editing.set_value(paths, name, key, second, force=True)
        assert botocore_profiles(paths.config, paths.credentials)[name][key] == second
        assert Path(paths.config).read_text().count(f"\n{key} = ") == 1


@settings(max_examples=50, deadline=None)
@given(name=bad_names, secret=secrets)
def test_invalid_profile_names_are_refused_and_files_untouched(name: str, secret: str) -> None:
    with aws_files(seeded=True) as paths:
        before = snapshot_bytes(paths.config, paths.credentials)
        with pytest.raises(BadInput):
            editing.add_user(paths, editing.UserRequest(name, KEY_ID, secret))
        with pytest.raises(BadInput):
            editing.add_role(paths, editing.RoleRequest(name, ROLE_ARN, source="default"))
        with pytest.raises(BadInput):
            editing.set_value(paths, name, "output", "json", create=True)
        with pytest.raises(BadInput):
            editing.rename(paths, "default", name)
        assert snapshot_bytes(paths.config, paths.credentials) == before


@settings(max_examples=50, deadline=None)
@given(value=bad_values, key=setting_keys)
def test_invalid_values_are_refused_and_files_untouched(value: str, key: str) -> None:
    with aws_files(seeded=True) as paths:
        before = snapshot_bytes(paths.config, paths.credentials)
        with pytest.raises(BadInput):
            editing.set_value(paths, "default", key, value, force=True)
        with pytest.raises(BadInput):
            editing.add_role(paths, editing.RoleRequest("new", ROLE_ARN, source="default", external_id=value))
        assert snapshot_bytes(paths.config, paths.credentials) == before
