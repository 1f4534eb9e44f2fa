"""The annual institution performance (R11) for a whole year in a fixed number of queries."""

from decimal import Decimal

from django.db.models import Count, Exists, F, OuterRef
from django.utils import timezone

from certification.models import Certificate, EmploymentRecord
from courses.models import Enrolment
from institutions.models import TrainingInstitution
from institutions.policy import institution_performance
from subsidies.policy import add_calendar_months


def annual_performance(policy_year):
    """Per institution with completed trainees in the year: completed, certified and employed
    counts and the R11 decision. Completed trainees are the active roster rows of the year's
    completed or closed classes; employed means employment verified by HR that began between the
    class start and the end of the window (calendar months after the class end)."""
    p = policy_year.params()
    enrolments = (
        Enrolment.objects.filter(training_class__policy_year=policy_year, is_withdrawn=False,
                                 training_class__status__in=["completed", "closed"])
        .annotate(
            has_certificate=Exists(Certificate.objects.filter(enrolment=OuterRef("pk"))),
            institution_id=F("training_class__institution_id"),
            end_on=F("training_class__completed_on"),
            start_on=F("training_class__started_on"),
        )
        .values("pk", "institution_id", "has_certificate", "end_on", "start_on")
    )
    jobs = {}
    # Only employment HR has verified counts (三(七) 杜绝弄虚作假).
    for enrolment_id, started_on in EmploymentRecord.objects.filter(
        enrolment__training_class__policy_year=policy_year, verified_at__isnull=False
    ).values_list("enrolment_id", "started_on"):
        jobs.setdefault(enrolment_id, []).append(started_on)
    figures = {}
    for row in enrolments:
        completed, certified, employed = figures.get(row["institution_id"], (0, 0, 0))
        window_end = add_calendar_months(row["end_on"], p.employment_window_months)
        in_window = any(row["start_on"] <= day <= window_end for day in jobs.get(row["pk"], []))
        figures[row["institution_id"]] = (completed + 1, certified + row["has_certificate"], employed + in_window)
    institutions = TrainingInstitution.objects.filter(pk__in=figures).order_by("name")
    return [
        (institution, institution_performance(completed=figures[institution.pk][0],
                                              certified=figures[institution.pk][1],
                                              employed=figures[institution.pk][2], p=p))
        for institution in institutions
    ]




def todo_for_institution(user, *, today, now=None):
    """What an institution's clerk has to do now: returned applications, sessions without
    attendance, trainees about to miss the attendance threshold, employment follow-ups still due
    in the window, claims to generate or submit."""
    from courses.models import AttendanceCorrection, ClassStatus, CorrectionStatus
    from courses.selectors import AttendanceSheet, classes_visible_to
    from courses.services import attendance_window, county_time
    from subsidies.models import ClaimStatus
    from subsidies.policy import employment_window_ends_on
    from subsidies.services import APPROVED_OR_LATER

    classes = classes_visible_to(user).select_related("policy_year")
    county_now = county_time(now or timezone.now())
    pending = set(AttendanceCorrection.objects.filter(
        training_class__in=classes, status=CorrectionStatus.PENDING, session__isnull=False,
    ).values_list("session_id", flat=True))
    todo = {"returned": list(classes.filter(status=ClassStatus.RETURNED)), "sessions": [], "at_risk": [],
            "employment": [], "claims": []}
    for sheet in AttendanceSheet.for_classes(classes.filter(status=ClassStatus.IN_PROGRESS)):
        training_class = sheet.training_class
        p = training_class.policy_year.params()
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
    completed = list(classes.filter(status=ClassStatus.COMPLETED).prefetch_related("claims"))
    # Trainees still without an employment record, per class, in one query.
    unemployed = dict(
        Enrolment.objects.filter(training_class__in=[c.pk for c in completed], is_withdrawn=False,
                                 meets_attendance=True, employment__isnull=True)
        .values_list("training_class").annotate(n=Count("pk")).order_by()
    )
    for training_class in completed:
        p = training_class.policy_year.params()
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
