"""The upload -> preview -> confirm pages every import uses (portals and admin alike).

A confirmation of more than settings.IMPORT_BACKGROUND_ROWS data rows runs as a background job
(`confirm_import`, common/jobs.py): the same plan and the same write, all or nothing, with the
page showing its progress and then its outcome. Smaller sheets are written at once."""

import time
from urllib.parse import quote

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.module_loading import import_string
from django_tasks import task

from common.excel import write_workbook
from common.imports import SheetImport
from common.jobs import Outcome, run_job, start_job, waiting_job
from common.models import BackgroundJob, ImportBatch
from common.uploads import CheckedUpload, guard_xlsx, read_rows

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def template_response(importer, filename):
    response = HttpResponse(importer.template(), content_type=XLSX)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response


def handle_import(request, importer, *, kind, target="", title, back_url, base_template="base.html",
                  extra_context=None):
    """GET: the upload page. POST with a file: guard, plan, preview (400 when the file itself is
    refused). POST with `batch`: plan the stored file again and write it, all or nothing."""
    context = {**(extra_context or {}), "title": title, "back_url": back_url, "base_template": base_template,
               "columns": importer.columns}
    if request.method == "POST" and request.POST.get("batch"):
        batch = get_object_or_404(ImportBatch, pk=request.POST["batch"], uploaded_by=request.user, kind=kind,
                                  target=target, imported_at__isnull=True)
        with batch.file.open("rb") as stored:
            checked = CheckedUpload(name=batch.original_name, content=stored.read())
        rows = data_rows(checked, importer)
        if rows > settings.IMPORT_BACKGROUND_ROWS:
            job = _confirmation_job(request, importer, batch, title=title, rows=rows, back_url=back_url,
                                    is_hr_job=base_template.startswith("admin/"))
            return redirect("jobs:detail", pk=job.pk)
        try:
            plan = importer.plan(checked)
        except ValidationError as error:
            return render(request, "imports/upload.html", {**context, "refusal": error.messages[0]}, status=400)
        if plan.is_clean:
            try:
                locked = write_batch(importer, plan, batch)
            except ValidationError as error:
                messages.error(request, ";".join(error.messages))
            else:
                messages.success(request, f"导入完成:{locked.summary}。")
                return redirect(back_url)
        # Not written: the sheet's refusals (or the write's) are listed again, answered 400.
        return render(request, "imports/preview.html", _preview_context(context, importer, plan, batch), status=400)
    if request.method == "POST":
        upload = request.FILES.get("file")
        if upload is None:
            messages.error(request, "请选择要上传的 .xlsx 文件。")
            return render(request, "imports/upload.html", context, status=400)
        started = time.perf_counter()
        try:
            checked = guard_xlsx(upload, extent=importer.extent())
            plan = importer.plan(checked)
        except ValidationError as error:
            # Refused by the guard, or by the reader on a part the guard could not judge:
            # nothing is stored.
            return render(request, "imports/upload.html", {**context, "refusal": error.messages[0]}, status=400)
        batch = ImportBatch(kind=kind, original_name=upload.name[:200], uploaded_by=request.user, target=target)
        batch.file.save(f"{kind}.xlsx", ContentFile(checked.content), save=False)
        batch.save()
        return render(request, "imports/preview.html", {
            **_preview_context(context, importer, plan, batch), "elapsed": time.perf_counter() - started,
        }, status=200 if plan.total_rows or plan.is_clean else 400)
    return render(request, "imports/upload.html", context)


def _preview_context(context, importer, plan, batch):
    """The preview: every problem, and — for a clean sheet — the first rows that will be written
    (masked as the screens mask them) and whether there is anything to write at all."""
    headers, rows = importer.preview(plan) if plan.is_clean else ([], [])
    return {**context, "plan": plan, "batch": batch, "preview_headers": headers, "preview_rows": rows,
            "may_confirm": plan.is_clean and plan.row_count > 0}


def write_batch(importer, plan, batch) -> ImportBatch:
    """Write a clean plan and mark its batch imported, in one transaction: a crash between them
    cannot leave a written sheet that still offers itself for confirmation, and a batch confirmed
    twice (two tabs, a job and a click) is written once."""
    with transaction.atomic():
        locked = ImportBatch.objects.select_for_update().filter(pk=batch.pk, imported_at__isnull=True).first()
        if locked is None:
            raise ValidationError("该表格已经导入,不能重复导入:请在列表中查看导入结果。", code="already_imported")
        written = importer.write(plan)
        locked.imported_at = timezone.now()
        locked.summary = f"导入{written}行,跳过{len(plan.skipped)}行"
        locked.save(update_fields=["imported_at", "summary"])
    return locked


def data_rows(checked: CheckedUpload, importer) -> int:
    """How many rows below the headers the sheet has (blank rows included): whether its
    confirmation runs in the background. Reading is quick (python-calamine, about 0.1 s for
    10,000 rows); checking the rows is what takes time."""
    return max(0, len(read_rows(checked)) - importer.header_row)


def _confirmation_job(request, importer, batch, *, title, rows, back_url, is_hr_job) -> BackgroundJob:
    """The batch's confirmation as a background job (one per batch: a second click while it is
    queued or running finds the first)."""
    waiting = waiting_job("import", batch=batch.pk)
    if waiting is not None:
        return waiting
    importer_class = type(importer)
    return start_job(confirm_import, user=request.user, kind="import", title=f"{title}({rows}行)",
                     back_url=back_url, is_hr_job=is_hr_job,
                     params={"batch": batch.pk, "importer": f"{importer_class.__module__}.{importer_class.__qualname__}"})


@task()
def confirm_import(job_id: int) -> str:
    """The confirmation of a large sheet, in the worker: the importer rebuilt for its uploader
    (`SheetImport.for_upload`), the stored file planned again, and every row written in one
    transaction, or none."""
    return run_job(job_id, _confirm)


def _confirm(job, progress) -> Outcome:
    importer_class = import_string(job.params["importer"])
    if not (isinstance(importer_class, type) and issubclass(importer_class, SheetImport)):
        raise TypeError(f"not an importer: {job.params['importer']}")
    batch = ImportBatch.objects.filter(pk=job.params["batch"], uploaded_by=job.started_by).first()
    if batch is None or batch.imported_at is not None:
        raise ValidationError("该表格已经导入,不能重复导入:请在列表中查看导入结果。", code="already_imported")
    importer = importer_class.for_upload(user=job.started_by, target=batch.target)
    importer.progress = progress
    with batch.file.open("rb") as stored:
        checked = CheckedUpload(name=batch.original_name, content=stored.read())
    plan = importer.plan(checked)
    if not plan.is_clean:
        return Outcome(
            message=f"表格有{len(plan.errors)}处错误(确认时重新检查发现),本次未写入任何数据:请下载错误清单,"
                    "按清单修改原文件后重新上传。",
            content=errors_workbook(plan), filename=f"导入错误清单-{batch.original_name.removesuffix('.xlsx')}.xlsx",
            failed=True)
    locked = write_batch(importer, plan, batch)
    progress.update(plan.total_rows, plan.total_rows, stage="已写入")
    return Outcome(message=f"导入完成:{locked.summary}。")


def errors_workbook(plan) -> bytes:
    """Every problem of a sheet, as the preview lists them (values masked as there)."""
    return write_workbook(["行号", "原因", "列", "内容"], [
        [f"第{e.row}行" if e.row > 1 else "表头", e.reason, e.column, e.value] for e in plan.errors],
        title="导入错误清单")
