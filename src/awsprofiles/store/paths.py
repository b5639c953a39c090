"""Where the two files are (explicit options, else botocore's environment variables, else
~/.aws), and the journal of an edit of both."""

from __future__ import annotations

import os

from awsprofiles.model import Value
from awsprofiles.records import Frozen

TYPE_CHECKING = False  # typing itself is not imported at run time (see awsprofiles.records)
if TYPE_CHECKING:
    from collections.abc import Mapping
    from typing import Final, Literal

    Role = Literal["config", "credentials"]

Sections = dict[str, dict[str, Value]]


class Paths(Frozen):
    __slots__ = ("config", "credentials")

    def __init__(self, config: str | os.PathLike[str], credentials: str | os.PathLike[str]) -> None:
        self.config: Final = os.fspath(config)
        self.credentials: Final = os.fspath(credentials)

    def role_of(self, path: str) -> Role:
        """Which of the two files ``path`` (one of them) is."""
        return "credentials" if path == self.credentials else "config"


def locate(
    config_file: str | os.PathLike[str] | None = None,
    credentials_file: str | os.PathLike[str] | None = None,
    environ: Mapping[str, str] | None = None,
) -> Paths:
    """The two files: explicit options, else botocore's environment variables, else ~/.aws."""
    env = os.environ if environ is None else environ

    def expand(value: str | os.PathLike[str]) -> str:
        # botocore expands variables first, then ~ (configloader.raw_config_parse).
        return os.path.expanduser(os.path.expandvars(os.fspath(value)))

    config = config_file or env.get("AWS_CONFIG_FILE") or "~/.aws/config"
    credentials = credentials_file or env.get("AWS_SHARED_CREDENTIALS_FILE") or "~/.aws/credentials"
    return Paths(config=expand(config), credentials=expand(credentials))


def journal_path(paths: Paths) -> str:
    """Where an edit of both files keeps its journal (`journal`): beside the real config file."""
    folder, name = os.path.split(os.path.realpath(paths.config))
    return os.path.join(folder, f".{name}.profiles-journal")
