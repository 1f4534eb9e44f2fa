"""Subsidy claims, public notice, vouchers and small/micro enterprise subsidies.

Every service is atomic and locks what it counts: a claim is generated under the class row's
lock, moved under the claim row's lock; the partial unique constraint on (enrolment, instalment)
is the last word, so no trainee's instalment is ever claimed twice.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Q, Sum
from django.utils import timezone

from accounts.scope import require_hr, scope_of
from certification.models import Certificate, EmploymentRecord
from common.numbers import rate_text
from courses import policy as course_policy
from courses.models import ClassStatus, TrainingClass, Voucher
from courses.selectors import AttendanceSheet, prior_trainings
from courses.services import close_class_checked
from institutions.models import Flag
from programme.calendar import workday_calendar
from subsidies import policy
from subsidies.enterprise_size import SizeClassification
from subsidies.models import (
    ClaimLine,
    ClaimObjection,
    ClaimStatus,
    EnterpriseSubsidyStatus,
    Instalment,
    SmallEnterpriseSubsidy,
    SubsidyClaim,
)

if TYPE_CHECKING:
    from django.contrib.auth.models import User

    from courses.models import Enrolment
    from institutions.models import Inspection

# Attributes set on model instances outside their declared fields (the checker cannot see them):
# `_change_reason`, read by simple_history for the next historical row, and `claim.dropped`, the
# lines a re-check took off, shown by the views after a step.

LABELS = dict(ClaimStatus.choices)
OPEN_CLAIM = [ClaimStatus.DRAFT, ClaimStatus.SUBMITTED, ClaimStatus.REVIEWED]


def _percent(share: Decimal | None) -> str:
    return rate_text(share)


def delivered_days(training_class: TrainingClass) -> int:
    """R6 《实施方案》四(二): the training days delivered, i.e. the dates with sessions inside the
    class's approved dates (the same d for every trainee who met R3, SPEC.md §4). A session dated
    outside them adds no paid day, however it came to be recorded."""
    tc = training_class
    return (tc.sessions.filter(held_on__gte=tc.planned_start_on, held_on__lte=tc.planned_end_on)
            .values("held_on").distinct().count())


@dataclass
class ClaimPreview:
    """The lines a claim would carry and every trainee left out, with the reason."""

    training_class: TrainingClass
    instalment: str
    days: int = 0
    lines: list[ClaimLine] = field(default_factory=list)
    excluded: list[tuple[Enrolment, policy.LineDecision]] = field(default_factory=list)
    held: dict[int, Flag] = field(default_factory=dict)  # enrolment id -> the open Flag holding its payment

    @property
    def total(self) -> Decimal:
        return sum((line.amount + line.placement_reward_amount for line in self.lines), Decimal("0.00"))


def _open_flags(training_class: TrainingClass, trainee_ids: list[int]) -> tuple[Flag | None, dict[int, Flag]]:
    """The open supervision flags about this class and about these trainees (三(七)): the first one
    about the class as a whole (no trainee named), and each trainee's first one, oldest first. A flag
    naming a trainee in this class holds that trainee only, never the class."""
    flags = (Flag.objects.filter(resolved_at__isnull=True)
             .filter(Q(training_class=training_class) | Q(trainee_id__in=trainee_ids)).order_by("detected_at", "pk"))
    on_class: Flag | None = None
    on_trainee: dict[int, Flag] = {}
    for flag in flags:
        if flag.trainee_id is None and flag.training_class_id == training_class.pk and on_class is None:
            on_class = flag
        if flag.trainee_id is not None:
            on_trainee.setdefault(flag.trainee_id, flag)
    return on_class, on_trainee


def _hold(preview: ClaimPreview, enrolment: Enrolment, flag: Flag | None) -> bool:
    """Hold the trainee's payment while `flag` is open (三(七)); True if held."""
    if flag is None:
        return False
    preview.held[enrolment.pk] = flag
    preview.excluded.append((enrolment, policy.held_by_flag_decision(number=flag.pk, kind=flag.get_kind_display())))
    return True


APPROVED_OR_LATER = [ClaimStatus.APPROVED, ClaimStatus.PUBLICISED, ClaimStatus.PAYABLE, ClaimStatus.PAID]
ALREADY_CLAIMED = policy.LineDecision(False, "already_claimed", "已在本班其他申领中,不能重复申领")
OBJECTED = policy.LineDecision(False, "objection_upheld", "公示期间异议成立,已剔除,不能再申领(《实施方案》五(三))")


def _claimed(training_class: TrainingClass, instalment: str, *,
             own_claim: SubsidyClaim | None = None) -> tuple[set[int], set[int]]:
    """Enrolments whose instalment is on a live line (of another claim than `own_claim`, the one
    being checked again), and those removed by an upheld objection (which may not come back on a
    later claim)."""
    live = ClaimLine.objects.filter(enrolment__training_class=training_class, instalment=instalment, is_void=False)
    if own_claim is not None:
        live = live.exclude(claim=own_claim)
    claimed = set(live.values_list("enrolment_id", flat=True))
    objected = set(ClaimLine.objects.filter(enrolment__training_class=training_class, instalment=instalment,
                                            objections__is_upheld=True).values_list("enrolment_id", flat=True))
    return claimed, objected


def preview_first_claim(training_class: TrainingClass, *, today: date, own_claim: SubsidyClaim | None = None,
                        deadline_met: bool = False, claimed_on: date | None = None) -> ClaimPreview:
    """Who the first-instalment claim pays (80 %) and who is left out, and why (R3, R6, R7, R12,
    R13, R16, R18, and open supervision flags, 三(七)). `own_claim` is the claim being checked
    again: its own lines are not "already claimed"."""
    tc = training_class
    p = tc.params()
    preview = ClaimPreview(training_class=tc, instalment=Instalment.FIRST, days=delivered_days(tc))
    total = policy.training_subsidy(days=preview.days, p=p)
    first, second = policy.split_instalments(total, p=p)
    enrolments = list(tc.enrolments.select_related("trainee").order_by("pk"))
    certificates = {c.enrolment_id: c for c in Certificate.objects.filter(enrolment__training_class=tc)}
    vouchers = {v.enrolment_id: v for v in Voucher.objects.filter(enrolment__training_class=tc)}
    claimed, objected = _claimed(tc, Instalment.FIRST, own_claim=own_claim)
    start_on = tc.started_on or tc.planned_start_on
    trainee_ids = [e.trainee_id for e in enrolments]
    others = prior_trainings(trainee_ids, exclude_class_id=tc.pk, claim_for=(start_on, tc.pk))
    on_class, on_trainee = _open_flags(tc, trainee_ids)
    rank = course_policy.level_rank(tc.level)
    for enrolment in enrolments:
        if enrolment.pk in objected:
            preview.excluded.append((enrolment, OBJECTED))
            continue
        if enrolment.pk in claimed:
            preview.excluded.append((enrolment, ALREADY_CLAIMED))
            continue
        certificate = certificates.get(enrolment.pk)
        decision = policy.first_instalment_decision(
            is_withdrawn=enrolment.is_withdrawn, meets_attendance=enrolment.meets_attendance,
            attendance_rate=enrolment.attendance_rate,
            certificate_issued_on=certificate.issued_on if certificate else None, category=enrolment.category,
            today=today, p=p, class_start_on=start_on, deadline_met=deadline_met, claimed_on=claimed_on,
            r16_refusals=course_policy.r16_refusals(
                start_on=start_on, end_on=tc.end_on, year=tc.policy_year_id, occupation_key=tc.occupation.key,
                level_rank=rank, others=others.get(enrolment.trainee_id, []), p=p),
        )
        if decision.payable and _hold(preview, enrolment, on_trainee.get(enrolment.trainee_id) or on_class):
            continue
        if not decision.payable:
            preview.excluded.append((enrolment, decision))
            continue
        assert certificate is not None  # a payable first instalment has its certificate
        preview.lines.append(ClaimLine(
            enrolment=enrolment, instalment=Instalment.FIRST, training_days=preview.days,
            total_subsidy_amount=total, first_amount=first, second_amount=second, amount=first,
            certificate=certificate, voucher=vouchers.get(enrolment.pk),
            reason=f"取得{certificate.get_kind_display()}(编号{certificate.number}),"
                   f"到课率{_percent(enrolment.attendance_rate)},培训{preview.days}天",
        ))
    return preview


def preview_second_claim(training_class: TrainingClass, *, today: date, own_claim: SubsidyClaim | None = None,
                         deadline_met: bool = False, claimed_on: date | None = None,
                         first_paid: bool = False) -> ClaimPreview:
    """Who the second-instalment claim pays (20 % and the job-placement reward, R7, R8): those
    with an approved first-instalment line and employment inside the 3-month window that has
    started and is verified as R23 asks; a trainee or class with an open flag is held (三(七))."""
    tc = training_class
    p = tc.params()
    preview = ClaimPreview(training_class=tc, instalment=Instalment.SECOND, days=delivered_days(tc))
    # The second instalment follows a first one that HR has approved (or paid), never a draft; it is
    # made payable and paid only once the first is payable or paid (`first_paid`): an objection
    # upheld or a re-check failed on the first line never leaves the 20 % paid without the 80 %.
    first_statuses = [ClaimStatus.PAYABLE, ClaimStatus.PAID] if first_paid else APPROVED_OR_LATER
    firsts = {
        line.enrolment_id: line
        for line in ClaimLine.objects.filter(enrolment__training_class=tc, instalment=Instalment.FIRST, is_void=False,
                                             claim__status__in=first_statuses).select_related("certificate")
    }
    claimed, objected = _claimed(tc, Instalment.SECOND, own_claim=own_claim)
    jobs: dict[int | None, EmploymentRecord] = {}
    for record in EmploymentRecord.objects.filter(enrolment__training_class=tc).order_by(
            F("verified_at").desc(nulls_last=True), "started_on"):
        jobs.setdefault(record.enrolment_id, record)
    enrolments = list(tc.enrolments.select_related("trainee").order_by("pk"))
    on_class, on_trainee = _open_flags(tc, [e.trainee_id for e in enrolments])
    for enrolment in enrolments:
        if enrolment.pk in objected:
            preview.excluded.append((enrolment, OBJECTED))
            continue
        if enrolment.pk in claimed:
            preview.excluded.append((enrolment, ALREADY_CLAIMED))
            continue
        first_line, job = firsts.get(enrolment.pk), jobs.get(enrolment.pk)
        decision = policy.second_instalment_decision(
            has_first_line=first_line is not None, employed_on=job.started_on if job else None,
            is_verified=bool(job and job.verified_at), class_start_on=tc.started_on or tc.planned_start_on,
            class_end_on=tc.end_on,
            certificate_issued_on=first_line.certificate.issued_on if first_line and first_line.certificate else None,
            today=today, p=p, is_withdrawn=enrolment.is_withdrawn,
            scrutiny=job.needs_scrutiny if job else "",
            has_verification_note=bool(job and job.is_verified_for_payment), deadline_met=deadline_met,
            claimed_on=claimed_on,
        )
        if decision.payable and _hold(preview, enrolment, on_trainee.get(enrolment.trainee_id) or on_class):
            continue
        if not decision.payable:
            preview.excluded.append((enrolment, decision))
            continue
        assert first_line is not None and job is not None  # a payable second instalment has both
        preview.lines.append(ClaimLine(
            enrolment=enrolment, instalment=Instalment.SECOND, training_days=first_line.training_days,
            total_subsidy_amount=first_line.total_subsidy_amount, first_amount=first_line.first_amount,
            second_amount=first_line.second_amount, amount=first_line.second_amount,
            placement_reward_amount=p.placement_reward_amount, certificate=first_line.certificate,
            employment=job, voucher=first_line.voucher,
            reason=f"结业后{p.employment_window_months}个月内就业({job.employer_name},{job.started_on:%Y年%m月%d日}起,已核实)",
        ))
    return preview


def _undecided_employment(preview: ClaimPreview) -> int:
    """Trainees with a first instalment whose employment inside the window is not yet settled:
    not recorded, not verified (or not with the note R23 asks for), not begun, or held by a flag."""
    open_codes = {"not_employed", "employment_not_verified", "employment_needs_note", "employment_not_started",
                  "held_by_flag"}
    return sum(1 for _, decision in preview.excluded if decision.code in open_codes)


@transaction.atomic
def generate_claim(training_class: TrainingClass, *, by: User, instalment: str,
                   today: date) -> tuple[SubsidyClaim, ClaimPreview]:
    """Generate a draft claim for a completed class: the first instalment for every certified
    trainee who met attendance, or the second once the employment window closed or every
    trainee's employment is decided. Returns (claim, preview) — the preview lists who was left
    out and why."""
    tc = TrainingClass.objects.select_for_update(of=("self",)).select_related(
        "policy_year", "occupation", "institution").get(pk=training_class.pk)
    if tc.status != ClassStatus.COMPLETED:
        raise ValidationError("只有已结业的培训班可以申领补贴(当前为「%(status)s」):请在培训班办理结业后再申领。",
                              code="class_not_completed",
                              params={"status": tc.get_status_display()})
    if SubsidyClaim.objects.filter(training_class=tc, instalment=instalment, status=ClaimStatus.DRAFT).exists():
        raise ValidationError("本班该批次已有草稿申领,请直接修改或提交该申领。", code="draft_exists")
    if instalment == Instalment.FIRST:
        preview = preview_first_claim(tc, today=today)
    else:
        preview = preview_second_claim(tc, today=today)
        policy.ensure_second_claim_due(
            window_ends_on=policy.employment_window_ends_on(tc.end_on, p=tc.params()), today=today,
            undecided=_undecided_employment(preview),
        )
    if not preview.lines:
        raise ValidationError("本班没有符合条件的学员可以申领该批次补贴:请查看本页「未纳入的学员」及原因。",
                              code="nothing_to_claim")
    claim = SubsidyClaim(institution=tc.institution, training_class=tc, instalment=instalment, created_by=by,
                         total_amount=preview.total)
    claim.full_clean()
    claim.save()
    for line in preview.lines:
        line.claim = claim
        line.full_clean(exclude=["claim", "enrolment", "certificate", "employment", "voucher"],
                        validate_constraints=False)
    try:
        with transaction.atomic():
            ClaimLine.objects.bulk_create(preview.lines)
    except IntegrityError:
        raise ValidationError("本班学员的该批次补贴已在其他申领中,不能重复申领。", code="already_claimed") from None
    return claim, preview


def _lock(claim: SubsidyClaim) -> SubsidyClaim:
    return (SubsidyClaim.objects.select_for_update(of=("self",))
            .select_related("training_class__policy_year", "institution").get(pk=claim.pk))


def _move(claim: SubsidyClaim, target: str, **fields: object) -> SubsidyClaim:
    policy.ensure_claim_transition(claim.status, target, labels=LABELS)
    claim.status = target
    for name, value in fields.items():
        setattr(claim, name, value)
    claim._change_reason = LABELS[target]  # type: ignore[attr-defined]
    claim.full_clean()
    claim.save()
    return claim


def _void_line(line: ClaimLine, claim: SubsidyClaim, reason: str, *, change_reason: str,
               held_by: Flag | None = None, recompute: bool = True) -> None:
    """Take a line off its claim (kept, marked void with the reason, and the open flag holding it if
    any) and, unless told otherwise (a batch recomputes once), recompute the claim's total."""
    line.is_void, line.void_reason, line.held_by = True, reason[:300], held_by
    line._change_reason = change_reason  # type: ignore[attr-defined]
    # The related rows were read under lock; only the line's own fields change.
    line.full_clean(exclude=["claim", "enrolment", "certificate", "employment", "voucher", "held_by"],
                    validate_constraints=False)
    line.save()
    if recompute:
        _recompute_total(claim)
        claim.save(update_fields=["total_amount"])


# Every line is checked again, with the figures of the moment, before a claim moves on (三(七)
# 杜绝弄虚作假: nothing is paid that a check would now refuse).
RECHECK_STEPS = {"submit": "提交时复核", "review": "初审时复核", "approve": "审批时复核", "payable": "公示期满复核",
                 "pay": "拨付前复核"}


def recheck_findings(claim: SubsidyClaim, *, today: date, step: str) -> list[tuple[ClaimLine, str, Flag | None]]:
    """What checking the claim's live lines again would take off now, without writing:
    (line, reason, the open flag holding it or None) for each line that would go. The lines are
    checked as a new claim would be: R3, R6, R7, R12, R13, R16 (by dates and certificates), R18
    (at submission only: it is judged on the day of the claim), R23, withdrawal and open flags
    (三(七) 杜绝弄虚作假: nothing is paid that a check would now refuse)."""
    label = RECHECK_STEPS[step]
    tc = claim.training_class
    preview_of = preview_first_claim if claim.instalment == Instalment.FIRST else preview_second_claim
    options = {"first_paid": step in ("payable", "pay")} if claim.instalment == Instalment.SECOND else {}
    # R18 is judged on the day of the claim: its first submission (a claim HR returned keeps that
    # day), so later steps and a resubmission do not move the deadline.
    claimed_on = claim.first_submitted_on
    preview = preview_of(tc, today=today, own_claim=claim, deadline_met=step != "submit", claimed_on=claimed_on,
                         **options)
    fresh = {line.enrolment_id: line for line in preview.lines}
    refused = {enrolment.pk: decision for enrolment, decision in preview.excluded}
    found: list[tuple[ClaimLine, str, Flag | None]] = []
    for line in claim.lines.filter(is_void=False).select_related("enrolment__trainee").order_by("pk"):
        again = fresh.get(line.enrolment_id)
        if again is not None and (again.amount, again.placement_reward_amount, again.training_days) == (
                line.amount, line.placement_reward_amount, line.training_days):
            continue
        if again is not None:
            reason = (f"复核金额为{again.amount + again.placement_reward_amount}元(培训{again.training_days}天),"
                      f"与本行{line.amount + line.placement_reward_amount}元不一致(《实施方案》四(二)):请重新生成申领")
        else:
            reason = refused.get(line.enrolment_id, ALREADY_CLAIMED).reason
        found.append((line, f"{label}:{reason}", preview.held.get(line.enrolment_id)))
    return found


def _recheck(claim: SubsidyClaim, *, today: date, step: str) -> list[ClaimLine]:
    """Check every live line of the locked claim again (`recheck_findings`) and take off those that
    fail, with the step and the reason (a line held by an open flag names it, and may come back on
    a later claim once HR has resolved the flag); the claim goes on without them. Returns the lines
    taken off; refuses, writing nothing, when none would remain."""
    live = list(claim.lines.select_for_update().filter(is_void=False).values_list("pk", flat=True))
    if not live:
        raise ValidationError("本申领已没有学员(均已剔除或移除),无可拨付:请不予拨付;如有学员符合条件,请重新生成申领。",
                              code="nothing_payable_after_recheck")
    found = recheck_findings(claim, today=today, step=step)
    if found and len(found) == len(live):
        raise ValidationError(
            "%(step)s,本申领的学员均已不符合拨付条件(%(first)s等%(count)d人):请不予拨付,或待问题处理后重新申领。",
            code="nothing_payable_after_recheck",
            params={"step": RECHECK_STEPS[step], "first": f"{found[0][0].enrolment.trainee.name}:{found[0][1]}",
                    "count": len(found)})
    for line, reason, flag in found:
        _void_line(line, claim, reason, change_reason=RECHECK_STEPS[step], held_by=flag, recompute=False)
    if found:
        _recompute_total(claim)
        claim.save(update_fields=["total_amount"])
    return [line for line, _, _ in found]


def _recompute_total(claim: SubsidyClaim) -> None:
    totals = claim.lines.filter(is_void=False).aggregate(amount=Sum("amount"), reward=Sum("placement_reward_amount"))
    claim.total_amount = (totals["amount"] or Decimal(0)) + (totals["reward"] or Decimal(0))


def _ensure_hr(user: User, *, county_id: int | None) -> None:
    """County HR of the business's own county (or of the whole deployment) decide on money."""
    require_hr(user, action="审核、审批和拨付补贴", county_id=county_id)


@transaction.atomic
def submit_claim(claim: SubsidyClaim, *, by: User, today: date) -> SubsidyClaim:
    """The institution submits its draft claim to county HR; every line is checked again first
    (`_recheck`), and those that no longer qualify are taken off with the reason
    (`claim.dropped`)."""
    claim = _lock(claim)
    scope = scope_of(by)
    if not (scope.acts_in_county(claim.training_class.county_id) or scope.institution_id == claim.institution_id):
        raise ValidationError("只有本机构的工作人员可以提交该申领。", code="not_own_claim")
    policy.ensure_claim_transition(claim.status, ClaimStatus.SUBMITTED, labels=LABELS)
    claim.dropped = _recheck(claim, today=today, step="submit")  # type: ignore[attr-defined]
    return _move(claim, ClaimStatus.SUBMITTED, submitted_by=by, submitted_at=timezone.now(), return_reason="",
                 first_submitted_on=claim.first_submitted_on or today)


@transaction.atomic
def remove_line(line: ClaimLine, *, by: User, reason: str) -> ClaimLine:
    """The institution takes a trainee off its own draft claim (a late certificate, a mistake),
    with the reason; the trainee may be claimed again later if eligible.

    Locks the claim, then the line. A line already removed is refused and nothing is written
    (no second history row, no recomputed total): a double submission removes it once."""
    claim = _lock(line.claim)
    scope = scope_of(by)
    if not (scope.acts_in_county(claim.training_class.county_id) or scope.institution_id == claim.institution_id):
        raise ValidationError("只有本机构的工作人员可以修改该申领。", code="not_own_claim")
    if claim.status != ClaimStatus.DRAFT:
        raise ValidationError("只有草稿状态的申领可以移除学员;已提交的请由县人社局退回后再修改。", code="claim_not_draft")
    line = ClaimLine.objects.select_for_update(of=("self",)).select_related("enrolment__trainee").get(pk=line.pk)
    if line.is_void:
        raise ValidationError("%(name)s已从本申领中移除(%(reason)s),不能重复移除:请刷新页面查看最新的申领明细。",
                              code="line_already_removed",
                              params={"name": line.enrolment.trainee.name, "reason": line.void_reason})
    if not (reason or "").strip():
        raise ValidationError("请写明移除原因。", code="reason_required")
    _void_line(line, claim, f"机构移除:{reason}", change_reason="机构移除")
    return line


@transaction.atomic
def review_claim(claim: SubsidyClaim, *, by: User, today: date | None = None) -> SubsidyClaim:
    """初审 by an HR officer, after every line is checked again (`claim.dropped`)."""
    _ensure_hr(by, county_id=claim.training_class.county_id)
    claim = _lock(claim)
    policy.ensure_claim_transition(claim.status, ClaimStatus.REVIEWED, labels=LABELS)
    dropped = _recheck(claim, today=today or timezone.localdate(), step="review")
    claim = _move(claim, ClaimStatus.REVIEWED, reviewed_by=by, reviewed_at=timezone.now())
    claim.dropped = dropped  # type: ignore[attr-defined]
    return claim


@transaction.atomic
def approve_claim(claim: SubsidyClaim, *, by: User, supervision_inspection: Inspection | None = None,
                  supervision_note: str = "", today: date | None = None) -> SubsidyClaim:
    """审批 by a second HR officer (four eyes), after every line is checked again
    (`claim.dropped`). A class whose attendance is below the threshold needs a recorded
    supervision decision (R3)."""
    _ensure_hr(by, county_id=claim.training_class.county_id)
    claim = _lock(claim)
    policy.ensure_claim_transition(claim.status, ClaimStatus.APPROVED, labels=LABELS)
    policy.ensure_four_eyes(reviewer_id=claim.reviewed_by_id, approver_id=by.pk)
    tc = claim.training_class
    p = tc.params()
    inspection = supervision_inspection or claim.supervision_inspection
    if inspection is not None and inspection.training_class_id != tc.pk:
        raise ValidationError("关联的督导检查不是本班的检查记录。", code="inspection_of_another_class")
    class_rate = tc.attendance_rate if tc.attendance_rate is not None else AttendanceSheet(tc).class_standing(
        p).best_reachable_rate
    policy.ensure_supervised_if_low_attendance(
        class_rate=class_rate, has_supervision_decision=inspection is not None and bool(
            (supervision_note or claim.supervision_note).strip()), p=p)
    dropped = _recheck(claim, today=today or timezone.localdate(), step="approve")
    claim = _move(claim, ClaimStatus.APPROVED, approved_by=by, approved_at=timezone.now(),
                  supervision_inspection=inspection, supervision_note=supervision_note or claim.supervision_note)
    claim.dropped = dropped  # type: ignore[attr-defined]
    return claim


@transaction.atomic
def return_claim(claim: SubsidyClaim, *, by: User, reason: str) -> SubsidyClaim:
    """Send a submitted or reviewed claim back to the institution as a draft, with the reason."""
    _ensure_hr(by, county_id=claim.training_class.county_id)
    if not (reason or "").strip():
        raise ValidationError("请写明退回原因,以便培训机构修改。", code="reason_required")
    claim = _lock(claim)
    return _move(claim, ClaimStatus.DRAFT, return_reason=reason, reviewed_by=None, reviewed_at=None,
                 submitted_by=None, submitted_at=None)


@transaction.atomic
def reject_claim(claim: SubsidyClaim, *, by: User, reason: str) -> SubsidyClaim:
    """不予拨付: final. The lines stay, so the same instalments cannot be claimed again."""
    _ensure_hr(by, county_id=claim.training_class.county_id)
    if not (reason or "").strip():
        raise ValidationError("请写明不予拨付的原因。", code="reason_required")
    claim = _lock(claim)
    return _move(claim, ClaimStatus.REJECTED, return_reason=reason)


@transaction.atomic
def publicise_claim(claim: SubsidyClaim, *, by: User, starts_on: date, today: date) -> SubsidyClaim:
    """R19 五(三): publish the approved lines (masked) for N working days from `starts_on`, which
    is never in the past (a notice nobody could have seen is no notice)."""
    _ensure_hr(by, county_id=claim.training_class.county_id)
    if starts_on < today:
        raise ValidationError("公示开始日期不能早于今天(《实施方案》五(三)):请从今天或以后开始公示。",
                              code="publicity_backdated")
    claim = _lock(claim)
    p = claim.training_class.params()
    is_workday = workday_calendar(starts_on, date(starts_on.year + 1, 12, 31))
    first_day = policy.add_working_days(starts_on, 1, is_workday=is_workday)
    ends_on = policy.add_working_days(first_day, p.publicity_working_days, is_workday=is_workday)
    return _move(claim, ClaimStatus.PUBLICISED, publicity_starts_on=first_day, publicity_ends_on=ends_on)


@transaction.atomic
def record_objection(line: ClaimLine, *, by: User, received_on: date, content: str,
                     objector: str = "") -> ClaimObjection:
    """An objection received while the line is on public notice (R19)."""
    _ensure_hr(by, county_id=line.claim.training_class.county_id)
    claim = _lock(line.claim)
    if claim.status != ClaimStatus.PUBLICISED:
        raise ValidationError("该申领不在公示期,不能登记异议。", code="not_publicised")
    policy.ensure_objection_in_window(received_on=received_on, starts_on=claim.publicity_starts_on,
                                      ends_on=claim.publicity_ends_on)
    line = ClaimLine.objects.select_for_update(of=("self",)).get(pk=line.pk)
    if line.is_void:
        raise ValidationError("该学员已从申领中剔除(%(reason)s),不再拨付,无需登记异议。", code="line_already_removed",
                              params={"reason": line.void_reason})
    objection = ClaimObjection(line=line, received_on=received_on, content=content, objector=objector,
                               recorded_by=by)
    objection.full_clean()
    objection.save()
    return objection


@transaction.atomic
def decide_objection(objection: ClaimObjection, *, by: User, upheld: bool, note: str) -> ClaimObjection:
    """Decide an objection; an upheld one removes its line from the claim before payment (R19).

    Locks in the order every claim service uses: the claim, then the objection, then the line."""
    _ensure_hr(by, county_id=objection.line.claim.training_class.county_id)
    claim_id = ClaimLine.objects.filter(objections=objection.pk).values_list("claim_id", flat=True).get()
    claim = _lock(SubsidyClaim(pk=claim_id))
    objection = ClaimObjection.objects.select_for_update(of=("self",)).get(pk=objection.pk)
    if claim.status not in (ClaimStatus.PUBLICISED, ClaimStatus.PAYABLE) or objection.is_upheld is not None:
        raise ValidationError("该异议已处理,或申领已拨付。", code="objection_closed")
    if not (note or "").strip():
        raise ValidationError("请写明处理意见。", code="reason_required")
    objection.is_upheld, objection.decision_note = upheld, note
    objection.decided_by, objection.decided_at = by, timezone.now()
    objection.full_clean()
    objection.save()
    line = ClaimLine.objects.select_for_update(of=("self",)).get(pk=objection.line_id)
    if upheld and not line.is_void:
        _void_line(line, claim, f"公示异议成立:{note}", change_reason="公示异议成立,剔除")
    return objection


@transaction.atomic
def mark_payable(claim: SubsidyClaim, *, by: User, today: date) -> SubsidyClaim:
    """After the public notice has run its course with every objection decided (R19)."""
    _ensure_hr(by, county_id=claim.training_class.county_id)
    claim = _lock(claim)
    policy.ensure_claim_transition(claim.status, ClaimStatus.PAYABLE, labels=LABELS)
    policy.ensure_publicity_over(ends_on=claim.publicity_ends_on, today=today)
    pending = ClaimObjection.objects.filter(line__claim=claim, is_upheld__isnull=True).count()
    if pending:
        raise ValidationError("还有%(count)d条公示异议未处理:请先处理异议,再办理拨付。", code="objections_pending",
                              params={"count": pending})
    dropped = _recheck(claim, today=today, step="payable")
    claim = _move(claim, ClaimStatus.PAYABLE)
    claim.dropped = dropped  # type: ignore[attr-defined]
    return claim


@transaction.atomic
def mark_paid(claim: SubsidyClaim, *, by: User, payment_reference: str,
              today: date | None = None) -> SubsidyClaim:
    """拨付: recorded with the payment voucher number by HR finance, after every line is checked
    a last time (`claim.dropped`)."""
    _ensure_hr(by, county_id=claim.training_class.county_id)
    if not (payment_reference or "").strip():
        raise ValidationError("请填写拨付凭证号。", code="payment_reference_required")
    claim = _lock(claim)
    policy.ensure_claim_transition(claim.status, ClaimStatus.PAID, labels=LABELS)
    dropped = _recheck(claim, today=today or timezone.localdate(), step="pay")
    _recompute_total(claim)
    claim = _move(claim, ClaimStatus.PAID, paid_by=by, paid_at=timezone.now(), payment_reference=payment_reference)
    claim.dropped = dropped  # type: ignore[attr-defined]
    return claim


@transaction.atomic
def close_class(training_class: TrainingClass, *, by: User, today: date) -> TrainingClass:
    """结算: a completed class is closed when every claim is paid or rejected and the employment
    window has passed, so no further claim can arise."""
    _ensure_hr(by, county_id=training_class.county_id)

    def ensure_settled(tc: TrainingClass) -> None:
        claims = list(tc.claims.values_list("status", flat=True))
        if not claims or any(s not in (ClaimStatus.PAID, ClaimStatus.REJECTED) for s in claims):
            raise ValidationError("本班还有未拨付的补贴申领,不能结算:请待全部申领拨付或不予拨付后再结算。",
                                  code="claims_open")
        if today <= policy.employment_window_ends_on(tc.end_on, p=tc.params()):
            raise ValidationError("就业认定期尚未结束,还可能申领二期补贴,暂不能结算:请在就业认定期结束后再结算。",
                                  code="window_open")

    return close_class_checked(training_class, by=by, ensure_settled=ensure_settled)


# --- Vouchers (R14, 四(三)) ---------------------------------------------------------------------


# --- Small and micro enterprises (R15, 四(四)) --------------------------------------------------

def check_small_enterprise_subsidy(subsidy: SmallEnterpriseSubsidy) -> SizeClassification:
    """Gather what R15 looks at for `subsidy` (saved or not) and call
    policy.ensure_small_enterprise_eligible: the enterprise's size from its recorded figures and
    evidence, the hire subsidy an upgrade rests on, and, for an upgrade, the levels the hire held
    in the certificate's occupation (same national code, else same name, across yearly
    catalogues) before the contract start. Returns the size classification; raises the refusal.
    Reads only; the admin form runs it to refuse before saving."""
    p = subsidy.policy_year.params_for(subsidy.county_id)
    has_hire = SmallEnterpriseSubsidy.objects.filter(
        enterprise_credit_code=subsidy.enterprise_credit_code, hire_id=subsidy.hire_id, stage="hire",
    ).exclude(status=EnterpriseSubsidyStatus.REJECTED).exclude(pk=subsidy.pk).exists()
    certificate = subsidy.certificate if subsidy.certificate_id else None
    levels_held_before: list[str]
    levels_held_before, occupation = [], ""
    if certificate is not None:
        occupation = certificate.occupation.name
        levels_held_before = [
            held.level for held in Certificate.objects.filter(
                trainee_id=subsidy.hire_id, issued_on__lt=subsidy.contract_starts_on,
            ).exclude(level="").exclude(pk=certificate.pk).select_related("occupation")
            if held.occupation.key == certificate.occupation.key
        ]
    return policy.ensure_small_enterprise_eligible(
        stage=subsidy.stage, contract_starts_on=subsidy.contract_starts_on, contract_months=subsidy.contract_months,
        year=subsidy.policy_year_id, certificate_issued_on=certificate.issued_on if certificate else None,
        has_hire_subsidy=has_hire, p=p, industry=subsidy.industry, employees=subsidy.employees,
        revenue_10k=subsidy.revenue_10k, assets_10k=subsidy.assets_10k, figures_year=subsidy.figures_year,
        has_size_evidence=bool(subsidy.size_evidence), certificate_kind=certificate.kind if certificate else "",
        certificate_level=certificate.level if certificate else "",
        certificate_is_the_hires=certificate is None or certificate.trainee_id == subsidy.hire_id,
        certificate_occupation=occupation, levels_held_before=levels_held_before,
    )


@transaction.atomic
def record_small_enterprise_subsidy(subsidy: SmallEnterpriseSubsidy, *, by: User) -> SmallEnterpriseSubsidy:
    """Record or change a draft: check R15 (check_small_enterprise_subsidy), store the size class
    the figures give and the policy year's amount for the stage. Saves the row and its uploaded
    evidence; the subsidy stays a draft."""
    if subsidy.pk and SmallEnterpriseSubsidy.objects.filter(pk=subsidy.pk).exclude(status="draft").exists():
        raise ValidationError("已提交的小微企业补贴不能修改:请先退回修改,再补录。", code="not_draft")
    size = check_small_enterprise_subsidy(subsidy)
    subsidy.enterprise_size = size.size
    subsidy.amount = policy.small_enterprise_subsidy_amount(stage=subsidy.stage, p=subsidy.policy_year.params_for(subsidy.county_id))
    subsidy.submitted_by = subsidy.submitted_by or by
    subsidy.full_clean()
    subsidy.save()
    return subsidy


SMALL_ENTERPRISE_FLOW = {"submit": ("draft", "submitted"), "review": ("submitted", "reviewed"),
                         "approve": ("reviewed", "approved"), "pay": ("approved", "paid")}
# Back to draft (with a reason) so HR can correct the figures, evidence or certificate: before payment.
SMALL_ENTERPRISE_RETURNABLE = ("submitted", "reviewed", "approved")


@transaction.atomic
def decide_small_enterprise_subsidy(subsidy: SmallEnterpriseSubsidy, *, by: User, step: str, reason: str = "",
                                    payment_reference: str = "") -> SmallEnterpriseSubsidy:
    """The same review and approval as claims: submit, review, approve (another officer), pay,
    return to draft for correction, or reject, each of the last two with a reason. Approval and
    payment check R15 again on the locked row (the figures, the certificate or the hire's earlier
    certificates may have changed since it was recorded) and store the size class found."""
    _ensure_hr(by, county_id=subsidy.county_id)
    subsidy = SmallEnterpriseSubsidy.objects.select_for_update().get(pk=subsidy.pk)
    now = timezone.now()
    if step == "reject":
        if subsidy.status not in ("submitted", "reviewed") or not reason.strip():
            raise ValidationError("只能对已提交或已初审的申请不予拨付,并须写明原因。", code="illegal_transition")
        subsidy.status, subsidy.return_reason = EnterpriseSubsidyStatus.REJECTED, reason
    elif step == "return":
        if subsidy.status not in SMALL_ENTERPRISE_RETURNABLE or not reason.strip():
            raise ValidationError("只能退回已提交、已初审或已审批(未拨付)的申请,并须写明原因。", code="illegal_transition")
        subsidy.status, subsidy.return_reason = EnterpriseSubsidyStatus.DRAFT, reason
        subsidy.submitted_at = subsidy.reviewed_by = subsidy.reviewed_at = None
        subsidy.approved_by = subsidy.approved_at = None
    else:
        current, target = SMALL_ENTERPRISE_FLOW[step]
        if subsidy.status != current:
            raise ValidationError("当前状态为「%(status)s」,不能办理该步骤。", code="illegal_transition",
                                  params={"status": subsidy.get_status_display()})
        if step in ("approve", "pay"):
            subsidy.enterprise_size = check_small_enterprise_subsidy(subsidy).size
        if step == "submit":
            subsidy.submitted_by, subsidy.submitted_at = subsidy.submitted_by or by, now
        elif step == "review":
            subsidy.reviewed_by, subsidy.reviewed_at = by, now
        elif step == "approve":
            policy.ensure_four_eyes(reviewer_id=subsidy.reviewed_by_id, approver_id=by.pk)
            subsidy.approved_by, subsidy.approved_at = by, now
        elif step == "pay":
            if not payment_reference.strip():
                raise ValidationError("请填写拨付凭证号。", code="payment_reference_required")
            subsidy.paid_at, subsidy.payment_reference = now, payment_reference
        subsidy.status = target
    subsidy.full_clean()
    subsidy.save()
    return subsidy
