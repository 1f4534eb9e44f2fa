"""The automatic anomaly checks of 《实施方案》三(七) (系统监测) and the service that records them.

Each check is a query over the whole county that yields findings (kind, key, summary, evidence
link, institution); `detect_flags` records the new ones. A finding already recorded, open or
resolved, is never duplicated or reopened.
"""

from collections import defaultdict

from django.db import transaction
from django.db.models import Count, F, Q
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone

from certification.models import Certificate, EmploymentRecord
from courses.models import AttendanceRecord, ClassStatus, Enrolment, TrainingClass
from institutions.models import Flag, FlagKind
from subsidies.models import ClaimLine, ClaimStatus
from trainees.models import Trainee
from trainees.policy import age_on, mask_id_number, mask_phone

LIVE_CLASS = [ClassStatus.APPROVED, ClassStatus.IN_PROGRESS, ClassStatus.COMPLETED, ClassStatus.CLOSED]


def _admin(model, pk):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_change", args=[pk])


def overlapping_classes():
    """A trainee on two live rosters whose class dates overlap (any institutions)."""
    rows = (
        Enrolment.objects.filter(is_withdrawn=False, training_class__status__in=LIVE_CLASS)
        .annotate(ends_on=Coalesce("training_class__completed_on", "training_class__planned_end_on"))
        .values_list("pk", "trainee_id", "training_class__code", "training_class__planned_start_on", "ends_on",
                     "training_class__institution_id")
        .order_by("trainee_id", "training_class__planned_start_on")
    )
    by_trainee = defaultdict(list)
    for row in rows:
        by_trainee[row[1]].append(row)
    for trainee_id, enrolments in by_trainee.items():
        for i, first in enumerate(enrolments):
            for second in enrolments[i + 1:]:
                if second[3] <= first[4] and first[3] <= second[4]:
                    yield (FlagKind.OVERLAPPING_CLASSES, f"{first[0]}-{second[0]}",
                           f"学员同时在{first[2]}和{second[2]}两个培训班(日期重叠)",
                           _admin(Trainee, trainee_id), second[5])


def shared_phones(limit=3):
    """A phone number registered for more than `limit` trainees."""
    for phone, count in (Trainee.objects.exclude(phone="").values_list("phone").annotate(n=Count("pk"))
                         .filter(n__gt=limit).order_by()):
        ids = ",".join(str(pk) for pk in Trainee.objects.filter(phone=phone).values_list("pk", flat=True))
        # The link names the trainees by id, never the phone number (no personal data in URLs).
        yield (FlagKind.SHARED_PHONE, phone, f"电话{mask_phone(phone)}登记了{count}名学员",
               reverse("admin:trainees_trainee_changelist") + f"?id__in={ids}", None)


def outside_working_age():
    """A trainee younger than the year's minimum (or older than its maximum) when enrolled (R13)."""
    from skills_program.models import PolicyYear

    limits = {y.pk: (y.min_age, y.max_age) for y in PolicyYear.objects.all()}
    for pk, enrolled_on, birth_on, year, number, institution_id in Enrolment.objects.values_list(
            "pk", "enrolled_on", "trainee__birth_on", "training_class__policy_year_id", "trainee__id_number",
            "training_class__institution_id"):
        low, high = limits[year]
        age = age_on(birth_on, enrolled_on)
        if age < low or (high is not None and age > high):
            yield (FlagKind.OUTSIDE_WORKING_AGE, str(pk), f"学员{mask_id_number(number)}报名时{age}周岁",
                   _admin(Enrolment, pk), institution_id)


def attendance_outside_dates():
    """Attendance marked for a session outside the class dates or after the class ended."""
    sessions = (
        AttendanceRecord.objects.filter(
            Q(session__held_on__lt=F("session__training_class__planned_start_on"))
            | Q(session__held_on__gt=F("session__training_class__planned_end_on"))
            | Q(session__training_class__completed_on__isnull=False,
                session__held_on__gt=F("session__training_class__completed_on"))
        ).values_list("session_id", "session__held_on", "session__training_class__code",
                      "session__training_class_id", "session__training_class__institution_id").distinct()
    )
    for session_id, held_on, code, class_id, institution_id in sessions:
        yield (FlagKind.ATTENDANCE_OUTSIDE_DATES, str(session_id), f"{code}在{held_on}(培训班日期之外)有考勤记录",
               _admin(TrainingClass, class_id), institution_id)


def all_present(min_sessions=4):
    """A completed class whose every mark over at least `min_sessions` sessions is 'present' (real
    classes have absences; a perfect sheet deserves a look)."""
    classes = (
        TrainingClass.objects.filter(status__in=[ClassStatus.COMPLETED, ClassStatus.CLOSED])
        .annotate(session_count=Count("sessions", distinct=True),
                  absent=Count("sessions__attendance", filter=Q(sessions__attendance__is_present=False)),
                  marks=Count("sessions__attendance"))
        .filter(session_count__gte=min_sessions, absent=0, marks__gt=0)
        .values_list("pk", "code", "institution_id", "session_count")
    )
    for pk, code, institution_id, count in classes:
        yield (FlagKind.ALL_PRESENT, str(pk), f"{code}全部{count}个课次无一人缺勤", _admin(TrainingClass, pk),
               institution_id)


def employer_is_institution():
    for pk, name, institution_id in EmploymentRecord.objects.filter(is_employer_the_institution=True).values_list(
            "pk", "employer_name", "enrolment__training_class__institution_id"):
        yield (FlagKind.EMPLOYER_IS_INSTITUTION, str(pk), f"就业单位「{name}」就是培训机构本身",
               _admin(EmploymentRecord, pk), institution_id)


def certificate_before_end():
    certificates = Certificate.objects.filter(
        Q(enrolment__training_class__completed_on__isnull=False, issued_on__lt=F("enrolment__training_class__completed_on"))
        | Q(enrolment__training_class__completed_on__isnull=True,
            issued_on__lt=F("enrolment__training_class__planned_end_on"))
    ).values_list("pk", "number", "issued_on", "enrolment__training_class__institution_id")
    for pk, number, issued_on, institution_id in certificates:
        yield (FlagKind.CERTIFICATE_BEFORE_END, str(pk), f"证书{number}发证日期{issued_on}早于结业日期",
               _admin(Certificate, pk), institution_id)


def subsidised_too_often():
    """A trainee with more first-instalment lines in a year than the year allows (R16)."""
    from skills_program.models import PolicyYear

    caps = dict(PolicyYear.objects.values_list("year", "max_subsidised_trainings"))
    rows = (ClaimLine.objects.filter(instalment="first", is_void=False).exclude(claim__status=ClaimStatus.REJECTED)
            .values_list("enrolment__trainee_id", "enrolment__trainee__id_number",
                         "enrolment__training_class__policy_year_id")
            .annotate(n=Count("pk")).order_by())
    for trainee_id, number, year, count in rows:
        if count > caps.get(year, 3):
            yield (FlagKind.SUBSIDISED_TOO_OFTEN, f"{trainee_id}-{year}",
                   f"学员{mask_id_number(number)}{year}年度享受补贴性培训{count}次", _admin(Trainee, trainee_id), None)


def withdrawn_on_claim():
    for pk, code, institution_id in ClaimLine.objects.filter(is_void=False, enrolment__is_withdrawn=True).values_list(
            "pk", "claim__training_class__code", "claim__institution_id"):
        yield (FlagKind.WITHDRAWN_ON_CLAIM, str(pk), f"{code}的补贴申领中有已退学学员", _admin(ClaimLine, pk),
               institution_id)


CHECKS = [overlapping_classes, shared_phones, outside_working_age, attendance_outside_dates, all_present,
          employer_is_institution, certificate_before_end, subsidised_too_often, withdrawn_on_claim]


def findings():
    for check in CHECKS:
        yield from check()


@transaction.atomic
def detect_flags():
    """Run every check and record the findings not yet recorded. Returns how many are new."""
    known = set(Flag.objects.values_list("kind", "key"))
    new = [
        Flag(kind=kind, key=key[:200], summary=summary[:300], evidence_url=url, institution_id=institution_id)
        for kind, key, summary, url, institution_id in findings() if (kind, key[:200]) not in known
    ]
    Flag.objects.bulk_create(new, ignore_conflicts=True)
    return len(new)


@transaction.atomic
def resolve_flag(flag, *, by, note):
    """HR closes a finding with what was checked and decided."""
    from django.core.exceptions import ValidationError

    from accounts.scope import scope_of
    from subsidies.policy import ensure_hr_officer

    ensure_hr_officer(is_hr=scope_of(by).is_hr)
    if not (note or "").strip():
        raise ValidationError("请写明核查情况和处理意见。", code="reason_required")
    flag = Flag.objects.select_for_update().get(pk=flag.pk)
    if flag.resolved_at is not None:
        raise ValidationError("该异常已处理。", code="already_resolved")
    flag.resolved_by, flag.resolved_at, flag.resolution_note = by, timezone.now(), note
    flag.full_clean()
    flag.save()
    return flag
