"""Reading an access key from where IAM hands it out: the console's CSV, the CLI's JSON, stdin.

The secret never comes from the command line, where ``ps`` and shell history would keep it.
"""

from __future__ import annotations

import csv
import getpass
import io
import json
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from awsprofiles import store
from awsprofiles.errors import BadInput


@dataclass(frozen=True)
class AccessKey:
    access_key_id: str
    secret_access_key: str = field(repr=False)
    user_name: str | None = None


def _read_text(path: Path) -> str:
    # The IAM console's CSV starts with a byte order mark.
    return store.read_input(path, "key file", encoding="utf-8-sig")


def _csv_records(path: Path) -> list[tuple[int, list[str]]]:
    """(line, cells) of each row that holds anything; empty trailing cells (a spreadsheet's
    trailing commas) dropped."""
    reader = csv.reader(io.StringIO(_read_text(path), newline=""), strict=True)
    records = []
    line = 1
    try:
        for row in reader:
            cells = [cell.strip() for cell in row]
            while cells and not cells[-1]:
                cells.pop()
            if cells:
                records.append((line, cells))
            line = reader.line_num + 1
    except csv.Error as error:
        raise BadInput(f"{path} line {reader.line_num}: cannot be read as CSV ({error})") from None
    return records


def from_csv(path: Path) -> AccessKey:
    """The access-key CSV the IAM console downloads (``Access key ID,Secret access key``), also as
    a spreadsheet saves it again (extra empty columns and rows)."""
    records = _csv_records(path)
    header = [name.lower() for name in records[0][1]] if records else []
    columns = {name: index for index, name in reversed(list(enumerate(header)))}
    id_column, secret_column = columns.get("access key id"), columns.get("secret access key")
    if len(records) < 2 or id_column is None or secret_column is None:
        raise BadInput(
            f"{path} is not an IAM access key CSV: it needs a header with "
            "'Access key ID' and 'Secret access key' and one row"
        )
    if len(records) > 2:
        raise BadInput(f"{path} holds {len(records) - 1} keys; give a file with one")
    line, row = records[1]
    if len(row) > len(header):
        raise BadInput(
            f"{path} line {line}: it has more values ({len(row)}) than the header has columns "
            f"({len(header)}), so its columns cannot be told apart"
        )

    def cell(column: int | None) -> str:
        return row[column] if column is not None and column < len(row) else ""

    for column, what in ((id_column, "access key ID"), (secret_column, "secret access key")):
        if not cell(column):
            raise BadInput(f"{path} line {line}: no {what} under the header's '{records[0][1][column]}'")
    return AccessKey(cell(id_column), cell(secret_column), cell(columns.get("user name")) or None)


def from_json(path: Path) -> AccessKey:
    """The output of ``aws iam create-access-key``: ``{"AccessKey": {...}}``."""
    try:
        document = json.loads(_read_text(path))
        key = document.get("AccessKey", document)
        return AccessKey(
            access_key_id=str(key["AccessKeyId"]).strip(),
            secret_access_key=str(key["SecretAccessKey"]).strip(),
            user_name=key.get("UserName"),
        )
    except (ValueError, KeyError, TypeError, AttributeError, RecursionError):
        raise BadInput(
            f"{path} is not the output of 'aws iam create-access-key' "
            "(an AccessKey with AccessKeyId and SecretAccessKey)"
        ) from None


def secret_from_stdin(stdin: TextIO | None = None) -> str:
    try:
        line = (stdin or sys.stdin).readline()
    except UnicodeDecodeError:
        raise BadInput("--secret-stdin: standard input is not UTF-8 text") from None
    if not line.strip():
        raise BadInput("--secret-stdin: standard input held no secret access key")
    return line.strip()


def key_id_from_terminal(prompt: str = "Access key ID: ") -> str:
    """The access key ID typed on the terminal, shown as it is typed (as ``aws configure`` asks)."""
    sys.stderr.write(prompt)
    sys.stderr.flush()
    key_id = sys.stdin.readline().strip()
    if not key_id:
        raise BadInput("no access key ID was entered")
    return key_id


def secret_from_terminal(prompt: str = "Secret access key: ") -> str:
    if not sys.stdin.isatty():
        raise BadInput(
            "no secret access key: give it with --secret-stdin, --from-csv FILE or "
            "--from-json FILE (it is never taken from the command line)"
        )
    return getpass.getpass(prompt, stream=sys.stderr)


def obtain(
    access_key_id: str | None,
    secret_stdin: bool = False,
    csv_file: Path | None = None,
    json_file: Path | None = None,
) -> AccessKey:
    """The key pair from exactly one source; a given --access-key-id must match a file's.

    With neither a file nor --access-key-id, on a terminal, the key ID is asked for, then the
    secret (hidden), as ``aws configure`` asks for them.
    """
    if sum([secret_stdin, csv_file is not None, json_file is not None]) > 1:
        raise BadInput("give only one of --secret-stdin, --from-csv and --from-json")
    if csv_file is not None or json_file is not None:
        key = from_csv(csv_file) if csv_file is not None else from_json(json_file)  # type: ignore[arg-type]
        if access_key_id and access_key_id != key.access_key_id:
            raise BadInput("--access-key-id does not match the key in the file")
        return key
    if not access_key_id:
        from awsprofiles.aws.credentials import interactive

        if secret_stdin or not interactive():
            raise BadInput(
                "--access-key-id is required unless the key comes from --from-csv/--from-json "
                "(or is asked for on a terminal)"
            )
        access_key_id = key_id_from_terminal()
    secret = secret_from_stdin() if secret_stdin else secret_from_terminal()
    return AccessKey(access_key_id, secret)
