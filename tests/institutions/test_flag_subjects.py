"""A flag names the class and the trainee it is about (so payment can be held while it is open),
and neither where it is about no single one."""

from datetime import date

import pytest

from certification.models import EmploymentRecord
from courses.models import AttendanceRecord, Enrolment
from institutions.models import Flag
from reporting.flags import detect_flags
from tests import factories
from tests.ids import make_id_number

pytestmark = pytest.mark.django_db


def subjects():
    return {flag.kind: (flag.training_class_id, flag.trainee_id) for flag in Flag.objects.all()}


def test_overlapping_classes_name_the_trainee_and_the_second_class():
    trainee = factories.TraineeFactory()
    factories.EnrolmentFactory(trainee=trainee, training_class__status="approved")
    second = factories.EnrolmentFactory(trainee=trainee, training_class__status="approved",
                                        training_class__planned_start_on=date(2018, 6, 5),
                                        training_class__planned_end_on=date(2018, 6, 14))
    detect_flags()
    assert subjects() == {"overlapping_classes": (second.training_class_id, trainee.pk)}


def test_a_shared_phone_names_no_one():
    factories.TraineeFactory.create_batch(4, phone="13911112222")
    detect_flags()
    assert subjects() == {"shared_phone": (None, None)}


def test_outside_working_age_names_the_enrolments_trainee_and_class():
    young = factories.TraineeFactory(id_number=make_id_number(birth="20030101", sequence=3))
    enrolment = factories.EnrolmentFactory(trainee=young, enrolled_on=date(2018, 5, 20))
    detect_flags()
    assert subjects() == {"outside_working_age": (enrolment.training_class_id, young.pk)}


def test_attendance_flags_name_the_class_only():
    enrolment = factories.EnrolmentFactory(training_class__status="completed",
                                           training_class__started_on=date(2018, 6, 1),
                                           training_class__completed_on=date(2018, 6, 10))
    for day in (1, 2, 3, 4, 12):
        session = factories.SessionFactory(training_class=enrolment.training_class, held_on=date(2018, 6, day))
        AttendanceRecord.objects.create(enrolment=enrolment, session=session, is_present=True)
    detect_flags()
    found = subjects()
    class_id = enrolment.training_class_id
    assert found["all_present"] == found["attendance_outside_dates"] == (class_id, None)
    assert all(subject == (class_id, None) for subject in found.values())


def test_employment_certificate_subsidy_and_withdrawal_findings_name_their_subjects():
    line = factories.ClaimLineFactory()
    enrolment = line.enrolment
    trainee, class_id = enrolment.trainee, enrolment.training_class_id
    Enrolment.objects.filter(pk=enrolment.pk).update(is_withdrawn=True, withdrawn_on=date(2018, 6, 5))
    record = factories.EmploymentRecordFactory(enrolment=enrolment, employer_credit_code=factories.credit_code(3))
    EmploymentRecord.objects.filter(pk=record.pk).update(is_employer_the_institution=True)
    factories.CertificateFactory(enrolment=enrolment, issued_on=date(2018, 6, 1))
    for month in (7, 8, 9):
        factories.ClaimLineFactory(
            enrolment__trainee=trainee, claim__training_class__planned_start_on=date(2018, month, 1),
            claim__training_class__planned_end_on=date(2018, month, 10),
            claim__training_class__started_on=date(2018, month, 1),
            claim__training_class__completed_on=date(2018, month, 10))
    detect_flags()
    found = subjects()
    assert found["employer_is_institution"] == (class_id, trainee.pk)
    assert found["certificate_before_end"] == (class_id, trainee.pk)
    assert found["withdrawn_on_claim"] == (class_id, trainee.pk)
    assert found["subsidised_too_often"] == (None, trainee.pk)
