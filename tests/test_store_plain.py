"""The one-pass reading of plain files is exactly configparser's (and split_chunks') reading."""

from __future__ import annotations

from hypothesis import example, given, settings
from hypothesis import strategies as st

from awsprofiles import store
from awsprofiles.errors import FileProblem
from tests.conftest import corpus

# Pieces of lines chosen to sit on every rule of RawConfigParser._read: delimiters and spaces
# around them, brackets, comment prefixes, indentation, Unicode white space, case in keys.
_PIECES = [
    "a",
    "B",
    "key",
    " ",
    "\t",
    "=",
    ":",
    "==",
    "[",
    "]",
    "#",
    ";",
    "x y",
    "\xa0",
    "\u2003",
    "DEFAULT",
    "v",
]
_KEYS = ["k", "K", "k2", "x y", "Key\xa0", "a[b]", "#k"]
_SEPARATORS = ["=", " = ", ":", " : ", "=:", "\t=\t", " :x= "]
_VALUES = ["", "v", " v ", "a=b", "v \u2003", "[x]", "# not a comment", "v ;c"]
_regular_headers = st.builds(
    lambda name, number, tail: f"[{name}{number}]{tail}",
    st.sampled_from(["a", "profile a", "default", "x]", "profile  b", "p\xa0"]),
    st.integers(0, 99),
    st.sampled_from(["", "", "", " ", " junk", "]", " = v"]),
)
headers = st.one_of(
    _regular_headers, _regular_headers, _regular_headers, st.sampled_from(["[DEFAULT]", "[]", "[a0]"])
)
options = st.builds(lambda key, number, separator, value: f"{key}{number}{separator}{value}",
                    st.sampled_from(_KEYS), st.integers(0, 99), st.sampled_from(_SEPARATORS),
                    st.sampled_from(_VALUES))  # fmt: skip
others = st.one_of(
    st.sampled_from(["", "# comment", "; comment", "   # indented comment", " ", "\t"]),
    st.lists(st.sampled_from(_PIECES), max_size=6).map("".join),  # anything, indentation included
)
# Mostly the lines of plain files (so that the one-pass reading runs), sometimes anything else.
lines = st.one_of(options, options, options, options, headers, others)
texts = st.builds(
    lambda first, rest, end: "\n".join([first, *rest]) + end,
    headers,
    st.lists(lines, max_size=14),
    st.sampled_from(["", "\n"]),
)


def general(text: str) -> tuple[store.Sections, list[tuple[str | None, str, int]]] | None:
    try:
        sections = store.parse_sections(text, "f")
    except FileProblem:
        return None
    return sections, [(chunk.section, chunk.text, chunk.line) for chunk in store.split_chunks(text)]


@settings(max_examples=300, deadline=None)
@given(text=texts)
@example(text="[a]\nk = v\n\n# c\n[b]\nk: w\n")
@example(text="[a] trailing\nk=v")
@example(text="[a]\nk = v\n  continued\n")
def test_plain_reading_is_configparsers_reading(text: str) -> None:
    plain = store.parse_plain(text)
    if plain is None:
        return
    sections, chunks = plain
    assert general(text) == (sections, [(chunk.section, chunk.text, chunk.line) for chunk in chunks])


_plain_sections = st.lists(
    st.tuples(
        _regular_headers,
        st.lists(st.one_of(options, st.sampled_from(["", "# comment", "  ; indented comment"])), max_size=6),
    ),
    max_size=5,
).map(
    lambda sections: "".join(
        header + "\n" + "".join(line + "\n" for line in body) for header, body in sections
    )
)


@settings(max_examples=200, deadline=None)
@given(text=_plain_sections)
def test_plain_files_are_read_in_one_pass_exactly(text: str) -> None:
    expected = general(text)
    plain = store.parse_plain(text)
    if expected is None or plain is None:
        # Only a file configparser refuses, or one with a repeated section or key, is not plain.
        assert plain is None
        return
    sections, chunks = plain
    assert expected == (sections, [(chunk.section, chunk.text, chunk.line) for chunk in chunks])


def test_generated_files_and_most_of_the_corpus_are_plain() -> None:
    text = "".join(f"[profile p{n}]\nregion = eu-west-1\n# note\n\n" for n in range(100))
    assert store.parse_plain(text) is not None
    assert store.parse_plain("[p]\nk = v\n  continued\n") is None
    for path in corpus():
        content = path.read_bytes().decode("utf-8", "replace").replace("\r\n", "\n")
        plain = store.parse_plain(content)
        if plain is not None:
            assert general(content) == (plain[0], [(c.section, c.text, c.line) for c in plain[1]]), path
