"""The annual institution performance (R11) for a whole year in a fixed number of queries."""

from django.db.models import Exists, F, OuterRef

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


