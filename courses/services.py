"""Every state change of a class, its roster, sessions and attendance.

Each service is atomic, locks the rows it counts (select_for_update on the class row, then the
trainee row), calls the rules of courses.policy, validates with full_clean() and records who
acted. A refusal is a ValidationError whose code names the rule.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterable
from datetime import date, datetime, time
from decimal import Decimal
from typing import TYPE_CHECKING, NoReturn, TypeVar

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q, Sum
from django.utils import timezone
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from accounts.scope import require_hr, scope_of
from courses import policy
from courses.models import (
    AttendanceCorrection,
    AttendanceRecord,
    ClassDecision,
    ClassDecisionKind,
    ClassStatus,
    ClassTransition,
    CorrectionStatus,
    Enrolment,
    EnrolmentSource,
    ParallelClassApproval,
    Session,
    SessionKind,
    TrainingClass,
    Voucher,
    VoucherStatus,
)
from courses.selectors import AttendanceSheet, prior_trainings
from institutions.models import InstitutionYear, TrainingInstitution
from trainees.models import Trainee, TraineeCategory
from trainees.policy import (
    HeldCategory,
    ensure_eligible_category,
    ensure_working_age,
    parse_id_number,
    person_label,
)

if TYPE_CHECKING:
    from django.contrib.auth.models import User
    from django.core.files import File
    from django.forms import BaseInlineFormSet

    from courses.policy import PriorTraining
    from programme.models import PolicyYear
    from programme.policy import PolicyParams

_T = TypeVar("_T")

STATUS_LABELS = dict(ClassStatus.choices)
ATTENDANCE_CLOSED = ("只有培训中的班级可以记录考勤(当前为「%(status)s」):未开班的请先办理开班;"
                     "已结业的考勤随结业确定、不再修改,如有错误请联系县人社局。")


def _lock_class(training_class: TrainingClass) -> TrainingClass:
    return (
        TrainingClass.objects.select_for_update(of=("self",))
        .select_related("policy_year", "occupation", "institution")
        .get(pk=training_class.pk)
    )


def _collect(errors: list[ValidationError], check: Callable[[], _T]) -> _T | None:
    try:
        return check()
    except ValidationError as error:
        errors.extend(error.error_list)
        return None


# --- The application and its rules ---------------------------------------------------------

def check_application(training_class: TrainingClass) -> list[ValidationError]:
    """Every rule a class application must meet (R1, R2, R4, R5, R9, R10, R12, R17). Raises one
    ValidationError carrying every refusal; returns the warnings (R4 below the target)."""
    tc = training_class
    p = tc.params()
    errors: list[ValidationError] = []
    warnings = _collect(errors, lambda: policy.check_class_plan(
        capacity=tc.capacity, planned_days=tc.planned_days, total_hours=tc.total_hours,
        practical_hours=tc.practical_hours, start_on=tc.planned_start_on, end_on=tc.planned_end_on, p=p,
    )) or []
    occupation = tc.occupation
    _collect(errors, lambda: policy.ensure_occupation_eligible(
        occupation_year=occupation.policy_year_id, class_year=tc.policy_year_id,
        has_national_standard=occupation.has_national_standard,
        has_enterprise_specification=occupation.has_enterprise_specification,
    ))
    _collect(errors, lambda: policy.ensure_level_matches_kind(
        certificate_kind=occupation.certificate_kind, level=tc.level))
    listing = InstitutionYear.objects.filter(institution_id=tc.institution_id, county=tc.county_id,
                                             policy_year_id=tc.policy_year_id).first()
    _collect(errors, lambda: policy.ensure_institution_eligible(
        is_listed=bool(listing and listing.is_listed), is_disqualified=bool(listing and listing.is_disqualified),
        year=tc.policy_year_id,
    ))
    running = (
        TrainingClass.objects.filter(institution_id=tc.institution_id, occupation_id=tc.occupation_id,
                                     status__in=policy.RUNNING_STATUSES)
        .exclude(pk=tc.pk).count()
    )
    approved_parallel = ParallelClassApproval.objects.filter(
        institution_id=tc.institution_id, occupation_id=tc.occupation_id).exists()
    _collect(errors, lambda: policy.ensure_parallel_class_allowed(
        running=running, has_parallel_approval=approved_parallel, p=p))
    _collect(errors, lambda: policy.ensure_application_complete(
        has_roster_plan=bool(tc.roster_plan.strip()), has_teachers=bool(tc.teachers.strip()),
        has_syllabus=bool(tc.syllabus), has_teaching_plan=bool(tc.teaching_plan),
        textbook_count=tc.textbooks.count(), has_assessment_plan=bool(tc.assessment_plan),
    ))
    if errors:
        raise ValidationError(errors)
    return warnings


def next_class_code(institution: TrainingInstitution, policy_year: PolicyYear) -> str:
    """班级编号 such as 2018-J03-07: the year, the institution and its running number.

    Unique only while the caller holds the institution row's lock (save_class_application):
    two applications counting at once would take the same number."""
    prefix = f"{policy_year.pk}-J{institution.pk:02d}-"
    taken = TrainingClass.objects.filter(code__startswith=prefix).count()
    number = taken + 1
    while TrainingClass.objects.filter(code=f"{prefix}{number:02d}").exists():
        number += 1
    return f"{prefix}{number:02d}"


@transaction.atomic
def save_class_application(training_class: TrainingClass, *, institution: TrainingInstitution,
                           policy_year: PolicyYear, by: User,
                           textbooks: BaseInlineFormSet | None = None) -> TrainingClass:
    """Create or edit a class application (draft or returned only) for `institution`; the
    institution, year and code are set here, never taken from a form."""
    if training_class.pk is not None:
        current = TrainingClass.objects.select_for_update(of=("self",)).get(pk=training_class.pk)
        if current.status not in policy.EDITABLE_STATUSES or current.institution_id != institution.pk:
            raise ValidationError("只有草稿或被退回的开班申请可以修改。", code="class_not_editable")
    else:
        # One application of an institution at a time takes the next number, so 20 applications
        # sent at once get 20 different codes. NO KEY UPDATE: rows that merely refer to the
        # institution (claims, classes) are not held up.
        list(TrainingInstitution.objects.select_for_update(no_key=True).filter(pk=institution.pk).values_list("pk"))
        training_class.code = next_class_code(institution, policy_year)
        training_class.created_by = by
        training_class.status = ClassStatus.DRAFT
    training_class.institution, training_class.policy_year = institution, policy_year
    training_class.full_clean()
    training_class.save()
    if textbooks is not None:
        textbooks.instance = training_class
        textbooks.save()
    return training_class


def _ensure_acknowledged(warnings: list[ValidationError], acknowledged: bool) -> None:
    if warnings and not acknowledged:
        raise ValidationError(
            [*warnings, ValidationError("请阅读以上提示并勾选「已知悉提示」后再办理。", code="warning_not_acknowledged")]
        )


def _move(tc: TrainingClass, target: str, *, by: User, note: str = "", warnings: Iterable[ValidationError] = (),
          now: datetime | None = None) -> TrainingClass:
    """Record the transition of `tc` (already locked) to `target`: status, who, when, why."""
    policy.ensure_transition(tc.status, target, labels=STATUS_LABELS)
    now = now or timezone.now()
    ClassTransition.objects.create(
        training_class=tc, from_status=tc.status, to_status=target, acted_by=by, acted_at=now, note=note,
        acknowledged_warnings="\n".join(w.messages[0] for w in warnings),
    )
    tc.status = target
    # simple_history reads the reason of the next historical row from this attribute.
    tc._change_reason = f"{STATUS_LABELS[target]}:{note}" if note else STATUS_LABELS[target]  # type: ignore[attr-defined]
    tc.full_clean()
    tc.save()
    return tc


def close_class_checked(training_class: TrainingClass, *, by: User,
                        ensure_settled: Callable[[TrainingClass], None]) -> TrainingClass:
    """结算: lock the class, let the caller judge it settled (`ensure_settled(locked_class)` raises
    when it is not: the claims are subsidies', above this app), then record it closed. The one way
    a class is closed."""
    tc = _lock_class(training_class)
    ensure_settled(tc)
    tc.closed_at = timezone.now()
    return _move(tc, ClassStatus.CLOSED, by=by)


def _ensure_hr(user: User, *, county_id: int | None) -> None:
    """Only county HR staff of the class's county decide on applications; a clerk never approves
    their own class."""
    require_hr(user, action="审批开班申请", county_id=county_id)


def _ensure_reason(reason: str | None) -> None:
    if not (reason or "").strip():
        raise ValidationError("请写明原因,以便培训机构修改。", code="reason_required")


@transaction.atomic
def submit_class_application(training_class: TrainingClass, *, by: User,
                             acknowledge_warnings: bool = False) -> TrainingClass:
    """开班申请 (SPEC.md §3.3): a draft or returned class is submitted to county HR once every
    rule holds; warnings must be acknowledged."""
    tc = _lock_class(training_class)
    policy.ensure_transition(tc.status, ClassStatus.SUBMITTED, labels=STATUS_LABELS)
    warnings = check_application(tc)
    _ensure_acknowledged(warnings, acknowledge_warnings)
    tc.submitted_by, tc.submitted_at = by, timezone.now()
    return _move(tc, ClassStatus.SUBMITTED, by=by, warnings=warnings, now=tc.submitted_at)


@transaction.atomic
def approve_class(training_class: TrainingClass, *, by: User, acknowledge_warnings: bool = False,
                  note: str = "") -> TrainingClass:
    """HR approves a submitted application; every rule is checked again, R2 against the classes
    running now."""
    _ensure_hr(by, county_id=training_class.county_id)
    tc = _lock_class(training_class)
    policy.ensure_transition(tc.status, ClassStatus.APPROVED, labels=STATUS_LABELS)
    # Serialise approvals of one institution's occupation so two cannot both pass R2.
    list(TrainingClass.objects.select_for_update().filter(
        institution_id=tc.institution_id, occupation_id=tc.occupation_id).values_list("pk", flat=True))
    warnings = check_application(tc)
    _ensure_acknowledged(warnings, acknowledge_warnings)
    tc.decided_by, tc.decided_at, tc.decision_note = by, timezone.now(), note
    return _move(tc, ClassStatus.APPROVED, by=by, note=note, warnings=warnings, now=tc.decided_at)


@transaction.atomic
def return_class(training_class: TrainingClass, *, by: User, reason: str) -> TrainingClass:
    """HR returns an application to the institution with the reason; it can be edited and resubmitted."""
    _ensure_hr(by, county_id=training_class.county_id)
    _ensure_reason(reason)
    tc = _lock_class(training_class)
    tc.decided_by, tc.decided_at, tc.decision_note = by, timezone.now(), reason
    return _move(tc, ClassStatus.RETURNED, by=by, note=reason, now=tc.decided_at)


@transaction.atomic
def reject_class(training_class: TrainingClass, *, by: User, reason: str) -> TrainingClass:
    """HR refuses an application for good, with the reason."""
    _ensure_hr(by, county_id=training_class.county_id)
    _ensure_reason(reason)
    tc = _lock_class(training_class)
    tc.decided_by, tc.decided_at, tc.decision_note = by, timezone.now(), reason
    return _move(tc, ClassStatus.REJECTED, by=by, note=reason, now=tc.decided_at)


@transaction.atomic
def start_class(training_class: TrainingClass, *, by: User, today: date) -> TrainingClass:
    """An approved class starts training (开班) between its planned start and end dates (R21); a
    later start needs county HR's reschedule first (reschedule_class)."""
    tc = _lock_class(training_class)
    policy.ensure_transition(tc.status, ClassStatus.IN_PROGRESS, labels=STATUS_LABELS)
    policy.ensure_may_start(today=today, planned_start_on=tc.planned_start_on, planned_end_on=tc.planned_end_on)
    tc.started_on = today
    return _move(tc, ClassStatus.IN_PROGRESS, by=by)


@transaction.atomic
def complete_class(training_class: TrainingClass, *, by: User, today: date) -> TrainingClass:
    """结业: after the end date, with every session's attendance recorded. Records for each
    trainee the final attendance rate over all delivered hours and whether it meets R3 — the gate
    for the assessment and the subsidy. The practical share actually delivered is checked
    against R4 (R22): below the minimum it needs county HR's recorded decision
    (record_practical_share_decision); below the target the warning is kept on the transition.
    The approved dates and the recorded start are never rewritten (R21)."""
    tc = _lock_class(training_class)
    policy.ensure_transition(tc.status, ClassStatus.COMPLETED, labels=STATUS_LABELS)
    p = tc.params()
    sheet = AttendanceSheet(tc, judge_against_plan=False)
    policy.ensure_may_complete(today=today, end_on=tc.planned_end_on, session_count=len(sheet.sessions),
                               unrecorded=sheet.unrecorded())
    practical = sum((s.hours for s in sheet.sessions if s.kind == SessionKind.PRACTICAL), Decimal(0))
    warnings = policy.check_delivered_practical_share(
        practical_hours=practical, delivered_hours=sheet.scheduled_hours, p=p,
        has_hr_decision=tc.decisions.filter(kind=ClassDecisionKind.LOW_PRACTICAL_SHARE).exists())
    enrolments = sheet.active_enrolments
    for enrolment in enrolments:
        attended, _ = sheet.hours(enrolment)
        enrolment.attendance_rate = policy.attendance_rate(attended_hours=attended,
                                                           scheduled_hours=sheet.scheduled_hours)
        enrolment.meets_attendance = policy.meets_attendance(rate=enrolment.attendance_rate, p=p)
    bulk_update_with_history(enrolments, Enrolment, ["attendance_rate", "meets_attendance"], default_user=by,
                             default_change_reason="结业时记录到课率")
    # The last day training ran, never before the recorded start (R21: the record is not re-dated);
    # only a class that predates the recorded start takes its first session's day.
    tc.started_on = tc.started_on or sheet.sessions[0].held_on
    tc.completed_on = max(sheet.sessions[-1].held_on, tc.started_on)
    tc.attendance_rate = sheet.class_standing(p).best_reachable_rate
    return _move(tc, ClassStatus.COMPLETED, by=by, warnings=warnings)


@transaction.atomic
def reschedule_class(training_class: TrainingClass, *, by: User, start_on: date, end_on: date, reason: str,
                     today: date) -> ClassDecision:
    """County HR moves the dates of an approved class that has not started (R21: a late start is
    a reschedule HR approves). The plan is checked again (R5 on the new dates), the sessions
    already scheduled must fit, every trainee on the roster is checked again against R16 on the
    new dates, and the decision is recorded with the old and new dates, who and why."""
    _ensure_hr(by, county_id=training_class.county_id)
    _ensure_reason(reason)
    tc = _lock_class(training_class)
    p = tc.params()
    sessions = list(tc.sessions.order_by("held_on").values_list("held_on", flat=True))
    policy.ensure_reschedule_valid(status=tc.status, today=today, new_start_on=start_on, new_end_on=end_on,
                                   first_session_on=sessions[0] if sessions else None,
                                   last_session_on=sessions[-1] if sessions else None)
    policy.ensure_duration(planned_days=tc.planned_days, total_hours=tc.total_hours, start_on=start_on,
                           end_on=end_on, p=p)
    errors: list[ValidationError] = []
    for enrolment in tc.enrolments.filter(is_withdrawn=False).select_related("trainee"):
        _collect(errors, lambda e=enrolment: policy.ensure_trainee_may_enrol(  # type: ignore[misc]
            start_on=start_on, end_on=end_on, year=tc.policy_year_id, occupation_key=tc.occupation.key,
            level_rank=policy.level_rank(tc.level), others=_prior_trainings(e.trainee, exclude_class_id=tc.pk), p=p))
    policy.raise_all(errors)
    decision = ClassDecision(
        training_class=tc, kind=ClassDecisionKind.RESCHEDULE, reason=reason.strip(), decided_by=by,
        decided_at=timezone.now(), previous_start_on=tc.planned_start_on, previous_end_on=tc.planned_end_on,
        new_start_on=start_on, new_end_on=end_on,
    )
    decision.full_clean()
    decision.save()
    tc.planned_start_on, tc.planned_end_on = start_on, end_on
    tc._change_reason = f"县人社局调整培训日期:{reason.strip()}"  # type: ignore[attr-defined]
    tc.full_clean()
    tc.save()
    return decision


@transaction.atomic
def record_practical_share_decision(training_class: TrainingClass, *, by: User, reason: str) -> ClassDecision:
    """County HR's recorded decision that a running class whose delivered practical share is
    below the R4 minimum may still complete (R22); the share is recorded as it stands."""
    _ensure_hr(by, county_id=training_class.county_id)
    _ensure_reason(reason)
    tc = _lock_class(training_class)
    if tc.status != ClassStatus.IN_PROGRESS:
        raise ValidationError("只有培训中的班级需要实操占比的结业决定(当前为「%(status)s」)。",
                              code="decision_not_applicable", params={"status": STATUS_LABELS[tc.status]})
    hours = list(tc.sessions.values_list("kind", "hours"))
    share = policy.delivered_practical_share(
        practical_hours=sum((h for k, h in hours if k == SessionKind.PRACTICAL), Decimal(0)),
        delivered_hours=sum((h for _, h in hours), Decimal(0)))
    decision = ClassDecision(training_class=tc, kind=ClassDecisionKind.LOW_PRACTICAL_SHARE, reason=reason.strip(),
                             decided_by=by, decided_at=timezone.now(), delivered_practical_share=share)
    decision.full_clean()
    decision.save()
    return decision


@transaction.atomic
def cancel_class(training_class: TrainingClass, *, by: User, reason: str) -> TrainingClass:
    """Cancel a class at any state before completion (撤销), with the reason."""
    _ensure_reason(reason)
    tc = _lock_class(training_class)
    tc.cancelled_at = timezone.now()
    return _move(tc, ClassStatus.CANCELLED, by=by, note=reason, now=tc.cancelled_at)


# --- Roster --------------------------------------------------------------------------------

def _prior_trainings(trainee: Trainee, *, exclude_class_id: int) -> list[PriorTraining]:
    """The trainee's other trainings as R16 sees them at enrolment."""
    return prior_trainings([trainee.pk], exclude_class_id=exclude_class_id).get(trainee.pk, [])


def registered_categories(trainee: Trainee) -> list[HeldCategory]:
    """Every category the trainee is registered in, with its dates, as a refusal names them."""
    labels = dict(TraineeCategory.choices)
    return [HeldCategory(labels.get(category, category), held_from, held_until)
            for category, held_from, held_until in trainee.categories.order_by("held_from", "pk").values_list(
                "category", "held_from", "held_until")]


def categories_held_on(trainee: Trainee, day: date) -> list[str]:
    """The eligible categories the trainee holds on `day` (R13, R18: the day the class starts)."""
    return list(
        trainee.categories.filter(Q(held_until__isnull=True) | Q(held_until__gte=day), held_from__lte=day)
        .order_by("held_from", "pk").values_list("category", flat=True)
    )


def find_trainee(id_number: str) -> Trainee:
    """A registered trainee by resident ID number; the number is validated first so the clerk
    learns whether it is mistyped or simply not registered."""
    info = parse_id_number(id_number, today=timezone.localdate())
    trainee = Trainee.objects.filter(id_number=info.number).first()
    if trainee is None:
        raise ValidationError(
            "身份证号%(number)s尚未登记:请学员先到户籍所在乡镇登记后再报名。", code="trainee_not_registered",
            params={"number": info.number[:6] + "********" + info.number[-4:]},
        )
    return trainee


@transaction.atomic
def enrol_trainee(training_class: TrainingClass, *, by: User, today: date, id_number: str | None = None,
                  voucher_code: str | None = None, source: str = EnrolmentSource.TOWNSHIP) -> Enrolment:
    """Put a registered trainee on the roster, by ID number or by training voucher code.

    Locks the class row (so two clerks cannot both take the last seat, R1) and then the trainee
    row (so one trainee cannot be enrolled in two overlapping classes at once, R16). Checks R21
    (enrolment closed after the planned end or once R3 is out of reach), R1,
    R13 (eligible category when the class starts, working age today), R16 (overlap, yearly cap,
    same occupation and level) and, for a voucher, R14; the voucher is then redeemed.
    """
    tc = _lock_class(training_class)
    if tc.status not in policy.ENROLLING_STATUSES:
        raise ValidationError(
            "培训班当前状态为「%(status)s」,只有已批准或培训中的班级可以报名:请为学员选择其他班级。",
            code="class_not_enrolling", params={"status": STATUS_LABELS[tc.status]},
        )
    p = tc.params()
    # R21: a trainee who has already missed more than (100 % − threshold) of the planned hours
    # could never reach R3; the sessions are counted under the class lock.
    policy.ensure_enrolment_open(
        today=today, planned_end_on=tc.planned_end_on, planned_hours=tc.total_hours, p=p,
        delivered_hours=tc.sessions.filter(held_on__lt=today).aggregate(h=Sum("hours"))["h"] or Decimal(0))
    voucher = None
    if voucher_code:
        voucher = (Voucher.objects.select_for_update(of=("self",)).select_related("holder", "enrolment__training_class")
                   .filter(code=voucher_code.strip().upper()).first())
        if voucher is None:
            raise ValidationError("培训券号%(code)s不存在:请对照培训券核对券号,或只填写身份证号报名。",
                                  code="voucher_unknown", params={"code": voucher_code})
        trainee_id = find_trainee(id_number).pk if id_number else None
        listing = InstitutionYear.objects.filter(institution_id=tc.institution_id, policy_year_id=tc.policy_year_id,
                                                 county=tc.county_id, is_listed=True, is_disqualified=False).exists()
        policy.ensure_voucher_usable(status=voucher.status, expires_on=voucher.expires_on, holder_id=voucher.holder_id,
                              trainee_id=trainee_id, is_pilot_on=p.is_voucher_pilot_on,
                              institution_listed=listing, today=today, code=voucher.code,
                              holder=person_label(name=voucher.holder.name, id_number=voucher.holder.id_number,
                                                  name_visible=False),
                              redeemed_on=voucher.redeemed_on,
                              redeemed_in=voucher.enrolment.training_class.code if voucher.enrolment else "",
                              status_label=voucher.get_status_display(), year=tc.policy_year_id)
        trainee_pk, source = voucher.holder_id, EnrolmentSource.VOUCHER
    elif id_number:
        trainee_pk = find_trainee(id_number).pk
    else:
        raise ValidationError("请填写学员身份证号或培训券号。", code="trainee_required")
    trainee = Trainee.objects.select_for_update().get(pk=trainee_pk)
    if Enrolment.objects.filter(training_class=tc, trainee=trainee).exists():
        raise ValidationError("%(name)s已在本班名册中,无需重复报名。", code="already_enrolled", params={"name": trainee.name})
    enrolled = tc.enrolments.filter(is_withdrawn=False).count()
    policy.ensure_seat_available(enrolled=enrolled, capacity=tc.capacity, p=p)
    # Everything about the person is checked, and refused, together: the clerk learns at once
    # that a trainee both lacks a category on the start date and is in an overlapping class.
    categories = categories_held_on(trainee, tc.planned_start_on)
    errors: list[ValidationError] = []
    _collect(errors, lambda: ensure_eligible_category(categories, on=tc.planned_start_on,
                                                      registered=registered_categories(trainee)))
    _collect(errors, lambda: ensure_working_age(birth_on=trainee.birth_on, on=today, min_age=p.min_age,
                                                max_age=p.max_age))
    _collect(errors, lambda: policy.ensure_trainee_may_enrol(
        start_on=tc.planned_start_on, end_on=tc.planned_end_on, year=tc.policy_year_id,
        occupation_key=tc.occupation.key, level_rank=policy.level_rank(tc.level),
        others=_prior_trainings(trainee, exclude_class_id=tc.pk), p=p,
    ))
    policy.raise_all(errors)
    enrolment = Enrolment(training_class=tc, trainee=trainee, source=source, category=categories[0],
                          enrolled_on=today, enrolled_by=by)
    enrolment.full_clean()
    enrolment.save()
    if voucher is not None:
        voucher.status, voucher.enrolment, voucher.redeemed_on = VoucherStatus.REDEEMED, enrolment, today
        voucher.full_clean()
        voucher.save()
    return enrolment


@transaction.atomic
def withdraw_enrolment(enrolment: Enrolment, *, by: User, on: date, reason: str,
                       today: date | None = None) -> Enrolment:
    """A trainee leaves the class (退学); the row stays, marked withdrawn, and frees the seat."""
    _ensure_reason(reason)
    enrolment = Enrolment.objects.select_for_update().select_related("training_class").get(pk=enrolment.pk)
    if enrolment.is_withdrawn:
        raise ValidationError("该学员已办理退学,无需重复办理。", code="already_withdrawn")
    if enrolment.training_class.status not in policy.ENROLLING_STATUSES:
        raise ValidationError("培训班已结业或未批准,不能办理退学:结业时的名册和到课率不再改动"
                              "(《实施方案》三(五) 到课率按结业时的名册计算),如有错误请联系县人社局。",
                              code="class_not_enrolling")
    if not enrolment.enrolled_on <= on <= (today or timezone.localdate()):
        raise ValidationError("退学日期须在报名日期%(enrolled)s之后、且不晚于今天:请填写这期间的日期。",
                              code="withdrawal_date_invalid",
                              params={"enrolled": enrolment.enrolled_on})
    enrolment.is_withdrawn, enrolment.withdrawn_on, enrolment.withdrawal_reason = True, on, reason
    enrolment._change_reason = f"退学:{reason}"  # type: ignore[attr-defined]
    enrolment.full_clean()
    enrolment.save()
    return enrolment


# --- Sessions and attendance ----------------------------------------------------------------

@transaction.atomic
def schedule_session(training_class: TrainingClass, *, by: User, held_on: date, hours: Decimal, kind: str,
                     starts_at: time | None = None, topic: str = "", teacher: str = "", today: date | None = None,
                     correction: AttendanceCorrection | None = None) -> Session:
    """Add a session (课次) to an approved or ongoing class, inside its dates, within its hours
    and days and at most 8 class hours on the day (R5); once the class has started, never on a day
    already past (R20: its attendance could only be back-filled) unless an approved `correction`
    adds it (approve_attendance_correction). `today` defaults to the county's date."""
    tc = _lock_class(training_class)
    if tc.status not in policy.ENROLLING_STATUSES:
        raise ValidationError("只有已批准或培训中的班级可以排课:请在开班申请批准后再排课。", code="class_not_schedulable")
    if correction is None:
        policy.ensure_session_not_backdated(held_on=held_on, today=today or timezone.localdate(),
                                            has_started=tc.status == ClassStatus.IN_PROGRESS)
    p = tc.params()
    existing = list(tc.sessions.values_list("held_on", "hours"))
    hours = Decimal(hours)
    policy.ensure_session_fits(
        held_on=held_on, start_on=tc.planned_start_on, end_on=tc.planned_end_on,
        scheduled_hours=sum((h for _, h in existing), Decimal(0)), hours=hours, total_hours=tc.total_hours,
        scheduled_days={d for d, _ in existing}, planned_days=tc.planned_days,
    )
    policy.ensure_day_hours(hours_that_day=sum((h for d, h in existing if d == held_on), Decimal(0)) + hours, p=p)
    session = Session(training_class=tc, held_on=held_on, starts_at=starts_at, hours=hours, kind=kind,
                      topic=topic, teacher=teacher)
    session.full_clean()
    session.save()
    return session


PRESENT_WORDS = ("到", "√")
ABSENT_WORDS = ("缺", "×")


def parse_mark(value: object, session_hours: Decimal) -> tuple[bool, Decimal | None]:
    """A mark as typed (R3, 三(五)): 到 (or √) present for the whole session, 缺 (or ×) absent,
    or a number of hours present, more than 0 and at most the session's hours (its full hours
    read as 到). Never a bare 1 or 0 read as a whole day: a number is always hours. Returns
    (is_present, hours_present), hours_present None for the whole session."""
    if isinstance(value, bool):
        return value, None
    text = str(value).strip()
    if text in PRESENT_WORDS:
        return True, None
    if text in ABSENT_WORDS:
        return False, None
    try:
        hours = Decimal(text)
    except ArithmeticError:
        hours = None
    if hours is None or not hours.is_finite() or not Decimal(0) < hours <= session_hours:
        raise ValidationError(
            "考勤「%(value)s」无法识别:出勤填「到」,缺勤填「缺」;部分出勤填实到课时数(大于0、不超过本课次的%(hours)s"
            "课时)。数字一律按课时计算,不表示全天出勤(《实施方案》三(五))。",
            code="mark_invalid", params={"value": text, "hours": f"{session_hours.normalize():f}"},
        )
    return True, (None if hours == session_hours else hours)


def mark_text(is_present: bool, hours_present: Decimal | None) -> str:
    """A mark as the screen, the sheets and the print page write it: 到, 缺, or the hours present
    where only part of the session was attended."""
    if not is_present:
        return ABSENT_WORDS[0]
    return PRESENT_WORDS[0] if hours_present is None else f"{Decimal(hours_present).normalize():f}"


def county_time(now: datetime) -> datetime:
    """`now` as the county's wall clock (Asia/Shanghai), naive, as the R20 window is written."""
    return timezone.localtime(now).replace(tzinfo=None)


def attendance_window(session: Session, p: PolicyParams | None = None) -> policy.AttendanceWindow:
    """The session's R20 window (policy.attendance_window) with its year's grace period."""
    p = p or session.training_class.params()
    return policy.attendance_window(held_on=session.held_on, starts_at=session.starts_at, hours=session.hours, p=p)


def _ensure_on_roster(tc: TrainingClass, session: Session, marks: Iterable[int]) -> None:
    roster = set(
        tc.enrolments.filter(Q(is_withdrawn=False) | Q(withdrawn_on__gte=session.held_on)).values_list("pk", flat=True)
    )
    strangers = set(marks) - roster
    if strangers:
        raise ValidationError("有%(count)d条考勤不属于本课次名册中的学员,本次考勤未保存:请刷新页面后重新录入。",
                              code="not_enrolled",
                              params={"count": len(strangers)})


@transaction.atomic
def record_attendance(session: Session, *, by: User, now: datetime, marks: dict, dry_run: bool = False,
                      correction: AttendanceCorrection | None = None) -> tuple[int, int]:
    """Record one session's attendance in one go: `marks` maps enrolment id to a mark (see
    parse_mark). Only trainees on the session's roster, only while the class is in progress, and
    (R20, 三(七)) only from the session's start until the year's grace period after its end, `now`
    being the server's clock; later marks come only from an approved `correction`
    (approve_attendance_correction), and each mark it writes points to it. Every mark keeps who
    entered it and the server time (recorded_by, recorded_at; the history keeps each change).
    Existing marks are updated, so the same sheet twice gives the same marks. With dry_run every
    check runs and nothing is written (an import's preview)."""
    session = Session.objects.select_related("training_class").get(pk=session.pk)
    tc = _lock_class(session.training_class)
    if tc.status != ClassStatus.IN_PROGRESS:
        raise ValidationError(ATTENDANCE_CLOSED, code="class_not_in_progress", params={"status": STATUS_LABELS[tc.status]})
    if correction is None:
        policy.ensure_attendance_open(now=county_time(now), window=attendance_window(session, tc.params()))
    _ensure_on_roster(tc, session, marks)
    existing = {m.enrolment_id: m for m in AttendanceRecord.objects.filter(session=session)}
    new, changed = [], []
    for enrolment_id, value in marks.items():
        is_present, hours_present = parse_mark(value, session.hours)
        mark = existing.get(enrolment_id)
        if mark is None:
            mark = AttendanceRecord(enrolment_id=enrolment_id, session=session, is_present=is_present,
                                    hours_present=hours_present, recorded_by=by, correction=correction)
            new.append(mark)
        elif (mark.is_present, mark.hours_present) != (is_present, hours_present):
            mark.is_present, mark.hours_present, mark.recorded_by = is_present, hours_present, by
            mark.recorded_at = timezone.now()
            mark.correction = correction
            changed.append(mark)
    # parse_mark has validated every value against the session; the database holds the rest.
    if dry_run:
        return len(new), len(changed)
    reason = "考勤更正(县人社局批准)" if correction else None
    bulk_create_with_history(new, AttendanceRecord, default_user=by, default_change_reason=reason or "录入考勤")
    bulk_update_with_history(changed, AttendanceRecord,
                             ["is_present", "hours_present", "recorded_by", "recorded_at", "correction"],
                             default_user=by, default_change_reason=reason or "修改考勤")
    return len(new), len(changed)


# --- R20 attendance corrections ---------------------------------------------------------------

@transaction.atomic
def request_attendance_correction(session: Session, *, by: User, now: datetime, marks: dict, reason: str,
                                  evidence: File | None = None) -> AttendanceCorrection:
    """A clerk asks county HR to enter or change marks of a session whose window has closed (R20,
    三(七)): the marks (checked as record_attendance checks them), the reason and optional
    evidence are stored as a pending AttendanceCorrection; nothing changes in the attendance
    until HR approves it."""
    session = Session.objects.select_related("training_class").get(pk=session.pk)
    tc = _lock_class(session.training_class)
    if tc.status != ClassStatus.IN_PROGRESS:
        raise ValidationError(ATTENDANCE_CLOSED, code="class_not_in_progress", params={"status": STATUS_LABELS[tc.status]})
    policy.ensure_correction_needed(now=county_time(now), window=attendance_window(session, tc.params()))
    policy.ensure_correction_reason(reason)
    _ensure_on_roster(tc, session, marks)
    existing = {m.enrolment_id: (m.is_present, m.hours_present) for m in AttendanceRecord.objects.filter(session=session)}
    # Only what changes is requested: a sheet or screen that repeats the stored marks asks nothing.
    marks = {k: v for k, v in marks.items() if existing.get(k) != parse_mark(v, session.hours)}
    if not marks:
        raise ValidationError("所选考勤与已记录的相同,没有需要更正的内容:请修改需要更正的学员考勤后再提交。",
                              code="correction_empty")
    correction = AttendanceCorrection(
        training_class=tc, session=session, reason=reason.strip(),
        marks={str(k): mark_text(*parse_mark(v, session.hours)) for k, v in marks.items()},
        requested_by=by, requested_at=now,
    )
    if evidence:
        correction.evidence = evidence
    correction.full_clean()
    correction.save()
    return correction


@transaction.atomic
def request_session_correction(training_class: TrainingClass, *, by: User, now: datetime, held_on: date,
                               hours: Decimal, kind: str, reason: str, starts_at: time | None = None,
                               topic: str = "", teacher: str = "",
                               evidence: File | None = None) -> AttendanceCorrection:
    """A clerk asks county HR to add a session on a day already past once the class has started
    (R20, 三(七)). The session's fields are checked as schedule_session checks them (R5: the
    class dates, its hours and days, 8 hours a day) and stored as a pending AttendanceCorrection;
    the session exists only once HR approves, its marks then follow through an attendance
    correction."""
    tc = _lock_class(training_class)
    if tc.status != ClassStatus.IN_PROGRESS:
        raise ValidationError("只有培训中的班级需要申请补排已过去日期的课次:请直接排课。", code="correction_not_needed")
    policy.ensure_correction_reason(reason)
    hours = Decimal(hours)
    existing = list(tc.sessions.values_list("held_on", "hours"))
    policy.ensure_session_fits(
        held_on=held_on, start_on=tc.planned_start_on, end_on=tc.planned_end_on,
        scheduled_hours=sum((h for _, h in existing), Decimal(0)), hours=hours, total_hours=tc.total_hours,
        scheduled_days={d for d, _ in existing}, planned_days=tc.planned_days,
    )
    policy.ensure_day_hours(hours_that_day=sum((h for d, h in existing if d == held_on), Decimal(0)) + hours,
                            p=tc.params())
    correction = AttendanceCorrection(
        training_class=tc, reason=reason.strip(), requested_by=by, requested_at=now, marks={},
        new_session={"held_on": held_on.isoformat(), "starts_at": starts_at.strftime("%H:%M") if starts_at else None,
                     "hours": str(hours), "kind": kind, "topic": topic, "teacher": teacher},
    )
    if evidence:
        correction.evidence = evidence
    correction.full_clean()
    correction.save()
    return correction


def _lock_pending_correction(correction: AttendanceCorrection, by: User) -> AttendanceCorrection:
    _ensure_hr(by, county_id=correction.training_class.county_id)
    correction = AttendanceCorrection.objects.select_for_update().get(pk=correction.pk)
    if correction.status != CorrectionStatus.PENDING:
        raise ValidationError("该考勤更正申请已于%(at)s处理(%(status)s),不能重复审批。", code="correction_not_pending",
                              params={"at": f"{timezone.localtime(correction.decided_at):%Y-%m-%d %H:%M}",
                                      "status": correction.get_status_display()})
    return correction


@transaction.atomic
def approve_attendance_correction(correction: AttendanceCorrection, *, by: User, now: datetime,
                                  note: str = "") -> AttendanceCorrection:
    """County HR approves a correction (R20): a past session it asks for is added
    (schedule_session, every R5 check again), its marks are applied through record_attendance,
    each pointing to the correction, and the decision (who, when, note) is recorded."""
    correction = _lock_pending_correction(correction, by)
    if correction.session is None:
        wanted = correction.new_session
        assert wanted is not None  # courses_attendancecorrection_session_or_new_session
        correction.session = schedule_session(
            correction.training_class, by=by, held_on=date.fromisoformat(wanted["held_on"]),
            hours=Decimal(wanted["hours"]), kind=wanted["kind"], topic=wanted.get("topic", ""),
            teacher=wanted.get("teacher", ""), correction=correction,
            starts_at=datetime.strptime(wanted["starts_at"], "%H:%M").time() if wanted.get("starts_at") else None,
        )
    if correction.marks:
        record_attendance(correction.session, by=by, now=now, correction=correction,
                          marks={int(k): v for k, v in correction.marks.items()})
    correction.status, correction.decided_by, correction.decided_at = CorrectionStatus.APPROVED, by, now
    correction.decision_note = (note or "").strip()
    correction.full_clean()
    correction.save()
    return correction


@transaction.atomic
def refuse_attendance_correction(correction: AttendanceCorrection, *, by: User, now: datetime,
                                 reason: str) -> AttendanceCorrection:
    """County HR refuses a correction (R20) with the reason; the marks stay as they were."""
    correction = _lock_pending_correction(correction, by)
    _ensure_reason(reason)
    correction.status, correction.decided_by, correction.decided_at = CorrectionStatus.REFUSED, by, now
    correction.decision_note = reason.strip()
    correction.full_clean()
    correction.save()
    return correction


def new_voucher_code(year: int) -> str:
    """QJ2018-7KQ9M2XD4P: 10 random characters (about 50 bits), not guessable from another code."""
    return f"QJ{year}-" + "".join(secrets.choice(VOUCHER_ALPHABET) for _ in range(10))


@transaction.atomic
def issue_voucher(trainee: Trainee, *, by: User, policy_year: PolicyYear, today: date,
                  expires_on: date | None = None) -> Voucher:
    """A township issues a training voucher naming the trainee (四(三)); it expires at the end of
    the policy year unless another date is given.

    R14: a holder has at most one unused voucher. "Unused" is the status `issued`, which the
    partial unique constraint on (holder, policy_year) also reads; the database cannot see dates,
    so the holder's issued vouchers already past their expiry are first marked expired here
    (written to their history), and only then is an issued voucher left counted as unused.
    Locks, in the order enrolment by voucher uses: the holder's lapsed vouchers, then the
    trainee row, which serialises every issue for one person (a double-click gives one voucher).
    """
    scope = scope_of(by)
    if not (scope.acts_in_county(trainee.township.county_id) or scope.township_id == trainee.township_id):
        raise ValidationError("只能为本乡镇登记的学员发放培训券。", code="not_own_trainee")
    p = policy_year.params_for(trainee.township.county_id)
    if not p.is_voucher_pilot_on:
        raise ValidationError("本年度未开展培训券试点(《实施方案》四(三)):学员可凭乡镇推荐直接报名。",
                              code="voucher_pilot_off")
    expires_on = expires_on or date(policy_year.pk, 12, 31)
    if today > expires_on:
        raise ValidationError("%(year)d年度已结束,不能再发放该年度的培训券:请等县人社局开启新的政策年度。",
                              code="policy_year_over", params={"year": policy_year.pk})
    unused = Voucher.objects.filter(holder=trainee, status=VoucherStatus.ISSUED)
    lapsed = list(unused.select_for_update(of=("self",)).filter(expires_on__lt=today))
    trainee = Trainee.objects.select_for_update().get(pk=trainee.pk)
    for old in lapsed:
        old.status = VoucherStatus.EXPIRED
        old._change_reason = "有效期届满,标记为已过期"  # type: ignore[attr-defined]
        old.full_clean()
        old.save()
    # A plain read: under the trainee lock no other issue can run, and locking the vouchers again
    # here (after the trainee) would deadlock with an issue waiting at the line above.
    held = unused.order_by("issued_on", "pk").first()
    if held is not None:
        _refuse_second_voucher(held)
    voucher = Voucher(code=new_voucher_code(policy_year.pk), holder=trainee, township_id=trainee.township_id,
                      policy_year=policy_year, issued_on=today, expires_on=expires_on, issued_by=by)
    voucher.full_clean()
    try:
        with transaction.atomic():
            voucher.save()
    except IntegrityError:
        # The constraint caught an issue that bypassed the trainee lock: the same refusal.
        held = Voucher.objects.filter(holder=trainee, policy_year=policy_year, status=VoucherStatus.ISSUED).first()
        if held is None:
            raise
        _refuse_second_voucher(held)
    return voucher


def _refuse_second_voucher(held: Voucher) -> NoReturn:
    raise ValidationError(
        "该学员已有一张未使用的培训券(券号%(code)s,有效期至%(expires)s),每人只能持有一张未使用的培训券"
        "(《实施方案》四(三)):请先凭该券报名,或将其作废后再发放。",
        code="voucher_already_issued", params={"code": held.code, "expires": f"{held.expires_on:%Y年%m月%d日}"})


@transaction.atomic
def cancel_voucher(voucher: Voucher, *, by: User, reason: str) -> Voucher:
    """Cancel an issued voucher (lost, issued by mistake); a redeemed one keeps its enrolment."""
    voucher = Voucher.objects.select_for_update().get(pk=voucher.pk)
    scope = scope_of(by)
    if not (scope.acts_in_county(voucher.township.county_id) or scope.township_id == voucher.township_id):
        raise ValidationError("只能作废本乡镇发放的培训券。", code="not_own_voucher")
    if voucher.status != VoucherStatus.ISSUED:
        raise ValidationError("只有未使用的培训券可以作废。", code="voucher_not_issued")
    voucher.status = VoucherStatus.CANCELLED
    voucher._change_reason = f"作废:{reason}"  # type: ignore[attr-defined]
    voucher.full_clean()
    voucher.save()
    return voucher


VOUCHER_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
