"""Whole-workflow fixtures built through the services, as the portal would build them."""

import datetime
import math
from datetime import date
from decimal import Decimal

from django.utils import timezone

from certification import services as certification
from courses import services as courses
from tests import factories

START = date(2018, 6, 4)  # a Monday


def county_moment(day, at=datetime.time(12)):
    """The aware moment of `day` at `at` on the county's clock (Asia/Shanghai), for the services'
    `now` (R20's attendance window)."""
    return timezone.make_aware(datetime.datetime.combine(day, at))


def approved_class(clerk, officer, **kwargs):
    """A class application submitted by `clerk` and approved by `officer`, through the services."""
    training_class = factories.class_application(**kwargs)
    courses.submit_class_application(training_class, by=clerk)
    courses.approve_class(training_class, by=officer)
    training_class.refresh_from_db()
    return training_class


def completed_class(*, trainees=3, absent_sessions=None, days=10, certified=True, institution=None, **kwargs):
    """A class of `days` days (two 4-hour sessions a day) taken from application to completion;
    `absent_sessions` maps a trainee index to the number of sessions they missed."""
    end = START + datetime.timedelta(days=days - 1)
    extra = {"institution": institution} if institution else {}
    training_class = factories.class_application(
        planned_start_on=START, planned_end_on=end, planned_days=days, total_hours=8 * days,
        practical_hours=math.ceil(8 * days * 0.7), **extra, **kwargs,
    )
    clerk = factories.institution_user(training_class.institution, username=f"clerk-{training_class.pk}")
    officer = factories.hr_user(f"officer-{training_class.pk}")
    courses.submit_class_application(training_class, by=clerk)
    courses.approve_class(training_class, by=officer)
    people = factories.TraineeFactory.create_batch(trainees)
    for person in people:
        courses.enrol_trainee(training_class, by=clerk, today=START - datetime.timedelta(days=7),
                              id_number=person.id_number)
    courses.start_class(training_class, by=clerk, today=START)
    enrolments = list(training_class.enrolments.order_by("pk"))
    absent = absent_sessions or {}
    count = 0
    for day in range(days):
        held_on = START + datetime.timedelta(days=day)
        # At least 80 % of the hours practical: R22 checks the share delivered at completion.
        morning = "theory" if day < int(days * 0.4) else "practical"
        for starts_at, kind in ((datetime.time(8, 30), morning), (datetime.time(14), "practical")):
            session = courses.schedule_session(training_class, by=clerk, held_on=held_on, hours=Decimal(4),
                                               kind=kind, starts_at=starts_at, today=START)
            marks = {e.pk: not (i in absent and count < absent[i]) for i, e in enumerate(enrolments)}
            # R20: each session is marked while it is held (at its start, on the county's clock).
            courses.record_attendance(session, by=clerk, now=county_moment(held_on, starts_at), marks=marks)
            count += 1
    courses.complete_class(training_class, by=clerk, today=end)
    training_class.refresh_from_db()
    if certified:
        for i, enrolment in enumerate(training_class.enrolments.order_by("pk")):
            if enrolment.meets_attendance:
                certification.record_assessment(enrolment, by=clerk, result="passed", assessed_on=end)
                certification.issue_certificate(enrolment, by=officer, number=f"C{training_class.pk:03d}{i:03d}",
                                                issued_on=end + datetime.timedelta(days=5), today=end + datetime.timedelta(days=5))
    training_class.clerk, training_class.officer = clerk, officer
    return training_class
