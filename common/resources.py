"""HR's reference data in the admin, imported and exported with django-import-export.

The occupation catalogue, townships and their targets, institutions and their yearly eligibility,
evaluation bodies and their plans: small tables that HR keeps, where the admin's import (upload,
preview, confirm) is the natural tool. Person data (trainees, rosters, attendance, results) goes
through the project's own pipeline (`common/imports.py`), which is ten times faster.

What this module adds to django-import-export, for every reference table:
- the upload guard (`common/uploads.py`) in front: the import form refuses a crafted or
  oversized file with a Chinese message and a 400 before any reader runs, and every later read of
  the stored file (the confirm step) passes the guard again;
- sheets read with python-calamine, as every other import; cells exported as formula-like text
  ("'=…") read back as the text they were;
- Chinese headers (each Field's column_name), choices as their Chinese labels, 是/否 for booleans,
  dates typed as text accepted, related rows found by natural key (the year's number, a township's
  name, a credit code) with a Chinese message when they are not there;
- `import_id_fields` on the natural key, so importing an exported file again changes nothing;
- all or nothing: the model's full_clean() on every row (clean_model_instances), a transaction,
  and the confirm step rolled back if any row fails;
- row errors under the column's Chinese header and the row's number as Excel shows it;
- exports written by the writer of every other export (common/excel.py, write_workbook):
  numbers stay numbers, Decimals exact, text that a spreadsheet would run as a formula
  neutralised. import-export's own
  IMPORT_EXPORT_ESCAPE_FORMULAE_ON_EXPORT is bypassed: it strips only "=" and turns every cell,
  numbers and empty cells included, into text ("None").
"""

import datetime
import re
from urllib.parse import quote

import tablib
from django.contrib import messages
from django.contrib.admin.models import ADDITION, CHANGE, LogEntry
from django.core.exceptions import (
    NON_FIELD_ERRORS,
    MultipleObjectsReturned,
    ObjectDoesNotExist,
    ValidationError,
)
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from import_export import resources, widgets
from import_export.admin import ImportExportMixin
from import_export.formats.base_formats import XLSX
from import_export.forms import ExportForm, ImportForm
from import_export.results import RowResult

from common.excel import FORMULA_STARTS, write_workbook
from common.imports import parse_date_text
from common.uploads import MAX_ROWS, CheckedUpload, Extent, column_letters, guard_xlsx, read_rows

SPARE_COLUMNS = 16
# A province's 1,406 townships fit; import-export checks about 400 rows a second here, so a sheet
# of this size is previewed, and again confirmed, well inside the server's 30-second timeout.
MAX_REFERENCE_ROWS = 3_000
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Numbers past 15 digits are not exact in a spreadsheet: a code typed into a number cell is refused.
EXACT_DIGITS = 15
WHOLE_ROW = "整行"
TEXT_CELL = "请将该列设置为“文本”格式后重新填写(数字格式会改变或丢失数字)。"


# --- reading a sheet -----------------------------------------------------------------------------

def _unneutralised(value):
    """Text exported as "'=…" (see excel.safe_cell) reads back as the text it was."""
    if isinstance(value, str) and len(value) > 1 and value[0] == "'" and value[1:].startswith(FORMULA_STARTS):
        return value[1:]
    return value


def _cell(value):
    """A cell as the widgets (and the preview's list of bad rows) take it: blank as "", a whole
    number that a spreadsheet keeps exactly as an int (the reader gives every number as a float),
    formula-like text exported as "'=…" as the text it was."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer() and abs(value) < 10**EXACT_DIGITS:
        return int(value)
    return _unneutralised(value)


def read_dataset(content: bytes) -> tablib.Dataset:
    """The upload guard, then the first worksheet as a tablib Dataset (see `dataset_of`)."""
    return dataset_of(guard_xlsx(SimpleUploadedFile("表格.xlsx", content)))


def dataset_of(checked: CheckedUpload, *, max_rows: int = MAX_ROWS) -> tablib.Dataset:
    """A guarded upload's first worksheet as a tablib Dataset, read with python-calamine.

    The header row gives the columns; a column without a header must be empty. Blank rows are
    left out, and `dataset.excel_rows` keeps the row number Excel shows for each data row. Cells
    are read as `_cell` says. Raises ValidationError (code, Chinese message) on anything refused."""
    rows = read_rows(checked, max_rows=max_rows)
    if not rows:
        raise ValidationError("表格是空的:第一行应为表头。", code="empty_sheet")
    headers = ["" if value is None else str(value).strip() for value in rows[0]]
    kept, excel_rows, data = [], [], []
    for index, header in enumerate(headers):
        if header:
            kept.append(index)
        elif any(index < len(row) and row[index] is not None for row in rows[1:]):
            raise ValidationError("第%(letters)s列有内容但没有表头:请补上表头或删除该列。", code="headerless_column",
                                  params={"letters": column_letters(index + 1)})
    names = [headers[index] for index in kept]
    repeated = sorted({header for header in names if names.count(header) > 1})
    if repeated:
        raise ValidationError("表头「%(headers)s」出现了不止一次。", code="repeated_header",
                              params={"headers": "、".join(repeated)})
    for number, row in enumerate(rows[1:], start=2):
        values = [row[index] if index < len(row) else None for index in kept]
        if all(value is None for value in values):
            continue
        data.append([_cell(value) for value in values])
        excel_rows.append(number)
    dataset = tablib.Dataset(*data, headers=names)
    dataset.excel_rows = excel_rows
    return dataset


class GuardedXLSX(XLSX):
    """.xlsx read through the upload guard and python-calamine, written by excel.write_workbook
    with numbers kept and formula-like text neutralised."""

    def create_dataset(self, in_stream):
        return read_dataset(in_stream)

    def export_data(self, dataset, **kwargs):
        return write_workbook(dataset.headers or [], dataset)


# --- widgets: what a clerk types, read as the model stores it ------------------------------------

def whole_number(value):
    """A whole number from a cell (the reader gives every number as a float) or from digits
    typed as text; None when blank."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise ValueError("应填写整数。")
    if isinstance(value, float):
        if not value.is_integer():
            raise ValueError(f"应填写整数,「{value}」有小数。")
        return int(value)
    if isinstance(value, int):
        return value
    text = str(value).strip().replace(",", "")
    if not re.fullmatch(r"-?[0-9]+", text):
        raise ValueError(f"应填写整数,「{text[:20]}」不是整数。")
    return int(text)


def text_of(value):
    """Text from a cell, trimmed. A number cell is read as its digits when it is whole and exact
    (a code typed as a number); a longer number has lost digits and is refused."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 10**EXACT_DIGITS:
            return str(int(value))
        raise ValueError(TEXT_CELL)
    if isinstance(value, datetime.datetime | datetime.date):
        return value.strftime("%Y-%m-%d")
    return str(value).strip()


class TextWidget(widgets.CharWidget):
    def clean(self, value, row=None, **kwargs):
        return text_of(value)

    def render(self, value, obj=None, **kwargs):
        return "" if value is None else str(value)


class PhoneWidget(TextWidget):
    """A phone: a mobile typed as a number keeps its 11 digits; any other number has lost its
    leading 0 (a landline's area code) and is refused."""

    def clean(self, value, row=None, **kwargs):
        if isinstance(value, float | int) and not isinstance(value, bool):
            digits = text_of(value)
            if not re.fullmatch(r"1[0-9]{10}", digits):
                raise ValueError("请将联系电话列设置为“文本”格式后重新填写(数字格式会去掉区号前的0)。")
            return digits
        return text_of(value)


class WholeNumberWidget(widgets.IntegerWidget):
    def clean(self, value, row=None, **kwargs):
        return whole_number(value)

    def render(self, value, obj=None, **kwargs):
        return value


class ChoiceWidget(widgets.Widget):
    """A choice written as its Chinese label (its stored value is accepted too); exported as the
    label."""

    def __init__(self, choices, **kwargs):
        self.choices = choices
        super().__init__(**kwargs)

    def clean(self, value, row=None, **kwargs):
        text = text_of(value)
        if not text:
            return ""
        for stored, label in self.choices.choices:
            if text in (str(label), stored):
                return stored
        labels = "、".join(str(label) for label in self.choices.labels)
        raise ValueError(f"「{text[:30]}」不是可选的值,应为:{labels}。")

    def render(self, value, obj=None, **kwargs):
        return str(dict(self.choices.choices).get(value, value or ""))


class YesNoWidget(widgets.BooleanWidget):
    """是 or 否 (blank is 否); √/×, 1/0 and TRUE/FALSE cells are read too."""

    YES = {"是", "√", "✓", "1", "true", "y", "yes"}
    NO = {"", "否", "×", "✗", "0", "false", "n", "no"}

    def clean(self, value, row=None, **kwargs):
        if value is None:
            return False
        if isinstance(value, bool):
            return value
        text = text_of(value).lower()
        if text in self.YES:
            return True
        if text in self.NO:
            return False
        raise ValueError(f"应填写“是”或“否”,「{text[:20]}」无法识别。")

    def render(self, value, obj=None, **kwargs):
        return "是" if value else "否"


class ChineseDateWidget(widgets.DateWidget):
    """A date cell, or a date typed as text as every import reads one (imports.parse_date_text):
    2018-05-14, 2018/5/14, 2018.5.14, 2018年5月14日."""

    def clean(self, value, row=None, **kwargs):
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        if isinstance(value, datetime.datetime):
            return (timezone.localtime(value) if timezone.is_aware(value) else value).date()
        if isinstance(value, datetime.date):
            return value
        text = text_of(value).replace(" ", "")
        day = parse_date_text(text)
        if day is None:
            raise ValueError(f"日期「{text[:20]}」无法识别,请写成 2018-05-14 或 2018年5月14日。")
        return day

    def render(self, value, obj=None, **kwargs):
        return value


class NaturalKeyWidget(widgets.ForeignKeyWidget):
    """A related row named by its natural key (`field`): a year's number, a township's name, a
    credit code. `to_key` turns the cell into the stored key; `label` names the related table in
    the message when no row has that key. Rows found are remembered for the rest of the sheet
    (each resource works on its own copy of its widgets, so the memory lasts one import)."""

    def __init__(self, model, field, *, label, to_key=text_of, hint="", **kwargs):
        self.label = label
        self.to_key = to_key
        self.hint = hint
        self.found = {}
        super().__init__(model, field, **kwargs)

    def clean(self, value, row=None, **kwargs):
        key = self.to_key(value)
        if key is None or key == "":
            return None
        if key in self.found:
            return self.found[key]
        try:
            self.found[key] = self.get_queryset(value, row, **kwargs).get(**{self.field: key})
            return self.found[key]
        except ObjectDoesNotExist:
            raise ValueError(f"没有找到{self.label}「{str(key)[:40]}」{self.hint}。") from None
        except MultipleObjectsReturned:
            raise ValueError(f"{self.label}「{str(key)[:40]}」不止一个,无法确定是哪一个。") from None


# --- the resource every reference table uses -----------------------------------------------------

class ReferenceResource(resources.ModelResource):
    """Declared Chinese columns, a natural key in `import_id_fields`, full_clean() on every row,
    rows unchanged since the last export skipped (and reported as such)."""

    class Meta:
        clean_model_instances = True
        skip_unchanged = True
        report_skipped = True
        use_transactions = True

    @classmethod
    def extent(cls) -> Extent:
        """How far an uploaded sheet may reach: this table's columns (plus spare ones)."""
        return Extent(max_rows=MAX_REFERENCE_ROWS, max_columns=len(cls().fields) + SPARE_COLUMNS)

    def check_headers(self, headers):
        """Refuse a sheet whose header row lacks a key column or names a column this table does not
        have (a typo would otherwise leave that column out silently)."""
        known = [field.column_name for field in self.fields.values()]
        unknown = [header for header in headers if header not in known]
        if unknown:
            raise ValidationError(
                "表头「%(unknown)s」不是本表的列。本表的列为:%(known)s。请用“导出”得到的表格填写,不要改动表头。",
                code="unknown_header", params={"unknown": "、".join(unknown), "known": "、".join(known)})
        missing = [self.fields[name].column_name for name in self.get_import_id_fields()
                   if self.fields[name].column_name not in headers]
        if missing:
            raise ValidationError("表格缺少「%(missing)s」列:按这些列找到要更新的记录,不能缺少。", code="missing_key",
                                  params={"missing": "、".join(missing)})

    def get_instance(self, instance_loader, row):
        try:
            return super().get_instance(instance_loader, row)
        except ValueError:
            # A key that names nothing (an unknown township): the row is new, and import_instance
            # reports the cell under its column.
            return None

    def import_instance(self, instance, row, **kwargs):
        """Every cell is read before the row is judged, many-to-many ones included (import-export
        reads those only after saving, where a refusal would not name its column)."""
        errors = {}
        try:
            super().import_instance(instance, row, **kwargs)
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        for field in self.get_import_fields():
            if isinstance(field.widget, widgets.ManyToManyWidget) and field.column_name in row and not field.readonly:
                try:
                    field.clean(row)
                except ValueError as error:
                    errors[field.attribute] = [str(error)]
        if errors:
            raise ValidationError(errors)

    def validate_instance(self, instance, import_validation_errors=None, validate_unique=True):
        try:
            super().validate_instance(instance, import_validation_errors, validate_unique)
        except ValidationError as error:
            raise ValidationError(self._by_column(error.message_dict)) from None

    def _by_column(self, errors):
        """Errors keyed by the sheet's Chinese header instead of the model's attribute; a rule
        across columns (a constraint) under 整行."""
        columns = {field.attribute: field.column_name for field in self.fields.values() if field.attribute}
        named = {}
        for key, messages_ in errors.items():
            if key in columns:
                named.setdefault(columns[key], []).extend(messages_)
            elif key == NON_FIELD_ERRORS:
                named.setdefault(WHOLE_ROW, []).extend(messages_)
            else:
                label = str(self._meta.model._meta.get_field(key).verbose_name)
                named.setdefault(WHOLE_ROW, []).extend(f"{label}:{message}" for message in messages_)
        return named

    def after_import(self, dataset, result, **kwargs):
        """Rows numbered as Excel shows them (the header is row 1; blank rows count)."""
        excel_rows = getattr(dataset, "excel_rows", None)
        if excel_rows is None:
            return
        for row in [*result.invalid_rows, *result.error_rows]:
            if 0 < row.number <= len(excel_rows):
                row.number = excel_rows[row.number - 1]
        for row in result.error_rows:
            for error in row.errors:
                if getattr(error, "number", None) and 0 < error.number <= len(excel_rows):
                    error.number = excel_rows[error.number - 1]


# --- the admin side ------------------------------------------------------------------------------

class GuardedImportForm(ImportForm):
    """The import form, with the upload guard and the header check in front of any reader: a
    refused file never reaches the temporary storage or the preview."""

    def __init__(self, formats, resources, **kwargs):
        super().__init__(formats, resources, **kwargs)
        self.resource_classes = resources
        self.fields["import_file"].label = "Excel 文件"
        self.fields["import_file"].help_text = (
            f"只接受 .xlsx 文件(5MB以内,最多{MAX_REFERENCE_ROWS}行)。先点“导出”得到现有数据,在其中修改或添加行后上传:"
            "表头不要改动;已有的记录按表中的关键列找到并更新,其余行新增;任何一行有错,整个表格都不导入。")
        self.fields["format"].label = "格式"

    def clean(self):
        cleaned = super().clean()
        upload = cleaned.get("import_file")
        if upload is None or self.errors:
            return cleaned
        try:
            resource_class = self.resource_classes[int(cleaned.get("resource") or 0)]
        except (IndexError, ValueError):
            resource_class = self.resource_classes[0]
        try:
            extent = resource_class.extent()
            checked = guard_xlsx(upload, extent=extent)
            dataset = dataset_of(checked, max_rows=extent.max_rows)
            if not len(dataset):
                raise ValidationError("表格中没有数据行:请在表头下面填写。", code="no_rows")
            resource_class().check_headers(dataset.headers)
        except ValidationError as error:
            self.add_error("import_file", error)
            return cleaned
        cleaned["import_file"] = SimpleUploadedFile(checked.name, checked.content, content_type=XLSX_TYPE)
        return cleaned


class ReferenceExportForm(ExportForm):
    """The whole table, every column: what is exported can be imported again unchanged."""

    def __init__(self, formats, resources, **kwargs):
        super().__init__(formats, resources, **kwargs)
        self.fields["format"].label = "格式"


class ReferenceDataAdminMixin(ImportExportMixin):
    """Import (导入) and export (导出) buttons on a reference table's list, for HR staff who may add
    and change its rows (import) or view them (export). Put it before admin.ModelAdmin."""

    import_formats = [GuardedXLSX]
    export_formats = [GuardedXLSX]
    import_form_class = GuardedImportForm
    export_form_class = ReferenceExportForm
    import_error_display = ("message",)

    def has_import_permission(self, request):
        return self.has_add_permission(request) and self.has_change_permission(request)

    def has_export_permission(self, request):
        return self.has_view_permission(request)

    def get_import_data_kwargs(self, **kwargs):
        # The confirm step keeps nothing if any row fails (a row may have changed since the preview).
        return {**super().get_import_data_kwargs(**kwargs), "rollback_on_validation_errors": True}

    def import_action(self, request, **kwargs):
        """The upload and its preview. A file the guard refuses is answered 400 with the reason; a
        preview that cannot be confirmed drops the stored copy."""
        response = super().import_action(request, **kwargs)
        context = getattr(response, "context_data", None) or {}
        form = context.get("form")
        if request.method == "POST" and form is not None and form.errors:
            response.status_code = 400
        result = context.get("result")
        if result is not None and "confirm_form" not in context:
            stored = getattr(form.cleaned_data.get("import_file"), "tmp_storage_name", None)
            if stored:
                self.get_tmp_storage_class()(name=stored, **self.get_tmp_storage_class_kwargs()).remove()
        return response

    def process_import(self, request, **kwargs):
        try:
            return super().process_import(request, **kwargs)
        except FileNotFoundError:
            messages.error(request, "该表格已经导入,或预览已过期:请重新上传。")
        except ValidationError as error:
            messages.error(request, ";".join(error.messages))
        return HttpResponseRedirect(self._import_url())

    def process_result(self, result, request):
        if result.has_errors() or result.has_validation_errors():
            problems = [f"第{row.number}行 {column}:{''.join(reasons)}" for row in result.invalid_rows
                        for column, reasons in row.error_dict.items()]
            problems += [f"第{number}行:{error.error}" for number, errors in result.row_errors() for error in errors]
            problems += [str(error.error) for error in result.base_errors]
            messages.error(request, f"表格中有错误,全部未导入:{';'.join(problems[:10])}")
            return HttpResponseRedirect(self._import_url())
        return super().process_result(result, request)

    def generate_log_entries(self, result, request):
        """The admin's history of each row written says, in Chinese, that a sheet wrote it."""
        for import_type, flag, message in ((RowResult.IMPORT_TYPE_NEW, ADDITION, "表格导入新增"),
                                           (RowResult.IMPORT_TYPE_UPDATE, CHANGE, "表格导入修改")):
            instances = [row.instance for row in result if row.import_type == import_type and row.instance]
            if instances:
                LogEntry.objects.log_actions(request.user.pk, instances, flag, change_message=message,
                                             single_object=len(instances) == 1)

    def add_data_read_fail_error_to_form(self, form, e):
        form.add_error("import_file", "无法读取该表格:请用“导出”得到的 .xlsx 表格填写后上传。")

    def get_export_filename(self, request, queryset, file_format):
        return f"{self.opts.verbose_name}-{timezone.localdate():%Y%m%d}.{file_format.get_extension()}"

    def _do_file_export(self, file_format, request, queryset, export_form=None):
        response = super()._do_file_export(file_format, request, queryset, export_form=export_form)
        filename = self.get_export_filename(request, queryset, file_format)
        response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
        return response

    def _import_url(self):
        return reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_import", current_app=self.admin_site.name)
