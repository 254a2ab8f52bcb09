"""CSV cells as exports write them: RFC 4180 quoting, booleans as words, formulas defused."""

import csv
import io

from interlude_contracts.spreadsheet import csv_text


def test_cells_are_quoted_as_rfc_4180_and_booleans_and_empties_read_plainly() -> None:
    text = csv_text([["c-1", 12.0, True, None], ["c-2", 'a, "quoted" note', False, 3]])

    assert text == 'c-1,12.0,true,\r\nc-2,"a, ""quoted"" note",false,3\r\n'
    assert list(csv.reader(io.StringIO(text)))[1] == ["c-2", 'a, "quoted" note', "false", "3"]


def test_text_a_spreadsheet_would_run_as_a_formula_is_defused() -> None:
    cells = ["=HYPERLINK(evil)", "+1", "-1", "@SUM(A1)", "\tx", "\rx", "plain", "a=b"]

    row = next(csv.reader(io.StringIO(csv_text([cells]))))

    assert row == ["'=HYPERLINK(evil)", "'+1", "'-1", "'@SUM(A1)", "'\tx", "'\rx", "plain", "a=b"]
    assert csv_text([[-1, 0.5]]) == "-1,0.5\r\n"  # numbers are numbers, not text to defuse
