"""Where the two files are: explicit options, else botocore's environment variables, else ~/.aws."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from awsprofiles.model import Value

Role = Literal["config", "credentials"]
Sections = dict[str, dict[str, Value]]


@dataclass(frozen=True)
class Paths:
    config: Path
    credentials: Path

    def role_of(self, path: Path) -> Role:
        """Which of the two files ``path`` (one of them) is."""
        return "credentials" if path == self.credentials else "config"


def locate(
    config_file: str | os.PathLike[str] | None = None,
    credentials_file: str | os.PathLike[str] | None = None,
    environ: Mapping[str, str] | None = None,
) -> Paths:
    """The two files: explicit options, else botocore's environment variables, else ~/.aws."""
    env = os.environ if environ is None else environ

    def expand(value: str | os.PathLike[str]) -> Path:
        # botocore expands variables first, then ~ (configloader.raw_config_parse).
        return Path(os.path.expanduser(os.path.expandvars(os.fspath(value))))

    config = config_file or env.get("AWS_CONFIG_FILE") or "~/.aws/config"
    credentials = credentials_file or env.get("AWS_SHARED_CREDENTIALS_FILE") or "~/.aws/credentials"
    return Paths(config=expand(config), credentials=expand(credentials))
