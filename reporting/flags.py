"""The automatic anomaly checks of 《实施方案》三(七) (系统监测) and the service that records them.

Each check is a query over the whole county that yields findings (kind, key, summary, evidence
link, institution, class, trainee: the ids of what the finding is about, None where it is about
no single one); `detect_flags` records the new ones. A finding already recorded, open or
resolved, is never duplicated or reopened.
"""

from collections import Counter, defaultdict
from datetime import timedelta
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Exists, F, Max, Min, OuterRef, Q, Value
from django.db.models.functions import Coalesce, NullIf
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode

from accounts.scope import require_supervision, scope_of
from certification import policy as certification_policy
from certification.models import Certificate, EmploymentRecord
from checkin.models import CheckIn
from common.admin_scope import area_queryset
from common.numbers import rate_text
from courses import policy as course_policy
from courses.models import AttendanceRecord, Enrolment, Session, TrainingClass
from institutions.models import Flag, FlagKind
from programme.models import PolicyYear
from subsidies.models import ClaimLine, ClaimStatus
from trainees.models import Trainee
from trainees.policy import age_on, mask_id_number, mask_phone

LIVE_CLASS = course_policy.LIVE_STATUSES
# How a finding reaches the counties it concerns: its class's, its trainee's township's, its
# institution's listings (the admin's scope and resolve_flag read the same paths).
FLAG_COUNTY_PATHS = ("training_class__county", "trainee__township__county", "institution__years__county")


def _admin(model, pk):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_change", args=[pk])


def overlapping_classes():
    """A trainee on two live rosters whose class dates overlap (any institutions, any counties: a
    person is one row province-wide; the finding names the two counties when they differ)."""
    rows = (
        Enrolment.objects.filter(is_withdrawn=False, training_class__status__in=LIVE_CLASS)
        .annotate(ends_on=Coalesce("training_class__completed_on", "training_class__planned_end_on"))
        .values_list("pk", "trainee_id", "training_class__code", "training_class__planned_start_on", "ends_on",
                     "training_class__institution_id", "training_class_id", "training_class__county__name")
        .order_by("trainee_id", "training_class__planned_start_on")
    )
    by_trainee = defaultdict(list)
    for row in rows:
        by_trainee[row[1]].append(row)
    for trainee_id, enrolments in by_trainee.items():
        for i, first in enumerate(enrolments):
            for second in enrolments[i + 1:]:
                if second[3] <= first[4] and first[3] <= second[4]:
                    where = (f"{first[7]}{first[2]}和{second[7]}{second[2]}两个培训班(日期重叠,跨县)"
                             if first[7] != second[7] else f"{first[2]}和{second[2]}两个培训班(日期重叠)")
                    yield (FlagKind.OVERLAPPING_CLASSES, f"{first[0]}-{second[0]}", f"学员同时在{where}",
                           _admin(Trainee, trainee_id), second[5], second[6], trainee_id)


def shared_phones(limit=3):
    """A phone number registered for more than `limit` trainees."""
    for phone, count in (Trainee.objects.exclude(phone="").values_list("phone").annotate(n=Count("pk"))
                         .filter(n__gt=limit).order_by()):
        ids = ",".join(str(pk) for pk in Trainee.objects.filter(phone=phone).values_list("pk", flat=True))
        # The link names the trainees by id, never the phone number (no personal data in URLs).
        yield (FlagKind.SHARED_PHONE, phone, f"电话{mask_phone(phone)}登记了{count}名学员",
               reverse("admin:trainees_trainee_changelist") + f"?id__in={ids}", None, None, None)


def outside_working_age():
    """A trainee younger than the year's minimum (or older than its maximum) when enrolled (R13)."""
    limits = {y.pk: (y.min_age, y.max_age) for y in PolicyYear.objects.all()}
    for pk, enrolled_on, birth_on, year, number, institution_id, class_id, trainee_id in Enrolment.objects.values_list(
            "pk", "enrolled_on", "trainee__birth_on", "training_class__policy_year_id", "trainee__id_number",
            "training_class__institution_id", "training_class_id", "trainee_id"):
        low, high = limits[year]
        age = age_on(birth_on, enrolled_on)
        if age < low or (high is not None and age > high):
            yield (FlagKind.OUTSIDE_WORKING_AGE, str(pk), f"学员{mask_id_number(number)}报名时{age}周岁",
                   _admin(Enrolment, pk), institution_id, class_id, trainee_id)


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
               _admin(TrainingClass, class_id), institution_id, class_id, None)


def all_present(min_sessions=4):
    """A completed class whose every mark over at least `min_sessions` sessions is 'present' (real
    classes have absences; a perfect sheet deserves a look)."""
    classes = (
        TrainingClass.objects.filter(status__in=course_policy.FINISHED_STATUSES)
        .annotate(session_count=Count("sessions", distinct=True),
                  absent=Count("sessions__attendance", filter=Q(sessions__attendance__is_present=False)),
                  marks=Count("sessions__attendance"))
        .filter(session_count__gte=min_sessions, absent=0, marks__gt=0)
        .values_list("pk", "code", "institution_id", "session_count")
    )
    for pk, code, institution_id, count in classes:
        yield (FlagKind.ALL_PRESENT, str(pk), f"{code}全部{count}个课次无一人缺勤", _admin(TrainingClass, pk),
               institution_id, pk, None)


def employer_is_institution():
    for pk, name, institution_id, class_id, trainee_id in EmploymentRecord.objects.filter(
            is_employer_the_institution=True).values_list(
            "pk", "employer_name", "enrolment__training_class__institution_id", "enrolment__training_class_id",
            "trainee_id"):
        yield (FlagKind.EMPLOYER_IS_INSTITUTION, str(pk), f"就业单位「{name}」就是培训机构本身",
               _admin(EmploymentRecord, pk), institution_id, class_id, trainee_id)


def certificate_before_end():
    certificates = Certificate.objects.filter(
        Q(enrolment__training_class__completed_on__isnull=False, issued_on__lt=F("enrolment__training_class__completed_on"))
        | Q(enrolment__training_class__completed_on__isnull=True,
            issued_on__lt=F("enrolment__training_class__planned_end_on"))
    ).values_list("pk", "number", "issued_on", "enrolment__training_class__institution_id",
                  "enrolment__training_class_id", "trainee_id")
    for pk, number, issued_on, institution_id, class_id, trainee_id in certificates:
        yield (FlagKind.CERTIFICATE_BEFORE_END, str(pk), f"证书{number}发证日期{issued_on}早于结业日期",
               _admin(Certificate, pk), institution_id, class_id, trainee_id)


def subsidised_too_often():
    """A trainee with more first-instalment lines in a year than the year allows (R16)."""
    caps = dict(PolicyYear.objects.values_list("year", "max_subsidised_trainings"))
    rows = (ClaimLine.objects.filter(instalment="first", is_void=False).exclude(claim__status=ClaimStatus.REJECTED)
            .values_list("enrolment__trainee_id", "enrolment__trainee__id_number",
                         "enrolment__training_class__policy_year_id")
            .annotate(n=Count("pk")).order_by())
    for trainee_id, number, year, count in rows:
        if count > caps[year]:  # every class has its year (a protected foreign key)
            yield (FlagKind.SUBSIDISED_TOO_OFTEN, f"{trainee_id}-{year}",
                   f"学员{mask_id_number(number)}{year}年度享受补贴性培训{count}次", _admin(Trainee, trainee_id), None,
                   None, trainee_id)


def paid_in_two_counties():
    """One person (one ID number province-wide) on live claim lines of classes in two counties for
    the same occupation and level (R16: never twice for the same occupation at the same level;
    SPEC.md §1, a person is one row province-wide). Two queries."""
    lines = (ClaimLine.objects.filter(is_void=False)
             .exclude(claim__status__in=[ClaimStatus.DRAFT, ClaimStatus.REJECTED])
             .annotate(occupation_key=Coalesce(NullIf("enrolment__training_class__occupation__code", Value("")),
                                               "enrolment__training_class__occupation__name")))
    found = list(lines.values_list("enrolment__trainee_id", "enrolment__trainee__id_number", "occupation_key",
                                   "enrolment__training_class__level")
                 .annotate(counties=Count("enrolment__training_class__county", distinct=True))
                 .filter(counties__gt=1).order_by())
    names, occupations = defaultdict(set), {}
    for trainee_id, occupation, level, county, occupation_name in lines.filter(
            enrolment__trainee_id__in=[row[0] for row in found]).values_list(
            "enrolment__trainee_id", "occupation_key", "enrolment__training_class__level",
            "enrolment__training_class__county__name", "enrolment__training_class__occupation__name").distinct():
        names[trainee_id, occupation, level].add(county)
        occupations[occupation] = occupation_name
    for trainee_id, number, occupation, level, _ in found:
        level_name = course_policy.LEVEL_NAMES[course_policy.level_rank(level)] if level else ""
        counties = "、".join(sorted(names[trainee_id, occupation, level]))
        yield (FlagKind.PAID_IN_TWO_COUNTIES, f"{trainee_id}-{occupation}-{level}"[:200],
               f"学员{mask_id_number(number)}在{counties}均申领了{occupations.get(occupation, occupation)}"
               f"{level_name}培训补贴",
               _admin(Trainee, trainee_id), None, None, trainee_id)


def withdrawn_on_claim():
    for pk, code, institution_id, class_id, trainee_id in ClaimLine.objects.filter(
            is_void=False, enrolment__is_withdrawn=True).values_list(
            "pk", "claim__training_class__code", "claim__institution_id", "claim__training_class_id",
            "enrolment__trainee_id"):
        yield (FlagKind.WITHDRAWN_ON_CLAIM, str(pk), f"{code}的补贴申领中有已退学学员", _admin(ClaimLine, pk),
               institution_id, class_id, trainee_id)


# --- Attendance as it was taken (三(七) 实时监控、严格考勤, R20) ----------------------------------
# Each check reads the whole county in one or two grouped queries and judges each session
# against its own year's R20 window and thresholds (PolicyYear, 系统监测); one finding per class.

# A session and its class, as grouped by the queries over marks.
SESSION = ("session_id", "session__held_on", "session__starts_at", "session__hours", "session__training_class_id",
           "session__training_class__code", "session__training_class__institution_id",
           "session__training_class__policy_year_id")


def _year_params():
    return {year.pk: year.params() for year in PolicyYear.objects.all()}


def _closes_at(held_on, starts_at, hours, p):
    """The moment a session's R20 window closes: its end plus the year's grace period."""
    window = course_policy.attendance_window(held_on=held_on, starts_at=starts_at, hours=hours, p=p)
    return timezone.make_aware(window.closes_at, timezone.get_default_timezone())


def _widest_sitting(entries, *, minutes):
    """The most session dates whose marks were recorded within `minutes` of one another, as
    (dates, first moment, last moment), over `entries` of (recorded_at, held_on)."""
    entries = sorted(set(entries))
    span = timedelta(minutes=minutes)
    dates, low, best = Counter(), 0, (0, None, None)
    for at, day in entries:
        dates[day] += 1
        while at - entries[low][0] > span:
            left = entries[low][1]
            dates[left] -= 1
            if not dates[left]:
                del dates[left]
            low += 1
        if len(dates) >= best[0]:  # ties move on: the sitting is reported with its later entries
            best = (len(dates), entries[low][0], at)
    return best


def backfilled_attendance():
    """Marks entered after the fact (《实施方案》三(七) 实时监控、严格考勤, 系统监测; R20).

    A class is raised when marks not written by an approved correction were recorded (server
    time) once their session's window had closed, which only a way around the attendance screen
    can do; or when the sheets of sessions held on `backfill_min_days` different dates were
    entered in one sitting, within `backfill_sitting_minutes` of one another (a sheet counts as
    entered when its first and when its last mark were recorded). A morning and an afternoon
    session entered together at the end of their day are one date: a class marked day by day
    never reaches three, since a 24-hour grace leaves at most two dates of daytime sessions open
    at once; a long grace period is what lets a clerk type a whole course at the end."""
    years = _year_params()
    rows = (AttendanceRecord.objects.filter(correction__isnull=True, session__training_class__status__in=LIVE_CLASS)
            .values_list(*SESSION).annotate(first=Min("recorded_at"), last=Max("recorded_at")).order_by())
    classes, late, entries = {}, Counter(), defaultdict(list)
    for _, held_on, starts_at, hours, class_id, code, institution_id, year, first, last in rows:
        p = years[year]
        classes[class_id] = (code, institution_id, p)
        if last >= _closes_at(held_on, starts_at, hours, p):
            late[class_id] += 1
        entries[class_id] += [(first, held_on), (last, held_on)]
    for class_id, (code, institution_id, p) in classes.items():
        found = []
        if late[class_id]:
            found.append(f"{late[class_id]}个课次的考勤在录入期限(课次结束后{p.attendance_grace_hours}小时)过后才录入,"
                         f"且不是经批准的更正")
        days, first, last = _widest_sitting(entries[class_id], minutes=p.backfill_sitting_minutes)
        if days >= p.backfill_min_days:
            first, last = timezone.localtime(first), timezone.localtime(last)
            found.append(f"{days}个不同日期课次的考勤在{first:%Y-%m-%d %H:%M}至{last:%H:%M}一次录入")
        if found:
            yield (FlagKind.BACKFILLED_ATTENDANCE, str(class_id), f"{code}:{';'.join(found)}",
                   _admin(TrainingClass, class_id), institution_id, class_id, None)


def correction_share(min_marks=50):
    """A class with more of its marks written by approved corrections than the year's
    `max_correction_share` (《实施方案》三(七) 系统监测; R20): corrections are the exception, a
    class taught mostly on paper and typed in afterwards is not. Classes with fewer than
    `min_marks` marks are not judged (one corrected session would be a large share of them)."""
    years = _year_params()
    rows = (AttendanceRecord.objects.filter(session__training_class__status__in=LIVE_CLASS)
            .values_list("session__training_class_id", "session__training_class__code",
                         "session__training_class__institution_id", "session__training_class__policy_year_id")
            .annotate(marks=Count("pk"), corrected=Count("pk", filter=Q(correction__isnull=False)))
            .filter(marks__gte=min_marks, corrected__gt=0).order_by())
    for class_id, code, institution_id, year, marks, corrected in rows:
        p = years[year]
        share = Decimal(corrected) / marks
        if share > p.max_correction_share:
            yield (FlagKind.CORRECTION_SHARE, str(class_id),
                   f"{code}经批准更正录入的考勤{corrected}条,占全部{marks}条的{rate_text(share)}"
                   f"(上限{rate_text(p.max_correction_share)})", _admin(TrainingClass, class_id), institution_id,
                   class_id, None)


def sessions_without_photo(*, now):
    """Sessions with marks, whose window has closed by `now`, with fewer photos taken on site than
    the year's `photos_per_session` (《实施方案》三(七) 视频调阅, 系统监测); 0 does not check.
    A session added afterwards by a correction has none: it cannot be photographed any more."""
    years = _year_params()
    wanted = max((p.photos_per_session for p in years.values()), default=0)
    if not wanted:
        return
    rows = (Session.objects.filter(training_class__status__in=LIVE_CLASS, held_on__lte=timezone.localdate(now))
            .filter(Exists(AttendanceRecord.objects.filter(session=OuterRef("pk"))))
            .annotate(photo_count=Count("photos")).filter(photo_count__lt=wanted)
            .values_list("held_on", "starts_at", "hours", "training_class_id", "training_class__code",
                         "training_class__institution_id", "training_class__policy_year_id", "photo_count")
            .order_by())
    classes, missing = {}, Counter()
    for held_on, starts_at, hours, class_id, code, institution_id, year, photos in rows:
        p = years[year]
        if photos < p.photos_per_session and _closes_at(held_on, starts_at, hours, p) <= now:
            classes[class_id] = (code, institution_id, p)
            missing[class_id] += 1
    for class_id, (code, institution_id, p) in classes.items():
        what = "没有现场照片" if p.photos_per_session == 1 else f"现场照片少于{p.photos_per_session}张"
        yield (FlagKind.SESSIONS_WITHOUT_PHOTO, str(class_id), f"{code}有{missing[class_id]}个已结束的课次{what}",
               _admin(TrainingClass, class_id), institution_id, class_id, None)


def few_check_ins(*, now, min_present=10):
    """A class whose marks say present where few of those trainees checked in themselves
    (《实施方案》三(七) 实时监控、严格考勤, 系统监测): over its sessions whose window has closed by
    `now`, the present marks with a check-in of the same trainee and session are fewer than the
    year's `min_check_in_share` of the present marks (0 does not check). Classes with fewer than
    `min_present` present marks are not judged yet."""
    years = _year_params()
    if not any(p.min_check_in_share for p in years.values()):
        return
    today = timezone.localdate(now)
    rows = (AttendanceRecord.objects.filter(is_present=True, session__training_class__status__in=LIVE_CLASS,
                                            session__held_on__lte=today)
            .values_list(*SESSION).annotate(present=Count("pk")).order_by())
    # Check-ins of a trainee marked present in that session, counted per session (a semi-join
    # over the check-ins, never a lookup per mark).
    marked_present = AttendanceRecord.objects.filter(session_id=OuterRef("session_id"),
                                                     enrolment_id=OuterRef("enrolment_id"), is_present=True)
    checked = dict(CheckIn.objects.filter(Exists(marked_present), session__training_class__status__in=LIVE_CLASS,
                                          session__held_on__lte=today)
                   .values_list("session_id").annotate(n=Count("pk")).order_by())
    classes, present, checked_in = {}, Counter(), Counter()
    for session_id, held_on, starts_at, hours, class_id, code, institution_id, year, marks in rows:
        p = years[year]
        if p.min_check_in_share and _closes_at(held_on, starts_at, hours, p) <= now:
            classes[class_id] = (code, institution_id, p)
            present[class_id] += marks
            checked_in[class_id] += checked.get(session_id, 0)
    for class_id, (code, institution_id, p) in classes.items():
        share = Decimal(checked_in[class_id]) / present[class_id]
        if present[class_id] >= min_present and share < p.min_check_in_share:
            yield (FlagKind.FEW_CHECK_INS, str(class_id),
                   f"{code}已结束课次的考勤记出勤{present[class_id]}人次,本人自助签到的只有{checked_in[class_id]}人次"
                   f"({rate_text(share)},下限{rate_text(p.min_check_in_share)})", _admin(TrainingClass, class_id),
                   institution_id, class_id, None)


# --- Employment (R23 《实施方案》四(二)、三(七) 杜绝弄虚作假) -------------------------------------


def uncoded_employer():
    """One employer without a valid unified social credit code (named alike once spaces are
    stripped) that took on more trainees in a year than the year's `uncoded_employer_max_hires`
    (0 does not check): a real unit has a code, a name that many trainees "work for" may be made
    up. One finding per employer name and year, linking the employment records by id (never
    by a person's data); the institution when all of them followed one institution's classes."""
    limits = {year: p.uncoded_employer_max_hires for year, p in _year_params().items()}
    if not any(limits.values()):
        return
    # The check character is judged here, once per distinct code (far fewer than the records).
    invalid = [code for code in EmploymentRecord.objects.exclude(employer_credit_code="")
               .values_list("employer_credit_code", flat=True).distinct().order_by()
               if not certification_policy.is_valid_credit_code(code)]
    rows = (EmploymentRecord.objects.filter(Q(employer_credit_code="") | Q(employer_credit_code__in=invalid))
            .values_list("pk", "employer_name", "trainee_id", "enrolment__training_class__policy_year_id",
                         "started_on", "enrolment__training_class__institution_id").order_by("pk"))
    groups = defaultdict(list)
    for pk, name, trainee_id, year, started_on, institution_id in rows:
        groups[("".join(name.split()), year or started_on.year)].append((pk, name, trainee_id, institution_id))
    for (name, year), records in groups.items():
        limit = limits.get(year, 0)
        trainees = {trainee_id for _, _, trainee_id, _ in records}
        if not limit or len(trainees) <= limit:
            continue
        institutions = {institution_id for _, _, _, institution_id in records}
        yield (FlagKind.UNCODED_EMPLOYER, f"{year}-{name}",
               f"用人单位「{records[0][1]}」无有效统一社会信用代码,{year}年度招用学员{len(trainees)}名(超过{limit}名)",
               _employment_link([pk for pk, _, _, _ in records], [raw for _, raw, _, _ in records], year),
               institutions.pop() if len(institutions) == 1 else None, None, None)


def employment_in_advance():
    """An employment record whose start date was after the day it was recorded (R23 《实施方案》
    四(二)、三(七)): a job written down before it began is a promise, not evidence of employment,
    even once the date has passed."""
    records = EmploymentRecord.objects.values_list(
        "pk", "started_on", "recorded_at", "employer_name", "enrolment__training_class__institution_id",
        "enrolment__training_class_id", "trainee_id").filter(started_on__gt=F("recorded_at__date"))
    for pk, started_on, recorded_at, name, institution_id, class_id, trainee_id in records:
        recorded_on = timezone.localdate(recorded_at)
        if started_on <= recorded_on:  # the database's date of the moment is UTC; the county's is Shanghai
            continue
        yield (FlagKind.EMPLOYMENT_IN_ADVANCE, str(pk),
               f"就业记录于{recorded_on}录入,就业日期却是{started_on}(「{name}」):录入时尚未就业",
               _admin(EmploymentRecord, pk), institution_id, class_id, trainee_id)


def lower_level_after_higher():
    """A trainee on a roster for a level below one already certified in that occupation before the
    class started (R16, judged by certificates and dates): the lower level is not subsidised."""
    leveled = Certificate.objects.exclude(level="")
    held = defaultdict(list)
    for trainee_id, code, name, level, issued_on in leveled.values_list(
            "trainee_id", "occupation__code", "occupation__name", "level", "issued_on"):
        held[trainee_id].append((code or name, course_policy.level_rank(level), issued_on))
    # A subquery, so the check costs the same two queries whether or not any certificate has a level.
    enrolments = (Enrolment.objects.filter(trainee_id__in=leveled.values("trainee_id"), is_withdrawn=False,
                                           training_class__status__in=LIVE_CLASS)
                  .exclude(training_class__level="")
                  .annotate(start_on=Coalesce("training_class__started_on", "training_class__planned_start_on"))
                  .values_list("pk", "trainee_id", "training_class__code", "training_class__occupation__code",
                               "training_class__occupation__name", "training_class__level", "start_on",
                               "training_class__institution_id", "training_class_id"))
    for pk, trainee_id, class_code, code, name, level, start_on, institution_id, class_id in enrolments:
        rank = course_policy.level_rank(level)
        higher = [(other_rank, issued_on) for key, other_rank, issued_on in held[trainee_id]
                  if key == (code or name) and other_rank > rank and issued_on <= start_on]
        if higher:
            best = max(higher)
            yield (FlagKind.LOWER_LEVEL_AFTER_HIGHER, str(pk),
                   f"学员已于{best[1]}取得该职业(工种){course_policy.LEVEL_NAMES[best[0]]}证书,"
                   f"又参加{course_policy.LEVEL_NAMES[rank]}培训班{class_code}",
                   _admin(Enrolment, pk), institution_id, class_id, trainee_id)


def _employment_link(ids, names, year):
    """The employment records' admin list, filtered to those records by id; past what a flag's
    link may hold, to the employer's names as typed (the most typed one if all do not fit) in
    the year instead."""
    room = Flag._meta.get_field("evidence_url").max_length
    changelist = reverse("admin:certification_employmentrecord_changelist")
    url = changelist + "?id__in=" + ",".join(str(pk) for pk in ids)
    if len(url) <= room:
        return url
    year_filter = {"enrolment__training_class__policy_year__year__exact": year}
    url = changelist + "?" + urlencode({"employer_name__in": ",".join(sorted(set(names))), **year_filter})
    if len(url) <= room:
        return url
    most_typed = Counter(names).most_common(1)[0][0]
    return changelist + "?" + urlencode({"employer_name": most_typed, **year_filter})


CHECKS = [overlapping_classes, shared_phones, outside_working_age, attendance_outside_dates, all_present,
          employer_is_institution, certificate_before_end, subsidised_too_often, withdrawn_on_claim,
          backfilled_attendance, correction_share, sessions_without_photo, few_check_ins, uncoded_employer,
          employment_in_advance, lower_level_after_higher, paid_in_two_counties]
# The checks that judge only sessions whose window has closed take the moment of the run.
AS_OF_NOW = {sessions_without_photo, few_check_ins}


def findings(*, now=None):
    now = now or timezone.now()
    for check in CHECKS:
        yield from check(now=now) if check in AS_OF_NOW else check()


@transaction.atomic
def detect_flags(*, now=None):
    """Run every check as of `now` (the server's clock unless given) and record the findings not
    yet recorded. Returns how many are new."""
    known = set(Flag.objects.values_list("kind", "key"))
    new = [
        Flag(kind=kind, key=key[:200], summary=summary[:300], evidence_url=url, institution_id=institution_id,
             training_class_id=class_id, trainee_id=trainee_id)
        for kind, key, summary, url, institution_id, class_id, trainee_id in findings(now=now)
        if (kind, key[:200]) not in known
    ]
    Flag.objects.bulk_create(new, ignore_conflicts=True)
    return len(new)


@transaction.atomic
def resolve_flag(flag, *, by, note):
    """HR or a supervisor of the finding's area closes it with what was checked and decided."""
    require_supervision(by, action="处理异常提示")
    if not area_queryset(Flag.objects.filter(pk=flag.pk), scope_of(by), FLAG_COUNTY_PATHS).exists():
        raise ValidationError("该异常提示不属于您的辖区,由其所在县(市、区)或上级督导处理。", code="not_own_county")
    if not (note or "").strip():
        raise ValidationError("请写明核查情况和处理意见。", code="reason_required")
    flag = Flag.objects.select_for_update().get(pk=flag.pk)
    if flag.resolved_at is not None:
        raise ValidationError("该异常已处理。", code="already_resolved")
    flag.resolved_by, flag.resolved_at, flag.resolution_note = by, timezone.now(), note
    flag.full_clean()
    flag.save()
    return flag
