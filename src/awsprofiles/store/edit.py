"""An edit of both files: what each file becomes, and what botocore must read for each profile."""

from __future__ import annotations

from awsprofiles import graph
from awsprofiles.errors import FileProblem, Refused
from awsprofiles.graph import CREDENTIAL_PROCESS
from awsprofiles.model import (
    CREDENTIAL_KEYS,
    KIND_KEYS,
    Value,
    sso_session_name_of_config_section,
    sso_session_section_name,
)
from awsprofiles.store.document import Document
from awsprofiles.store.parsing import split_lines
from awsprofiles.store.snapshot import Snapshot

#: The settings that decide how botocore finds a profile's credentials (its provider and what
#: that provider uses): one inherited from [DEFAULT] unasked refuses the edit.
_CREDENTIAL_SETTINGS = frozenset(key for keys in KIND_KEYS.values() for key in keys)
_NOTHING = object()


class Transaction:
    """An edit of both files under their locks; written only if verified, else not at all.

    Besides each file's sections, the transaction knows what botocore must read for every
    profile it touches once the edit is written: the profile as it was, with exactly the keys
    set, unset, removed or renamed. [DEFAULT] can defeat that (its values reach every section
    of its file, a new one included); such an edit is refused rather than reported as done,
    and values it adds that nobody asked for are said (`_check_intended`).
    """

    def __init__(self, snapshot: Snapshot) -> None:
        self.snapshot = snapshot
        self.config = Document(snapshot.config)
        self.credentials = Document(snapshot.credentials)
        #: profile -> the values botocore must read for it after the edit (None: no profile)
        self._intended: dict[str, dict[str, Value] | None] = {}
        #: profile -> keys unset: botocore must not read them, not even from [DEFAULT]
        self._unset: dict[str, set[str]] = {}
        #: what botocore will read from a [DEFAULT] that the edit did not ask for (`changed_files`)
        self.inherited: list[str] = []

    def documents(self) -> tuple[Document, Document]:
        return self.config, self.credentials

    def exists(self, profile: str) -> bool:
        return any(doc.section_of(profile) is not None for doc in self.documents())

    def _intent(self, profile: str) -> dict[str, Value]:
        if profile not in self._intended:
            current = self.snapshot.profile(profile)
            self._intended[profile] = dict(current.values) if current is not None else None
        values = self._intended[profile]
        if values is None:
            values = self._intended[profile] = {}
        return values

    def set(self, profile: str, key: str, value: str) -> None:
        """Set a key where botocore will read it: secrets in credentials, the rest in config."""
        key = key.lower()
        if key in CREDENTIAL_KEYS:
            self.credentials.set(profile, key, value)
            self.config.unset(profile, key)  # a stale copy in config would confuse readers
        elif self.credentials.has(profile, key):
            self.credentials.set(profile, key, value)  # credentials values win in botocore
        else:
            self.config.set(profile, key, value)
        self._intent(profile)[key] = value
        self._unset.get(profile, set()).discard(key)

    def replace(self, profile: str, key: str, value: str) -> None:
        """Give a key a new value in the file that holds it: a key the user keeps in the config
        file stays there (a rotated access key replaces the old one where it is, and putting the
        old one back gives the same bytes); a key the credentials file holds, or neither, is `set`."""
        key = key.lower()
        if self.config.has(profile, key) and not self.credentials.has(profile, key):
            self.config.set(profile, key, value)
            self._intent(profile)[key] = value
            self._unset.get(profile, set()).discard(key)
        else:
            self.set(profile, key, value)

    def unset(self, profile: str, key: str) -> bool:
        """Remove ``key`` from the profile; False if no section of it held its own line."""
        key = key.lower()
        removed = [doc.unset(profile, key) for doc in self.documents()]
        self._unset.setdefault(profile, set()).add(key)
        if self._intended.get(profile) is not None or self.snapshot.profile(profile) is not None:
            self._intent(profile).pop(key, None)
        return any(removed)

    def sso_session_section(self, name: str) -> str:
        """The config section of sso-session ``name``: the one botocore reads, else a new header."""
        found = [s for s in self.config.expected if sso_session_name_of_config_section(s) == name]
        return found[-1] if found else sso_session_section_name(name)

    def set_sso_session(self, name: str, key: str, value: str) -> None:
        """Set a key of ``[sso-session NAME]`` in the config file (created when missing)."""
        self.config.set_in_section(self.sso_session_section(name), key.lower(), value)

    def remove(self, profile: str) -> bool:
        removed = [doc.remove(profile) for doc in self.documents()]
        self._intended[profile] = None
        return any(removed)

    def drop_empty_credentials(self, profile: str) -> bool:
        """Remove the profile's credentials-file section if it holds no key and no comment.

        After its keys moved elsewhere (the keyring), a bare ``[NAME]`` header would be noise,
        and removing it gives back the bytes the file had before the keys were added.
        """
        doc = self.credentials
        section = doc.section_of(profile)
        if section is None or doc.expected[section]:
            return False
        lines = split_lines(doc._chunk(section).text)[1:]
        if any(line.strip() for line in lines):
            return False
        return doc.remove(profile)

    def rename(self, old: str, new: str) -> None:
        """Rename ``old`` in both files, and every setting that names it (`graph.retarget`)."""
        if self.exists(new):
            raise Refused(f"profile {new!r} already exists")
        for doc in self.documents():
            if naming := graph.retarget(doc.ini.defaults, old, new):
                raise Refused(
                    f"{doc.ini.path} {_lines(doc.ini.lines_setting('DEFAULT', naming))}: [DEFAULT] names "
                    f"profile {old!r} (source_profile or credential_process), and every section of that "
                    "file inherits it; change it there first"
                )
        referrers = graph.referrers(self.snapshot, old) + graph.referrers(
            self.snapshot, old, CREDENTIAL_PROCESS
        )
        renamed = dict(self._intent(old))
        renamed.update(graph.retarget(renamed, old, new))
        for doc in self.documents():
            doc.rename(old, new)
            for profile, section in list(doc.profile_sections.items()):
                for key, value in graph.retarget(doc.expected[section], old, new).items():
                    doc.set(profile, key, value)
        self._intended[old] = None
        self._intended[new] = renamed
        for name in dict.fromkeys(referrers):
            intent = self._intent(name)
            intent.update(graph.retarget(intent, old, new))

    def view(self, profile: str) -> dict[str, Value] | None:
        """What botocore would read for ``profile`` after the edit (credentials' values win)."""
        sections = [
            doc.expected[section]
            for doc in self.documents()
            if (section := doc.section_of(profile)) is not None
        ]
        if not sections:
            return None
        values: dict[str, Value] = {}
        for found in sections:
            values.update(found)
        return values

    def _check_intended(self) -> list[str]:
        """Refuse an edit botocore would not read as intended; say what it reads unasked.

        Every key the edit set, unset or kept must read as intended. A key the profile did not
        have and the edit did not ask for can only come from a [DEFAULT], which a new section
        inherits. A profile that existed must read nothing new, and a setting that decides how
        botocore finds the credentials must not come unasked: either refuses the edit (exit 3).
        Any other value a new profile inherits is written, and the returned warnings name
        [DEFAULT] and its line.
        """
        said = []
        for profile, wanted in self._intended.items():
            actual = self.view(profile)
            if wanted is None or actual is None:
                if wanted != actual:
                    raise FileProblem(
                        f"refusing to write: profile {profile!r} would not read as this edit means; "
                        "no file was changed"
                    )
                continue
            unset = self._unset.get(profile, set())
            differing = sorted(key for key in set(wanted) | unset if wanted.get(key) != actual.get(key))
            extra = sorted(key for key in actual if key not in wanted and key not in unset)
            existed = self.snapshot.profile(profile) is not None
            for doc in self.documents():
                if doc.section_of(profile) is None:
                    continue
                unasked = [key for key in extra if doc.ini.defaults.get(key, _NOTHING) == actual[key]]
                extra = [key for key in extra if key not in unasked]
                inherited = [key for key in differing if key in doc.ini.defaults]
                if inherited or (existed and unasked):
                    raise Refused(
                        f"profile {profile!r} would read {', '.join(inherited + unasked)} from "
                        f"{_in_default(doc, inherited + unasked)}, "
                        "which every section of that file inherits, so botocore would not see this edit "
                        "as intended; nothing was written. Change [DEFAULT] by hand"
                    )
                if finding := [key for key in unasked if key in _CREDENTIAL_SETTINGS]:
                    raise Refused(
                        f"profile {profile!r} would also read {', '.join(finding)} from "
                        f"{_in_default(doc, finding)}, which every section of that file inherits: botocore "
                        "would find its credentials another way than this edit means; nothing was written. "
                        "Change [DEFAULT] by hand"
                    )
                if unasked:
                    said.append(
                        f"profile {profile!r} also reads {', '.join(unasked)} from "
                        f"{_in_default(doc, unasked)}, which every section of that file inherits"
                    )
            if differing or extra:
                raise FileProblem(
                    f"refusing to write: profile {profile!r} would not read as this edit means "
                    f"({', '.join(differing + extra)}); no file was changed"
                )
        return said

    def changed_files(self) -> list[tuple[Document, bytes]]:
        """The files to write and their new bytes, verified; `inherited` says what else botocore
        will read from [DEFAULT] once they are written."""
        result = []
        for doc in self.documents():
            data = doc.render()
            if data != doc.ini.raw:
                doc.verify(data)
                result.append((doc, data))
        self.inherited = self._check_intended()
        return result


def _in_default(doc: Document, keys: list[str]) -> str:
    """The [DEFAULT] of ``doc`` that sets ``keys``, and its line, for a message."""
    return f"[DEFAULT] ({doc.ini.path} {_lines(doc.ini.lines_setting('DEFAULT', keys))})"


def _lines(numbers: list[int]) -> str:
    """'line 7', or 'lines 1 and 7' (each [DEFAULT] of a file that sets a key named)."""
    if len(numbers) == 1:
        return f"line {numbers[0]}"
    return f"lines {', '.join(map(str, numbers[:-1]))} and {numbers[-1]}"
