"""The annual institution performance (R11) for a whole year in a fixed number of queries."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db.models import Count, Exists, F, Max, OuterRef, Q
from django.db.models.functions import Coalesce
from django.utils import timezone

from certification.models import EmploymentRecord
from certification.selectors import certified
from courses.models import (
    AttendanceCorrection,
    ClassStatus,
    CorrectionStatus,
    Enrolment,
    TrainingClass,
    load_params,
)
from courses.policy import FINISHED_STATUSES, LIVE_STATUSES, RUNNING_STATUSES, employment_window_ends_on
from courses.selectors import AttendanceSheet, classes_visible_to
from courses.services import attendance_window, county_time
from institutions.models import TrainingInstitution
from reporting.policy import (
    FiguresStatus,
    annual_figures_status,
    counts_as_employed,
    institution_performance,
)
from subsidies.models import ClaimStatus
from subsidies.services import APPROVED_OR_LATER

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User
    from django.db.models import QuerySet

    from programme.models import PolicyYear
    from reporting.policy import Performance

# The classes whose trainees the year's figures count, and those still to end (R11).
FINISHED = FINISHED_STATUSES
UNFINISHED = RUNNING_STATUSES


@dataclass(frozen=True)
class AnnualPerformance:
    """The year's (institution, Performance) pairs, iterated as before, and whether they are
    final (`status`, R11's annual_figures_status)."""

    rows: list[tuple[TrainingInstitution, Performance]]
    status: FiguresStatus

    def __iter__(self) -> Iterator[tuple[TrainingInstitution, Performance]]:
        return iter(self.rows)

    def __len__(self) -> int:
        return len(self.rows)


def employed_enrolments(policy_year: PolicyYear, *, today: date | None = None,
                        within: QuerySet[Enrolment] | None = None) -> dict[int, int]:
    """The metric "employed", defined once for every page that shows it (the dashboard and the
    public page, the township's progress by category, the annual review of R11): a roster row of
    the year, not withdrawn, whose employment counts under R23 and R7
    (reporting.policy.counts_as_employed) as of `today` (the county's date by default):
    verified by HR, with HR's written note where the employer needs scrutiny
    (EmploymentRecord.is_verified_for_payment, the test the claim applies), started on or after
    the class's start, not in the future, and by the end of the R7 window, judged against the
    class's actual dates, else the planned ones. Optionally only the rows `within` a queryset of
    enrolments. Returns the trainee's id by roster row id (count distinct values for people).
    One query."""
    today = today or timezone.localdate()
    p = policy_year.params()
    records = EmploymentRecord.objects.filter(enrolment__training_class__policy_year=policy_year,
                                              enrolment__is_withdrawn=False, verified_at__isnull=False)
    if within is not None:
        records = records.filter(enrolment__in=within)
    employed: dict[int, int] = {}
    for record in records.annotate(
        person=F("enrolment__trainee_id"),
        class_start_on=Coalesce("enrolment__training_class__started_on",
                                "enrolment__training_class__planned_start_on"),
        class_end_on=Coalesce("enrolment__training_class__completed_on",
                              "enrolment__training_class__planned_end_on"),
    ).only("enrolment_id", "started_on", "verified_at", "verification_note", "is_employer_the_institution",
           "employer_credit_code"):
        if record.enrolment_id is not None and counts_as_employed(
                started_on=record.started_on, is_verified=record.is_verified_for_payment,
                class_start_on=record.class_start_on, class_end_on=record.class_end_on, today=today, p=p):
            employed[record.enrolment_id] = record.person
    return employed


def figures_status(policy_year: PolicyYear, *, today: date) -> FiguresStatus:
    """R11's annual_figures_status of the year as of `today`: whether its figures are final, in
    one query (the annual review's first; a page checks it before queueing the review's work)."""
    classes = TrainingClass.objects.filter(policy_year=policy_year).aggregate(
        last_end_on=Max(Coalesce("completed_on", "planned_end_on"), filter=Q(status__in=LIVE_STATUSES)),
        unfinished=Count("pk", filter=Q(status__in=UNFINISHED)),
    )
    return annual_figures_status(is_year_closed=policy_year.is_closed, last_class_end_on=classes["last_end_on"],
                                 unfinished_classes=classes["unfinished"], today=today, p=policy_year.params())


def annual_performance(policy_year: PolicyYear, *, today: date | None = None,
                       county_id: int | None = None) -> AnnualPerformance:
    """Per institution with completed trainees in the year: completed, certified and employed
    counts and the R11 decision (reporting.policy.institution_performance), and whether the
    figures are final or provisional as of `today` (the county's date by default). Completed
    trainees are the active roster rows of the year's completed or closed classes; employed is
    the metric every page reads (employed_enrolments: employment that counts under R23, judged
    against the class's actual start and end dates, else the planned ones). Of one county's classes
    (judged by the county's year) when `county_id` is given. Five queries, whatever the year's size."""
    today = today or timezone.localdate()
    p = policy_year.params_for(county_id)
    status = figures_status(policy_year, today=today)
    finished = Enrolment.objects.filter(training_class__policy_year=policy_year, is_withdrawn=False,
                                        training_class__status__in=FINISHED)
    if county_id is not None:
        finished = finished.filter(training_class__county_id=county_id)
    enrolments = (
        finished
        .annotate(
            # The one "certified" (certification.selectors.certified), as an EXISTS so a row
            # with two certificates counts once.
            has_certificate=Exists(Enrolment.objects.filter(certified(), pk=OuterRef("pk"))),
            institution_id=F("training_class__institution_id"),
        )
        .values_list("pk", "institution_id", "has_certificate")
    )
    employed_rows = employed_enrolments(policy_year, today=today,
                                        within=finished if county_id is not None else None)
    figures: dict[int, tuple[int, int, int]] = {}
    for pk, institution_id, has_certificate in enrolments:
        completed, with_certificate, employed = figures.get(institution_id, (0, 0, 0))
        figures[institution_id] = (completed + 1, with_certificate + bool(has_certificate),
                                   employed + (pk in employed_rows))
    institutions = TrainingInstitution.objects.filter(pk__in=figures).order_by("name")
    rows = [
        (institution, institution_performance(completed=figures[institution.pk][0],
                                              certified=figures[institution.pk][1],
                                              employed=figures[institution.pk][2], p=p))
        for institution in institutions
    ]
    return AnnualPerformance(rows=rows, status=status)


def todo_for_institution(user: User | AnonymousUser, *, today: date,
                         now: datetime | None = None) -> dict[str, list[Any]]:
    """What an institution's clerk has to do now: returned applications, sessions without
    attendance, trainees about to miss the attendance threshold, employment follow-ups still due
    in the window, claims to generate or submit."""
    classes = classes_visible_to(user).select_related("policy_year")
    county_now = county_time(now or timezone.now())
    pending = set(AttendanceCorrection.objects.filter(
        training_class__in=classes, status=CorrectionStatus.PENDING, session__isnull=False,
    ).values_list("session_id", flat=True))
    # Each list holds the rows its part of the page shows: classes, or tuples starting with the class.
    todo: dict[str, list[Any]] = {"returned": list(classes.filter(status=ClassStatus.RETURNED)), "sessions": [],
                                  "at_risk": [], "employment": [], "claims": []}
    sheets = AttendanceSheet.for_classes(classes.filter(status=ClassStatus.IN_PROGRESS))
    completed = list(classes.filter(status=ClassStatus.COMPLETED).prefetch_related("claims"))
    load_params([sheet.training_class for sheet in sheets] + completed)
    for sheet in sheets:
        training_class = sheet.training_class
        p = training_class.params()
        for session in sheet.sessions:
            if session.held_on <= today and any((e.pk, session.pk) not in sheet.marks
                                                for e in sheet.roster_for(session)):
                # R20 (三(七)): until when the marks may be entered, or that only a correction
                # county HR approves can add them now (unless one is already waiting).
                window = attendance_window(session, p)
                phase = ("upcoming" if county_now < window.opens_at
                         else "open" if county_now < window.closes_at else "closed")
                if phase != "closed" or session.pk not in pending:
                    todo["sessions"].append((training_class, session, window, phase))
        for enrolment in sheet.active_enrolments:
            standing = sheet.standing(enrolment, p)
            if standing.best_reachable_rate < p.min_attendance_rate + Decimal("0.05"):
                todo["at_risk"].append((training_class, enrolment, standing))
    # Trainees still without an employment record, per class, in one query.
    unemployed = dict(
        Enrolment.objects.filter(training_class__in=[c.pk for c in completed], is_withdrawn=False,
                                 meets_attendance=True, employment__isnull=True)
        .values_list("training_class").annotate(n=Count("pk")).order_by()
    )
    for training_class in completed:
        p = training_class.params()
        window_end = employment_window_ends_on(training_class.end_on, p=p)
        if today <= window_end:
            missing = unemployed.get(training_class.pk, 0)
            if missing:
                todo["employment"].append((training_class, missing, window_end))
        claims = list(training_class.claims.all())
        if not any(c.instalment == "first" for c in claims):
            todo["claims"].append((training_class, "生成首期申领"))
        elif today > window_end and not any(c.instalment == "second" for c in claims) and any(
                c.instalment == "first" and c.status in APPROVED_OR_LATER for c in claims):
            todo["claims"].append((training_class, "就业认定期已结束,生成二期申领"))
        for claim in claims:
            if claim.status == ClaimStatus.DRAFT:
                todo["claims"].append((training_class, f"提交{claim.get_instalment_display()}申领"))
    return todo
