"""The verification before a write: re-reading only the changed sections must agree with a
full botocore-style parse of the new text, for any sequence of edits on any corpus file."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from awsprofiles import store
from awsprofiles.errors import FileProblem, ProfilesError
from tests.conftest import corpus

CORPUS = corpus()

edits = st.lists(
    st.tuples(
        st.sampled_from(["set", "unset", "remove", "rename", "add"]),
        st.integers(0, 20),
        st.sampled_from(["region", "output", "role_arn", "cli_pager", "s3", "aws_access_key_id"]),
        st.sampled_from(["eu-west-1", "x", "a = b", "json", "  padded-inside  ".strip()]),
    ),
    min_size=1,
    max_size=6,
)


def apply(doc: store.Document, edit: tuple[str, int, str, str]) -> None:
    action, index, key, value = edit
    names = list(doc.profile_sections)
    if action == "add" or not names:
        doc.set(f"new-{index}", key, value)
        return
    name = names[index % len(names)]
    if action == "set":
        doc.set(name, key, value)
    elif action == "unset":
        doc.unset(name, key)
    elif action == "remove":
        doc.remove(name)
    else:
        doc.rename(name, f"{name}-renamed-{index}")


@pytest.mark.parametrize("fixture", CORPUS, ids=lambda path: path.name)
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(sequence=edits)
def test_verifying_changed_chunks_agrees_with_a_full_parse(
    fixture: Path, sequence: list[tuple[str, int, str, str]]
) -> None:
    role: store.Role = "config" if fixture.suffix == ".config" else "credentials"
    doc = store.Document(store.parse_file(role, fixture, fixture.read_bytes()))
    for edit in sequence:
        try:
            apply(doc, edit)
        except ProfilesError:
            return  # a refused edit (e.g. renaming a shadowed default) writes nothing
    data = doc.render()
    try:
        full = store.parse_file(role, fixture, data).sections
    except FileProblem:
        full = None
    try:
        by_chunks = doc.reread_by_chunks()
    except FileProblem:
        by_chunks = None
        assert full is None
    if by_chunks is not None:
        assert by_chunks == full
    if full is not None:
        doc.verify(data)  # what the edits meant is what botocore would read


def test_a_default_section_makes_verification_parse_the_whole_file(tmp_path: Path) -> None:
    text = "[DEFAULT]\nregion = eu-west-1\n\n[profile a]\noutput = json\n"
    doc = store.Document(store.parse_file("config", tmp_path / "config", text.encode()))
    doc.set("b", "output", "text")
    assert doc.reread_by_chunks() is None
    # [DEFAULT]'s region reaches the new section too, as configparser and botocore read it
    assert doc.expected["profile b"] == {"region": "eu-west-1", "output": "text"}
    doc.verify(doc.render())


def test_renaming_onto_a_profile_that_exists_is_refused_by_the_document(tmp_path: Path) -> None:
    """Found by the test above (mixed-endings corpus): add new-0, rename it to X, add new-0
    again, rename it to X again: the document mapped two sections to one name and its
    verification refused the write. The CLI refuses such a rename before (exit 3); the document
    itself now does too."""
    text = "[profile a]\nregion = eu-west-1\n"
    doc = store.Document(store.parse_file("config", tmp_path / "config", text.encode()))
    doc.set("new-0", "region", "eu-west-1")
    doc.rename("new-0", "new-0-renamed-11")
    doc.set("new-0", "region", "eu-west-1")
    with pytest.raises(ProfilesError, match="exists"):
        doc.rename("new-0", "new-0-renamed-11")
    doc.verify(doc.render())
