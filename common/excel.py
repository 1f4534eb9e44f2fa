"""Exports to .xlsx: Chinese headers, money as numbers with two decimals, and every text cell
that a spreadsheet would read as a formula neutralised."""

import datetime
from decimal import Decimal
from io import BytesIO
from urllib.parse import quote

from django.http import HttpResponse
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n")


def safe_cell(value):
    """Text that starts like a formula (= + - @, a tab or a line break) gets a leading quote, so
    Excel and WPS show it as text instead of running it."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def cell_value(value):
    """Decimal money as a number, aware datetimes in Asia/Shanghai (Excel has no time zones),
    text neutralised.

    Money stays Decimal, never float (workbook_response writes its own digits)."""
    if isinstance(value, Decimal):
        return value
    if isinstance(value, datetime.datetime) and value.tzinfo is not None:
        return timezone.localtime(value).replace(tzinfo=None)
    if isinstance(value, bool):
        return "是" if value else "否"
    return safe_cell(value)


def exportable(value):
    """A value as a cell of an export holds it: `cell_value`, with the control characters a
    workbook cannot hold taken out of text, and blank text as an empty cell."""
    value = cell_value(value)
    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
    return None if value == "" else value


def write_exactly(cell):
    """A Decimal cell is written as its own digits. openpyxl writes every number as "%.16g" of a
    float, which stores 98765.43 as 98765.42999999999; the digits as text with the cell's type
    left numeric ("n") reach the file as <v>98765.43</v>, a number exact to the fen."""
    if isinstance(cell.value, Decimal) and cell.value.is_finite():
        cell._value = format(cell.value, "f")


def wants_xlsx(request):
    return request.GET.get("export") == "xlsx"


def write_workbook(headers, rows, *, title=None, money_columns=frozenset()) -> bytes:
    """The one .xlsx writer of every export (the portals' and the admin's tables, HR's reference
    data): a bold `title` row when there is one, the bold header row with the panes frozen below
    it, then `rows`, each value as `exportable` writes it. Text cells are formatted as text (typed
    over, a code or a phone stays text); Decimals are written exactly (`write_exactly`); 1-based
    `money_columns` are formatted as yuan to the fen."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "数据"
    header_row = 1
    if title is not None:
        sheet.append([safe_cell(title)])
        sheet["A1"].font = Font(bold=True, size=14)
        header_row = 2
    sheet.append([cell_value(header) for header in headers])
    for cell in sheet[header_row]:
        cell.font = Font(bold=True)
    # Rows are numbered here: sheet.max_row scans every cell, once per row it would be quadratic.
    for number, row in enumerate(rows, start=header_row + 1):
        values = [exportable(v) for v in row]
        sheet.append(values)
        for column, value in enumerate(values, start=1):
            if isinstance(value, str):
                sheet.cell(row=number, column=column).number_format = "@"
            elif isinstance(value, Decimal):
                write_exactly(sheet.cell(row=number, column=column))
        for column in money_columns:
            sheet.cell(row=number, column=column).number_format = "#,##0.00"
    sheet.freeze_panes = f"A{header_row + 1}"
    for index, header in enumerate(headers, 1):
        sheet.column_dimensions[get_column_letter(index)].width = max(10, len(str(header)) * 2 + 2)
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def workbook_response(filename, title, headers, rows, *, money_columns=frozenset()):
    """An .xlsx download (`write_workbook`): a title row, the header row, then `rows`; 1-based
    `money_columns` are formatted as yuan to the fen."""
    response = HttpResponse(
        write_workbook(headers, rows, title=title, money_columns=money_columns),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response
