"""Claims in the institution portal, vouchers in the township portal, notices on the public page."""

from decimal import Decimal

import cn2an
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from accounts.decorators import role_required
from accounts.models import Role
from common.excel import wants_xlsx, workbook_response
from courses.selectors import classes_visible_to
from subsidies import services
from subsidies.models import ClaimLine, Instalment
from subsidies.selectors import claims_visible_to
from trainees.policy import mask_id_number


def amount_in_words(amount: Decimal) -> str:
    """大写金额 for a claim total: 壹仟贰佰元整."""
    return cn2an.an2cn(f"{amount:.2f}", "rmb")


@role_required(Role.INSTITUTION)
def class_claims(request, pk):
    """A completed class's claims and, for each instalment, who would be paid and who is left
    out with the reason; the clerk generates a claim from here."""
    training_class = get_object_or_404(
        classes_visible_to(request.user).select_related("policy_year", "occupation", "institution"), pk=pk)
    today = timezone.localdate()
    if request.method == "POST":
        instalment = request.POST.get("instalment")
        if instalment in Instalment.values:
            try:
                claim, _ = services.generate_claim(training_class, by=request.user, instalment=instalment, today=today)
            except ValidationError as error:
                for message in error.messages:
                    messages.error(request, message)
            else:
                messages.success(request, f"已生成{claim.get_instalment_display()}申领草稿,请核对后提交。")
                return redirect("subsidies:claim-detail", pk=claim.pk)
        return redirect("subsidies:class-claims", pk=pk)
    if wants_xlsx(request):
        claims = training_class.claims.order_by("-created_at")
        return workbook_response(f"补贴申领-{training_class.code}.xlsx", f"{training_class.code} 补贴申领",
                                 ["批次", "状态", "申领金额(元)", "生成时间", "提交时间", "审批时间", "拨付时间", "拨付凭证号"],
                                 [[c.get_instalment_display(), c.get_status_display(), c.total_amount, c.created_at,
                                   c.submitted_at, c.approved_at, c.paid_at, c.payment_reference] for c in claims],
                                 money_columns={3})
    previews = []
    if training_class.status == "completed":
        previews = [services.preview_first_claim(training_class, today=today),
                    services.preview_second_claim(training_class, today=today)]
    return render(request, "subsidies/class_claims.html", {
        "training_class": training_class, "previews": previews, "p": training_class.params(),
        "claims": training_class.claims.order_by("-created_at"),
    })


def _claim(request, pk):
    return get_object_or_404(
        claims_visible_to(request.user).select_related("training_class__occupation", "institution"), pk=pk)


def _lines(claim):
    return claim.lines.select_related("enrolment__trainee", "certificate", "employment", "voucher").order_by("pk")


# A refusal because the thing was already done (a double-click, a second tab) is a conflict.
ALREADY_DONE = {"line_already_removed", "voucher_already_issued"}


def refusal_status(error):
    codes = {e.code for e in error.error_list} if not hasattr(error, "error_dict") else {
        e.code for errors in error.error_dict.values() for e in errors}
    return 409 if codes & ALREADY_DONE else 400


def _claim_page(request, claim, *, status=200):
    return render(request, "subsidies/claim_detail.html", {
        "claim": claim, "lines": _lines(claim), "words": amount_in_words(claim.total_amount),
    }, status=status)


@role_required(Role.INSTITUTION)
def claim_detail(request, pk):
    return _claim_page(request, _claim(request, pk))


@require_POST
@role_required(Role.INSTITUTION)
def claim_submit(request, pk):
    claim = _claim(request, pk)
    try:
        submitted = services.submit_claim(claim, by=request.user, today=timezone.localdate())
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        for line in submitted.dropped:
            messages.warning(request, f"{line.enrolment.trainee.name}已从申领中剔除——{line.void_reason}")
        messages.success(request, "申领已提交县人社局审核。")
    return redirect("subsidies:claim-detail", pk=pk)


@require_POST
@role_required(Role.INSTITUTION)
def line_remove(request, pk):
    """Take a trainee off the institution's own draft claim, with the reason."""
    line = get_object_or_404(ClaimLine.objects.filter(claim__in=claims_visible_to(request.user)), pk=pk)
    try:
        services.remove_line(line, by=request.user, reason=request.POST.get("reason", ""))
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        return _claim_page(request, _claim(request, line.claim_id), status=refusal_status(error))
    messages.success(request, "已从申领中移除该学员。")
    return redirect("subsidies:claim-detail", pk=line.claim_id)


@role_required(Role.INSTITUTION)
def claim_print(request, pk):
    """The claim on A4: every line with the masked ID number, totals in figures and 大写."""
    claim = _claim(request, pk)
    lines = list(_lines(claim))
    live = [line for line in lines if not line.is_void]
    return render(request, "subsidies/claim_print.html", {
        "claim": claim, "lines": lines, "words": amount_in_words(claim.total_amount),
        "subsidy_total": sum((line.amount for line in live), Decimal("0.00")),
        "reward_total": sum((line.placement_reward_amount for line in live), Decimal("0.00")),
    })


@role_required(Role.INSTITUTION)
def claim_export(request, pk):
    claim = _claim(request, pk)
    rows = [
        [i, line.enrolment.trainee.name, mask_id_number(line.enrolment.trainee.id_number), line.training_days,
         line.total_subsidy_amount, line.amount, line.placement_reward_amount, line.reason,
         "已剔除:" + line.void_reason if line.is_void else ""]
        for i, line in enumerate(_lines(claim), 1)
    ]
    headers = ["序号", "姓名", "身份证号", "培训天数", "培训补贴总额(元)", "本次申领(元)", "就业奖励(元)", "拨付依据", "备注"]
    title = f"{claim.training_class.code} {claim.get_instalment_display()}补贴申领"
    return workbook_response(f"补贴申领-{claim.training_class.code}-{claim.pk}.xlsx", title, headers, rows,
                             money_columns={5, 6, 7})
