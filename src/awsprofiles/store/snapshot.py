"""Both files as read at one moment, and the profiles they define together."""

from __future__ import annotations

import os
import stat
import time

from awsprofiles.errors import FileProblem
from awsprofiles.model import (
    Profile,
    Value,
    no_such_profile,
    profile_name_of_config_section,
    sso_session_name_of_config_section,
)
from awsprofiles.records import Record
from awsprofiles.store.endings import normalize
from awsprofiles.store.fileio import KINDS, FileId, locked, read_bounded
from awsprofiles.store.parsing import IniFile, parse_file, split_chunks
from awsprofiles.store.paths import journal_path

TYPE_CHECKING = False  # typing itself is not imported at run time (see awsprofiles.records)
if TYPE_CHECKING:
    from collections.abc import Callable

    from awsprofiles.store.paths import Paths, Role


def read_file(role: Role, path: str) -> IniFile:
    read_at = time.time_ns()
    found = read_bounded(path, what=f"{role} file")
    if found is None:
        return IniFile(role, path, read_at=read_at)
    raw, status = found
    if not stat.S_ISREG(status.st_mode):
        # botocore treats what is not a regular file as absent (os.path.isfile); so do we, and
        # never replace it. /dev/null is the usual way to say "no file": no warning for it.
        kind = KINDS.get(stat.S_IFMT(status.st_mode), "not a regular file")
        warnings = (
            []
            if os.path.realpath(path) == os.devnull
            else [f"{path} is {kind}, not a regular file: botocore ignores it, and so does profiles"]
        )
        return IniFile(
            role, path, warnings=warnings, identity=FileId.of(status), read_at=read_at, special=kind
        )
    ini = parse_file(role, path, raw)
    ini.identity = FileId.of(status)
    ini.read_at = read_at
    return ini


class Snapshot(Record):
    """Both files as read at one moment, and the profiles they define together."""

    __slots__ = ("config", "credentials", "_merged")

    def __init__(self, config: IniFile, credentials: IniFile) -> None:
        self.config = config
        self.credentials = credentials
        #: Profiles already merged by `profile`: the files of a snapshot never change.
        self._merged: dict[str, Profile | None] = {}

    def files(self) -> tuple[IniFile, IniFile]:
        return self.config, self.credentials

    @property
    def warnings(self) -> list[str]:
        return self.config.warnings + self.credentials.warnings

    def names(self) -> list[str]:
        """Every profile, config-file order first, as botocore.session lists them."""
        names = dict.fromkeys(self.config.profile_sections)
        names.update(dict.fromkeys(self.credentials.profile_sections))
        return list(names)

    def profile(self, name: str) -> Profile | None:
        if name not in self._merged:
            self._merged[name] = self._merge(name)
        return self._merged[name]

    def _merge(self, name: str) -> Profile | None:
        # botocore.session.Session.full_config: credentials-file values override config's.
        if name not in self.config.profile_sections and name not in self.credentials.profile_sections:
            return None
        values: dict[str, Value] = {}
        origins: dict[str, str] = {}
        for ini in self.files():
            section = ini.profile_sections.get(name)
            for key, value in ini.sections[section].items() if section is not None else ():
                values[key] = value
                origins[key] = ini.role
        return Profile(name, values, origins)

    def require(self, name: str, tip: str = "") -> Profile:
        """The profile ``name``; else the error that says so, with the names it could have meant
        and ``tip`` (how to make it; by default, how to list the profiles)."""
        profile = self.profile(name)
        if profile is None:
            raise no_such_profile(name, self.names(), tip)
        return profile

    def profiles(self) -> list[Profile]:
        result = []
        for name in self.names():
            profile = self.profile(name)
            assert profile is not None
            result.append(profile)
        return result

    def sso_sessions(self) -> dict[str, dict[str, Value]]:
        """The config file's ``[sso-session NAME]`` sections by name (a later one wins, as in botocore)."""
        sessions: dict[str, dict[str, Value]] = {}
        for section, values in self.config.sections.items():
            name = sso_session_name_of_config_section(section)
            if name is not None:
                sessions[name] = values
        return sessions

    def referrers(self, name: str) -> list[str]:
        """Profiles whose source_profile names ``name``."""
        from awsprofiles import graph  # not every read follows profiles (a completion does not)

        return graph.referrers(self, name)

    def process_referrers(self, name: str) -> list[str]:
        """Profiles whose credential_process runs ``profiles credential-process name``."""
        from awsprofiles import graph

        return graph.referrers(self, name, graph.CREDENTIAL_PROCESS)


def load(paths: Paths) -> Snapshot:
    """Both files as they are now; first, a journal left by an interrupted edit is settled."""
    journal = journal_path(paths)
    if os.path.lexists(journal):
        with locked(paths):
            _recover(paths)
    snapshot = read_both(paths)
    if os.path.lexists(journal):
        # An edit of both files was under way while we read (readers take no lock): wait for
        # it under the lock, then read the two files again, both from after it.
        with locked(paths):
            _recover(paths)
            snapshot = read_both(paths)
    return snapshot


def _recover(paths: Paths) -> None:
    # The journal's code loads only when there is a journal: a read (a fast path) goes without.
    from awsprofiles.store.journal import recover

    recover(paths)


def read_both(paths: Paths) -> Snapshot:
    return Snapshot(read_file("config", paths.config), read_file("credentials", paths.credentials))


def profile_names(paths: Paths) -> list[str]:
    """The profiles' names as botocore maps the section headers, config file first: no value is
    parsed. For shell completion, which must be fast and quiet: a file that cannot be read gives
    no names (every command that uses a profile reads both files fully and says what is wrong)."""
    return _section_names(
        [(paths.config, profile_name_of_config_section), (paths.credentials, lambda section: section)]
    )


def sso_session_names(paths: Paths) -> list[str]:
    """The config file's ``[sso-session NAME]`` names, read as `profile_names` reads profiles."""
    return _section_names([(paths.config, sso_session_name_of_config_section)])


def _section_names(files: list[tuple[str, Callable[[str], str | None]]]) -> list[str]:
    names: dict[str, None] = {}
    for path, name_of in files:
        try:
            # Bounded, and a FIFO or a device is never read: a Tab must not hang.
            found = read_bounded(path)
            text = found[0].decode("utf-8") if found is not None else ""
        except (FileProblem, UnicodeDecodeError):
            continue
        for chunk in split_chunks(normalize(text)[0]):
            # [DEFAULT] is configparser's section of defaults, never a profile.
            if chunk.section is None or chunk.section == "DEFAULT":
                continue
            name = name_of(chunk.section)
            if name is not None:
                names.setdefault(name)
    return list(names)
