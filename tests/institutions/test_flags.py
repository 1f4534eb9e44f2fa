"""The supervision checks raise genuine findings only, once each, and HR resolves them."""

from datetime import date, datetime, time

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from certification.models import EmploymentRecord
from courses.models import AttendanceRecord, Enrolment
from institutions.models import Flag
from programme.models import PolicyYear
from reporting.flags import detect_flags, resolve_flag
from tests import factories
from tests.ids import make_id_number
from trainees.models import Trainee

pytestmark = pytest.mark.django_db


def kinds():
    return sorted(Flag.objects.values_list("kind", flat=True))


def marked_in_class(year=2018):
    """Marks entered while their sessions were held (R20) in a county without class photos:
    recorded_at is the server's clock, so it is set to the session's morning."""
    for mark in AttendanceRecord.objects.select_related("session"):
        AttendanceRecord.objects.filter(pk=mark.pk).update(
            recorded_at=timezone.make_aware(datetime.combine(mark.session.held_on, time(9))))
    PolicyYear.objects.filter(year=year).update(photos_per_session=0)


def test_a_clean_county_raises_nothing():
    enrolment = factories.EnrolmentFactory(training_class__status="in_progress")
    session = factories.SessionFactory(training_class=enrolment.training_class)
    AttendanceRecord.objects.create(enrolment=enrolment, session=session, is_present=False)
    marked_in_class()
    factories.TraineeFactory.create_batch(3, phone="13911112222")
    assert detect_flags() == 0


def test_overlapping_classes_in_two_institutions():
    trainee = factories.TraineeFactory()
    factories.EnrolmentFactory(trainee=trainee, training_class__status="approved")
    factories.EnrolmentFactory(trainee=trainee, training_class__status="approved",
                               training_class__planned_start_on=date(2018, 6, 5),
                               training_class__planned_end_on=date(2018, 6, 14))
    detect_flags()
    assert kinds() == ["overlapping_classes"]


def test_shared_phone_of_four_trainees_links_by_id_not_phone():
    factories.TraineeFactory.create_batch(4, phone="13911112222")
    detect_flags()
    flag = Flag.objects.get()
    assert flag.kind == "shared_phone" and "13911112222" not in flag.evidence_url + flag.summary


def test_outside_working_age():
    young = factories.TraineeFactory(id_number=make_id_number(birth="20030101", sequence=3))
    factories.EnrolmentFactory(trainee=young, enrolled_on=date(2018, 5, 20))
    detect_flags()
    assert kinds() == ["outside_working_age"]


def test_attendance_after_the_class_ended_and_a_perfect_sheet():
    enrolment = factories.EnrolmentFactory(training_class__status="completed",
                                           training_class__started_on=date(2018, 6, 1),
                                           training_class__completed_on=date(2018, 6, 10))
    for day in range(1, 5):
        session = factories.SessionFactory(training_class=enrolment.training_class, held_on=date(2018, 6, day))
        AttendanceRecord.objects.create(enrolment=enrolment, session=session, is_present=True)
    late = factories.SessionFactory(training_class=enrolment.training_class, held_on=date(2018, 6, 12))
    AttendanceRecord.objects.create(enrolment=enrolment, session=late, is_present=True)
    marked_in_class()
    detect_flags()
    assert kinds() == ["all_present", "attendance_outside_dates"]


def test_employer_certificate_subsidy_and_withdrawn_findings():
    line = factories.ClaimLineFactory()
    enrolment = line.enrolment
    Enrolment.objects.filter(pk=enrolment.pk).update(is_withdrawn=True, withdrawn_on=date(2018, 6, 5))
    factories.EmploymentRecordFactory(enrolment=enrolment).__class__.objects.filter(
        enrolment=enrolment).update(is_employer_the_institution=True)
    factories.CertificateFactory(enrolment=enrolment, issued_on=date(2018, 6, 1))
    for month in (7, 8, 9):
        factories.ClaimLineFactory(
            enrolment__trainee=enrolment.trainee, claim__training_class__planned_start_on=date(2018, month, 1),
            claim__training_class__planned_end_on=date(2018, month, 10),
            claim__training_class__started_on=date(2018, month, 1),
            claim__training_class__completed_on=date(2018, month, 10))
    detect_flags()
    assert kinds() == ["certificate_before_end", "employer_is_institution", "subsidised_too_often",
                       "withdrawn_on_claim"]


def test_running_twice_adds_nothing_and_resolved_stays_resolved(hr):
    factories.TraineeFactory.create_batch(4, phone="13911112222")
    assert detect_flags() == 1
    flag = Flag.objects.get()
    with pytest.raises(ValidationError):
        resolve_flag(flag, by=hr, note="")
    resolve_flag(flag, by=hr, note="经核实为同一中介代为登记,已通知乡镇更正电话")
    assert detect_flags() == 0
    flag.refresh_from_db()
    assert flag.resolved_at is not None and Flag.objects.count() == 1


def test_demo_flags_are_all_genuine(demo_county):
    """seed_demo plants two anomalies; every flag on the demo data is real, none on clean rows."""
    flags = {flag.kind: flag for flag in Flag.objects.all()}
    assert set(flags) == {"shared_phone", "employer_is_institution"} and Flag.objects.count() == 2
    assert Trainee.objects.filter(phone=flags["shared_phone"].key).count() > 3
    assert EmploymentRecord.objects.filter(is_employer_the_institution=True).count() == 1
