"""The upload -> preview -> confirm pages every import uses (portals and admin alike)."""

import time
from urllib.parse import quote

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone

from common.models import ImportBatch
from common.uploads import CheckedUpload, guard_xlsx

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
        try:
            plan = importer.plan(checked)
        except ValidationError as error:
            return render(request, "imports/upload.html", {**context, "refusal": error.messages[0]}, status=400)
        if plan.is_clean:
            try:
                # The rows and the batch's "imported" mark commit together: a crash between them
                # cannot leave a written sheet that still offers itself for confirmation.
                with transaction.atomic():
                    locked = ImportBatch.objects.select_for_update().filter(pk=batch.pk,
                                                                            imported_at__isnull=True).first()
                    if locked is None:
                        raise ValidationError("该表格已经导入,不能重复导入:请在列表中查看导入结果。",
                                              code="already_imported")
                    written = importer.write(plan)
                    locked.imported_at = timezone.now()
                    locked.summary = f"导入{written}行,跳过{len(plan.skipped)}行"
                    locked.save(update_fields=["imported_at", "summary"])
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
