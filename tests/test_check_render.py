"""The check table: the fast aligned rendering is exactly rich's, and rich draws everything else."""

from __future__ import annotations

import io

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from awsprofiles.check import CheckResult
from awsprofiles.cli.checking import COLUMNS, _cells, aligned_table, render_results

_ascii = st.text("abcXYZ019 -_.:/'()", max_size=30)
texts = st.one_of(
    _ascii,
    st.sampled_from(["", "arn:aws:sts::123456789012:assumed-role/example-role/Bob", "é", "a[b]", "x\ty"]),
    st.text("ab ", min_size=60, max_size=90),
)


def _results(text: st.SearchStrategy[str]) -> st.SearchStrategy[CheckResult]:
    return st.builds(
        CheckResult,
        profile=text.filter(bool),
        kind=st.sampled_from(["keys", "role", "sso", "other"]),
        ok=st.booleans(),
        account=st.sampled_from([None, "123456789012"]),
        arn=st.one_of(st.none(), text),
        error=st.sampled_from([None, "lint", "assume-denied", "invalid-key"]),
        message=text,
        elapsed_ms=st.integers(0, 120_000),
    )


# Tables of short ASCII cells (the fast path's), and tables of anything (mostly rich's).
tables = st.lists(_results(_ascii), max_size=6) | st.lists(_results(texts), max_size=6)


def rich_table(rows: list[list[str]], oks: list[bool], width: int) -> str:
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    table = Table(box=None, pad_edge=False)
    for column in COLUMNS:
        table.add_column(column, overflow="fold", justify="right" if column == "TIME" else "left")
    for cells, ok in zip(rows, oks, strict=True):
        texts = [Text(cell) for cell in cells]  # cells drawn as they are: no markup, no emoji
        texts[2].stylize("green" if ok else "bold red")
        table.add_row(*texts)
    out = io.StringIO()
    Console(file=out, soft_wrap=True, width=width, color_system=None).print(table)
    return out.getvalue()


@settings(max_examples=150, deadline=None)
@given(checked=tables, width=st.sampled_from([80, 120, 200]))
def test_aligned_table_is_what_rich_draws(checked: list[CheckResult], width: int) -> None:
    rows = [_cells(result) for result in checked]
    plain = aligned_table(rows, width)
    if plain is not None:
        assert plain == rich_table(rows, [result.ok for result in checked], width)


def test_ten_thousand_ok_rows_are_drawn_without_rich_and_long_ones_by_rich(
    capsys: pytest.CaptureFixture[str],
) -> None:
    ok = CheckResult("p", "keys", True, None, None, None, "no static problems", 0)
    rows = [_cells(ok)] * 10_000
    assert aligned_table(rows, 200) is not None
    long = CheckResult("p", "role", False, None, None, "lint", "word " * 60, 0)
    assert aligned_table([_cells(long)], 200) is None
    assert render_results([ok, long], json=False) == 1
    out = capsys.readouterr().out
    assert out == rich_table([_cells(ok), _cells(long)], [True, False], 200) + "1 ok, 1 failed\n"


@pytest.mark.parametrize("long", [False, True], ids=["aligned", "rich"])
def test_cells_are_printed_verbatim_never_as_markup_or_emoji(
    long: bool, capsys: pytest.CaptureFixture[str]
) -> None:
    arn = "arn:aws:sts::123456789012:assumed-role/ok:ok:/[bold]x[/bold]"
    results = [CheckResult("p", "role", True, "123456789012", arn, None, arn, 0)]
    if long:  # a message rich must fold: the whole table is rich's
        results.append(CheckResult("q", "role", False, None, None, "lint", "word " * 60, 0))
    render_results(results, json=False)
    assert arn in capsys.readouterr().out
