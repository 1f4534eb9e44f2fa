"""The one pipeline every spreadsheet import goes through.

upload -> guard (common.uploads) -> parse (headers checked: merged, missing or extra
columns, empty sheet) -> validate every row with the same policy functions and services the
screens use -> preview (counts; every problem of every row in one pass: row number, the reason
in Chinese, column, value masked if personal; the first rows that will be written, masked as the
screens mask them) -> confirm -> write all rows in one transaction, or nothing.

An importer declares its columns and two methods: `check(rows, errors)` returning a Plan
(what would be written, who is skipped and why, the row errors) and `write(plan)`.
"""

import datetime
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from io import BytesIO

from django.core.exceptions import ValidationError
from django.db import transaction
from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Font, PatternFill
from openpyxl.worksheet.datavalidation import DataValidation

from common.personal_data import mask_id_number, mask_phone, normalise_id_number
from common.uploads import MAX_ROWS, CheckedUpload, Extent, read_rows

TEXT = "@"


@dataclass(frozen=True)
class Column:
    header: str
    key: str
    required: bool = True
    note: str = ""
    kind: str = "text"  # text, id_number, phone, date, integer, decimal, choice
    choices: tuple = ()  # labels accepted (choice columns); values come from `values`
    values: tuple = ()
    masked: bool = False
    width: int = 14


@dataclass
class RowError:
    row: int
    column: str
    value: str
    reason: str


PREVIEW_ROWS = 10


@dataclass
class Plan:
    """What an import would do: `items` to write, `rows` the sheet rows (parsed, in sheet order)
    that will be written, `skipped` rows with the reason (not errors, e.g. a person already
    registered), `errors` that block the whole import."""

    items: list = field(default_factory=list)
    skipped: list = field(default_factory=list)  # (row number, description, reason)
    errors: list = field(default_factory=list)
    total_rows: int = 0
    rows: list = field(default_factory=list)
    note: str = ""  # why a clean sheet writes nothing, where the importer knows better than "nothing to write"

    @property
    def is_clean(self):
        return not self.errors

    @property
    def row_count(self) -> int:
        """How many sheet rows the confirmation writes."""
        return len(self.rows)


class SheetError(Exception):
    """The sheet as a whole cannot be read (headers, empty): nothing row by row to report."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message


def display(column: Column, value) -> str:
    """The value as the preview shows it: personal data masked."""
    if value is None:
        return ""
    text = value if isinstance(value, str) else str(value)
    if column.kind == "id_number" or column.masked:
        return mask_id_number(normalise_id_number(text)) if column.kind == "id_number" else mask_phone(text)
    if column.kind == "phone":
        return mask_phone(text)
    return text[:50]


def display_parsed(column: Column, value) -> str:
    """A parsed value as the preview of the rows to write shows it: the choice's label, dates as
    2018-05-14, personal data masked as on the screens."""
    if value is None or value == "":
        return ""
    if column.kind == "id_number":
        return mask_id_number(str(value))
    if column.kind == "phone" or column.masked:
        return mask_phone(str(value))
    if column.kind == "choice":
        for label, choice in zip(column.choices, column.values, strict=True):
            if choice == value:  # the first label of a value is its usual spelling
                return label
    if isinstance(value, datetime.date):
        return f"{value:%Y-%m-%d}"
    if isinstance(value, Decimal):
        return f"{value.normalize():f}"
    return str(value)[:50]


def clean_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return unicodedata.normalize("NFKC", str(value)).strip()


DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y年%m月%d日", "%Y.%m.%d", "%Y%m%d")


def parse_date_text(text: str) -> datetime.date | None:
    """A date typed as text into a cell, as every import reads one (this pipeline and HR's
    reference data, common.resources): 2018-05-14, 2018/5/14, 2018年5月14日, 2018.5.14
    or 20180514, spaces anywhere ignored. None when it is none of these."""
    text = text.replace(" ", "")
    for pattern in DATE_FORMATS:
        try:
            return datetime.datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    return None


def parse_cell(column: Column, value):
    """A cell as the importer wants it, or a ValidationError saying what is wrong and what to do."""
    if value is None or (isinstance(value, str) and not value.strip()):
        if column.required:
            raise ValidationError("必填,不能为空:请填写该栏。", code="required")
        return None
    if column.kind == "id_number":
        if isinstance(value, int | float):
            raise ValidationError('身份证号被 Excel 当作数字保存,末几位已经丢失:请将身份证号列设置为"文本"格式后重新填写。',
                                  code="id_not_text")
        return normalise_id_number(value)
    if column.kind == "phone":
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        text = clean_text(value).replace(" ", "")
        if isinstance(value, int) and len(text) in (7, 8, 10, 11) and not text.startswith("1"):
            raise ValidationError('座机号码开头的0被 Excel 去掉了:请将联系电话列设置为"文本"格式后重新填写。',
                                  code="phone_not_text")
        return text
    if column.kind == "date":
        if isinstance(value, datetime.datetime):
            return value.date()
        if isinstance(value, datetime.date):
            return value
        text = clean_text(value).replace(" ", "")
        day = parse_date_text(text)
        if day is None:
            raise ValidationError("日期「%(value)s」无法识别:请写成 2018-05-14、2018/5/14 或 2018年5月14日。",
                                  code="date_invalid", params={"value": text})
        return day
    if column.kind == "integer":
        try:
            number = Decimal(clean_text(value))
        except InvalidOperation:
            number = None
        if number is None or not number.is_finite():  # NaN and Infinity are not integers
            raise ValidationError("应填写整数:请改为整数,如 12。", code="integer_invalid")
        # Checked before any arithmetic: 1E+999999999 overflows, and int() of it takes hours.
        if number.copy_abs() >= 10**18:
            raise ValidationError("数值过大:请填写不超过18位的整数。", code="integer_too_large")
        if number != number.to_integral_value():
            raise ValidationError("应填写整数:请改为整数,如 12。", code="integer_invalid")
        return int(number)
    if column.kind == "decimal":
        try:
            number = Decimal(clean_text(value))
        except InvalidOperation:
            number = None
        if number is None or not number.is_finite():  # NaN and Infinity are not numbers to record
            raise ValidationError("应填写数字:请改为数字,如 85.5。", code="decimal_invalid")
        return number
    if column.kind == "choice":
        text = clean_text(value)
        lookup = dict(zip(column.choices, column.values, strict=True))
        if text not in lookup:
            raise ValidationError("「%(value)s」不是可选项:请从下拉列表中选择(%(choices)s)。", code="choice_invalid",
                                  params={"value": text, "choices": "、".join(column.choices)})
        return lookup[text]
    return clean_text(value)


class SheetImport:
    """Base of every importer: columns, template, parsing; subclasses check and write."""

    title = ""
    columns: list[Column] = []
    header_row = 1  # 1-based row of the headers in the template
    # Columns a sheet may reach beyond the import's own (blank but formatted cells to the right):
    # they fail the header check with a clear message instead of the guard's.
    spare_columns = 16

    # What the confirmation reports as it goes when it runs as a background job (common.jobs).
    progress = None

    def __init__(self, *, user, **context):
        self.user = user
        self.context = context

    @classmethod
    def for_upload(cls, *, user, target: str):
        """The importer as the page that took the upload built it, rebuilt by the background
        worker from the uploader and the batch's `target` (e.g. a class code), through the same
        scoped reads: a confirmation in the background acts for the same person on the same
        rows. Importers built from more than the user override this."""
        return cls(user=user)

    def report(self, done: int, total: int, stage: str) -> None:
        if self.progress is not None:
            self.progress.update(done, total, stage=stage)

    def extent(self) -> Extent:
        """How far an uploaded sheet may reach, checked by the upload guard before any parser."""
        return Extent(max_rows=MAX_ROWS, max_columns=len(self.columns) + self.spare_columns,
                      header_rows=self.header_row)

    # --- the template -----------------------------------------------------------------------
    def template(self) -> bytes:
        """The .xlsx template: Chinese headers, text-formatted ID and phone columns, drop-down
        lists for choice columns, and a notes sheet explaining every column."""
        workbook = Workbook()
        sheet = workbook.active
        sheet.title = self.title[:31]
        for index, column in enumerate(self.columns, 1):
            cell = sheet.cell(row=1, column=index, value=column.header)
            cell.font = Font(bold=True, color="FFFFFF" if column.required else "000000")
            cell.fill = PatternFill("solid", fgColor="B71C1C" if column.required else "EEEEEE")
            if column.note:
                cell.comment = Comment(column.note, "县人社局")
            letter = cell.column_letter
            sheet.column_dimensions[letter].width = column.width
            if column.kind in ("id_number", "phone", "text"):
                for row in range(2, 1002):
                    sheet.cell(row=row, column=index).number_format = TEXT
            if column.kind == "choice":
                listing = ",".join(column.choices)
                if len(listing) < 250:
                    validation = DataValidation(type="list", formula1=f'"{listing}"', allow_blank=not column.required)
                    validation.error = f"请从下拉列表中选择:{listing}"
                    validation.errorTitle = column.header
                    sheet.add_data_validation(validation)
                    validation.add(f"{letter}2:{letter}10001")
        sheet.freeze_panes = "A2"
        notes = workbook.create_sheet("填写说明")
        notes.append(["列名", "是否必填", "说明"])
        for cell in notes[1]:
            cell.font = Font(bold=True)
        for column in self.columns:
            notes.append([column.header, "必填" if column.required else "选填", column.note])
        notes.append([])
        notes.append(["注意", "", "请勿合并单元格、增删列或修改列名;身份证号、联系电话列已设为文本格式,请勿改为数字格式;"
                                 "每个文件最多10000行。"])
        notes.column_dimensions["A"].width, notes.column_dimensions["C"].width = 16, 90
        buffer = BytesIO()
        workbook.save(buffer)
        return buffer.getvalue()

    # --- parsing ------------------------------------------------------------------------------
    def parse(self, checked: CheckedUpload):
        """Rows as dicts keyed by column key, with their sheet row numbers; header problems raise
        SheetError; cell problems become RowErrors."""
        rows = read_rows(checked)
        if not rows or all(all(v in (None, "") for v in row) for row in rows):
            raise SheetError("工作表是空的:请在模板第一个工作表中填写数据后上传。")
        headers = [clean_text(v) for v in rows[0]]
        while headers and not headers[-1]:
            headers.pop()
        expected = [c.header for c in self.columns]
        if "" in headers:
            raise SheetError("表头有空白列或合并的单元格:请使用模板,不要合并表头单元格。")
        missing = [h for h in expected if h not in headers]
        extra = [h for h in headers if h not in expected]
        if missing or extra:
            parts = []
            if missing:
                parts.append("缺少列:" + "、".join(missing))
            if extra:
                parts.append("多出列:" + "、".join(extra))
            raise SheetError(";".join(parts) + "。请使用系统下载的模板,不要增删或改动列名。")
        if len(set(headers)) != len(headers):
            raise SheetError("表头有重复的列名:请使用系统下载的模板。")
        positions = {h: i for i, h in enumerate(headers)}
        parsed, errors = [], []
        for number, row in enumerate(rows[1:], start=2):
            if all(v is None or (isinstance(v, str) and not v.strip()) for v in row):
                continue
            item = {"_row": number}
            for column in self.columns:
                index = positions.get(column.header)
                value = row[index] if index is not None and index < len(row) else None
                try:
                    item[column.key] = parse_cell(column, value)
                except ValidationError as error:
                    errors.append(RowError(number, column.header, display(column, value), error.messages[0]))
                    item[column.key] = None
            parsed.append(item)
        if not parsed:
            raise SheetError("工作表只有表头,没有数据行:请在表头下方逐行填写后重新上传。")
        return parsed, errors

    def column(self, key) -> Column:
        return next(c for c in self.columns if c.key == key)

    def error(self, item, key, reason):
        column = self.column(key)
        return RowError(item["_row"], column.header, display(column, item.get(key)), reason)

    def refusal_errors(self, item, error: ValidationError) -> list[RowError]:
        """One RowError per refusal in `error`, each at the column it concerns: a model's field
        errors at the column of that field, coded refusals where `error_column` puts them."""
        keys = {c.key for c in self.columns}
        found = []
        if hasattr(error, "error_dict"):
            for name, errors in error.error_dict.items():
                for one in errors:
                    key = name if name in keys else self.error_column(one.code)
                    found.extend(self.error(item, key, message) for message in one.messages)
            return found
        for one in error.error_list:
            found.extend(self.error(item, self.error_column(one.code), message) for message in one.messages)
        return found

    def error_column(self, code) -> str:
        """The key of the column a coded refusal concerns (the first column unless told)."""
        return self.columns[0].key

    def preview(self, plan: Plan):
        """The headers and the first rows that will be written, as the preview shows them."""
        headers = ["行号", *(c.header for c in self.columns)]
        rows = [[f"第{item['_row']}行", *(display_parsed(c, item.get(c.key)) for c in self.columns)]
                for item in plan.rows[:PREVIEW_ROWS]]
        return headers, rows

    # --- check and write ----------------------------------------------------------------------
    def plan(self, checked: CheckedUpload) -> Plan:
        self.report(0, 0, "读取表格")
        try:
            rows, errors = self.parse(checked)
        except SheetError as error:
            return Plan(errors=[RowError(1, "", "", error.message)])
        plan = self.check(rows, errors)
        plan.total_rows = len(rows)
        order = {c.header: i for i, c in enumerate(self.columns)}
        plan.errors.sort(key=lambda e: (e.row, order.get(e.column, len(order))))
        return plan

    def check(self, rows, errors) -> Plan:
        raise NotImplementedError

    def write(self, plan: Plan):
        raise NotImplementedError


class ServiceRowImport(SheetImport):
    """An import whose rows are applied by the same service the screen calls. The preview runs
    every row through the service inside a transaction that is rolled back; the confirmation runs
    them again in one transaction that keeps all or nothing."""

    def apply(self, item):
        """Apply one parsed row through its service (raises ValidationError on refusal). Returns
        a reason to skip the row when it would change nothing (e.g. the same row uploaded
        again), else None."""
        raise NotImplementedError

    def row_checks(self, item) -> list[RowError]:
        """Checks of a row that need no service and no other cell than their own (skipping
        cells that could not be read): run on every row, so a row with a bad cell still learns
        of its other problems in the same pass."""
        return []

    def describe(self, item) -> str:
        return ""

    def cell_failed(self, item, key) -> bool:
        """Whether the row's cell of column `key` could not be read (its error is listed)."""
        return (item["_row"], self.column(key).header) in self.failed_cells

    def check(self, rows, errors) -> Plan:
        plan = Plan(errors=errors)
        bad_rows = {e.row for e in errors}
        self.failed_cells = {(e.row, e.column) for e in errors}
        with transaction.atomic():
            for number, item in enumerate(rows):
                self.report(number, len(rows), "逐行检查")
                found = self.row_checks(item)
                plan.errors.extend(found)
                if found or item["_row"] in bad_rows:
                    continue
                try:
                    with transaction.atomic():
                        skip = self.apply(item)
                except ValidationError as error:
                    plan.errors.extend(self.refusal_errors(item, error))
                    continue
                if skip:
                    plan.skipped.append((item["_row"], self.describe(item), skip))
                    continue
                plan.items.append(item)
                plan.rows.append(item)
            transaction.set_rollback(True)
        return plan

    def write(self, plan: Plan):
        with transaction.atomic():
            for number, item in enumerate(plan.items):
                self.report(number, len(plan.items), "写入数据")
                try:
                    self.apply(item)
                except ValidationError as error:
                    raise ValidationError(f"第{item['_row']}行:{';'.join(error.messages)}(本次未写入任何数据,"
                                          "请重新上传该文件查看最新的检查结果)", code="row_refused") from None
        return len(plan.items)
