"""Which profile a config section names: exactly botocore's answer, for any header."""

from __future__ import annotations

import botocore.configloader
from hypothesis import given, settings
from hypothesis import strategies as st

from awsprofiles.model import config_section_name, profile_name_of_config_section

headers = st.one_of(
    st.builds(lambda rest: "profile" + rest, st.text(" \t'\"\\ab-x\xa0", max_size=12)),
    st.text(max_size=12),
    st.just("default"),
)


def botocore_profile_of(section: str) -> str | None:
    profiles = botocore.configloader.build_profile_map({section: {"k": "v"}})["profiles"]
    return next(iter(profiles), None)


@settings(max_examples=300, deadline=None)
@given(section=headers)
def test_section_maps_to_the_profile_botocore_maps_it_to(section: str) -> None:
    assert profile_name_of_config_section(section) == botocore_profile_of(section)


@settings(max_examples=100, deadline=None)
@given(name=st.text(st.characters(exclude_categories=("Cc", "Cs")), min_size=1, max_size=12))
def test_written_section_name_reads_back_as_the_profile(name: str) -> None:
    if name != name.strip():
        return  # such names are refused before anything is written
    assert botocore_profile_of(config_section_name(name)) == name
