"""The outputs the guides show are the real ones, printed by the code that prints them."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

from awsprofiles.model import Credentials
from awsprofiles.shells import credential_process_json

GUIDE = Path(__file__).parents[1] / "docs" / "guides" / "using.md"


def test_the_credential_process_json_the_guide_shows_is_what_it_prints() -> None:
    section = GUIDE.read_text().split("## credential-process: any SDK or tool", 1)[1]
    shown = re.search(r"```json\n(.*?)```", section, re.DOTALL)
    assert shown is not None
    credentials = Credentials("ASIA...", "...", "...", datetime(2026, 11, 29, 15, 5, 9, tzinfo=UTC))
    assert shown.group(1) == credential_process_json(credentials)
