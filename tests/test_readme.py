"""What the README promises a new user, checked where a test can check it."""

from __future__ import annotations

import re
from pathlib import Path

README = (Path(__file__).resolve().parents[1] / "README.md").read_text()


def test_the_demo_section_gives_the_time_of_the_first_run_and_of_later_runs() -> None:
    """The first run installs profiles, the AWS CLI and moto: a user must not expect 25 s of it."""
    section = README.split("### What `scripts/demo` shows", 1)[1].split("\n## ", 1)[0]
    assert re.search(r"about\s+25\s+seconds\s+once\s+installed", section)
    assert re.search(r"first\s+run\s.*about\s+2\s+minutes", section, re.DOTALL)
