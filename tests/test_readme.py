"""What the README and the docs promise a new user, checked where a test can check it.

The README's quick start itself is run, line by line, in tests/e2e/test_readme_quick_start.py.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from markdown.extensions.toc import slugify

from awsprofiles import cli

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
DOCS = ROOT / "docs"
#: Pages for users: everything but the explanation pages, which may name tests, dates and figures.
USER_PAGES = [README, *sorted(path for path in DOCS.rglob("*.md") if "explanation" not in path.parts)]


def anchors(page: Path) -> set[str]:
    """The section anchors of a Markdown page, as MkDocs (and GitHub) make them from its headings."""
    text = re.sub(r"^```.*?^```", "", page.read_text(), flags=re.DOTALL | re.MULTILINE)
    headings = re.findall(r"^#{1,6} (.+)$", text, flags=re.MULTILINE)
    return {slugify(heading.replace("`", ""), "-") for heading in headings}


def links(page: Path) -> list[str]:
    """The relative links of a Markdown page (not URLs, not links inside code blocks)."""
    text = re.sub(r"^```.*?^```", "", page.read_text(), flags=re.DOTALL | re.MULTILINE)
    return [target for target in re.findall(r"\]\(([^)\s]+)\)", text) if not re.match(r"[a-z]+:", target)]


def test_the_readme_is_short() -> None:
    assert len(README.read_text().splitlines()) <= 250


def test_every_link_of_the_readme_reaches_a_page_and_its_section() -> None:
    for target in links(README):
        path, _, section = target.partition("#")
        page = (README.parent / path) if path else README
        assert page.exists(), target
        if section:
            assert section in anchors(page), target


def test_any_commands_page_is_two_clicks_from_the_readme() -> None:
    index = DOCS / "reference" / "commands" / "index.md"
    assert "docs/reference/commands/index.md" in links(README)
    for name in cli.COMMANDS:
        assert f"{name}.md" in links(index), name
        assert (index.parent / f"{name}.md").is_file(), name


def test_the_readme_gives_the_two_set_up_commands_and_how_to_install() -> None:
    text = README.read_text()
    assert "scripts/demo" in text
    assert "scripts/test" in text
    assert "pipx install ." in text


def test_the_demo_section_gives_the_time_of_the_first_run_and_of_later_runs() -> None:
    """The first run installs profiles, the AWS CLI and moto: a user must not expect 25 s of it."""
    for page, heading in ((README, "## Try it, and test it"), (DOCS / "install.md", "## Try it without")):
        section = page.read_text().split(heading, 1)[1].split("\n## ", 1)[0]
        assert re.search(r"about\s+25\s+seconds\s+once\s+installed", section), page
        assert re.search(r"first\s+run\s.*about\s+2\s+minutes", section, re.DOTALL), page


@pytest.mark.parametrize("page", USER_PAGES, ids=lambda page: str(page.relative_to(ROOT)))
def test_users_pages_hold_no_issue_numbers_benchmark_dates_or_test_internals(page: Path) -> None:
    text = page.read_text()
    assert not re.search(r"\bissues? #?\d+|#\d{1,3}\b", text, flags=re.IGNORECASE)
    # A date, unless it is a timestamp of an example's output (2026-11-29T22:55:09Z).
    assert not re.search(r"\b20\d\d-\d\d-\d\d\b(?!T)", text)
    assert "tests/" not in text
    assert "bench.py" not in text


#: What a page says about the test suite (how it runs, as whom, where): for docs/explanation only.
_TEST_INTERNALS = re.compile(r"\b(?i:the tests)\b|\bCI\b|\buid \d+|\bpytest\b|\bmoto")
#: The pages for someone using profiles: the guides and the reference.
USING_PAGES = sorted(path for folder in ("guides", "reference") for path in (DOCS / folder).rglob("*.md"))


@pytest.mark.parametrize("page", USING_PAGES, ids=lambda page: str(page.relative_to(ROOT)))
def test_guides_and_reference_say_nothing_of_how_profiles_is_tested(page: Path) -> None:
    found = [line for line in page.read_text().splitlines() if _TEST_INTERNALS.search(line)]
    assert found == [], "move to docs/explanation/testing.md:\n" + "\n".join(found)


def test_the_quick_start_says_its_aws_line_needs_the_aws_cli() -> None:
    section = README.read_text().split("\n## Quick start\n", 1)[1].split("\n## ", 1)[0]
    block = section.split("```sh\n", 1)[1].split("```", 1)[0]
    prose = section.replace(block, "")
    if any(line.startswith("aws ") for line in block.splitlines()):
        assert re.search(r"needs\s+the\s+AWS\s+CLI", prose), "say that the aws line needs the AWS CLI"
        assert "profiles whoami" in prose, "and what says the same without it"


@pytest.mark.parametrize("page", sorted((DOCS / "guides").glob("*.md")), ids=lambda page: page.name)
def test_a_guide_links_to_the_exit_codes_instead_of_listing_them(page: Path) -> None:
    """One list of exit codes (docs/reference/exit-codes.md): copies in the guides drifted apart."""
    text = " ".join(page.read_text().split())
    for said in re.findall(r"Exit codes\**:\**.{0,80}", text):
        assert re.match(r"Exit codes\**:?\** see \[[^]]+\]\(\.\./reference/exit-codes\.md", said), said


def test_the_root_help_gives_every_exit_code(capsys: pytest.CaptureFixture[str]) -> None:
    from tests.store_helpers import run

    said = " ".join(run(capsys, "--help").out.split())
    summary = said.split("Exit codes:", 1)[1]
    for code in ("0", "1", "2", "3", "4", "130"):
        assert re.search(rf"\b{code} ", summary), code
    assert re.search(r"4 [^;]*keyring", summary), summary
