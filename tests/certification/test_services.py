"""Assessment (R3 gate), certificates (R12) and employment records."""

import datetime
from datetime import date

import pytest
from django.core.exceptions import ValidationError

from certification import services
from tests import factories
from tests.scenarios import START, completed_class

pytestmark = pytest.mark.django_db
END = START + datetime.timedelta(days=9)


def code_of(call):
    with pytest.raises(ValidationError) as error:
        call()
    return error.value.error_list[0].code


def test_only_trainees_who_met_attendance_may_sit():
    """Missing 4 of 20 sessions (80 %) shuts a trainee out of the assessment."""
    training_class = completed_class(trainees=2, absent_sessions={1: 4}, certified=False)
    good, poor = training_class.enrolments.order_by("pk")
    services.record_assessment(good, by=training_class.clerk, result="passed", assessed_on=END)
    assert code_of(lambda: services.record_assessment(poor, by=training_class.clerk, result="passed",
                                                      assessed_on=END)) == "attendance_below_threshold"


def test_certificate_kind_follows_the_occupation_and_is_county_hr_issued():
    training_class = completed_class(trainees=1, certified=False)
    enrolment = training_class.enrolments.get()
    services.record_assessment(enrolment, by=training_class.clerk, result="passed", assessed_on=END)
    certificate = services.issue_certificate(enrolment, by=training_class.officer, number="C-1",
                                             issued_on=END, today=END)
    assert (certificate.kind, certificate.issuer_name, certificate.level) == ("training", "长治县人力资源和社会保障局", "")


def test_a_certificate_dated_before_the_class_end_is_refused():
    training_class = completed_class(trainees=1, certified=False)
    enrolment = training_class.enrolments.get()
    services.record_assessment(enrolment, by=training_class.clerk, result="passed", assessed_on=END)
    assert code_of(lambda: services.issue_certificate(
        enrolment, by=training_class.officer, number="C-1", issued_on=END - datetime.timedelta(days=1), today=END,
    )) == "certificate_before_class_end"


def test_no_certificate_without_passing():
    training_class = completed_class(trainees=1, certified=False)
    enrolment = training_class.enrolments.get()
    services.record_assessment(enrolment, by=training_class.clerk, result="failed", assessed_on=END)
    assert code_of(lambda: services.issue_certificate(enrolment, by=training_class.officer, number="C-1",
                                                      issued_on=END, today=END)) == "assessment_not_passed"


def test_skill_level_certificate_needs_a_published_plan_covering_the_occupation():
    occupation = factories.OccupationFactory(certificate_kind="skill_level")
    training_class = completed_class(trainees=1, certified=False, occupation=occupation, level="5")
    enrolment = training_class.enrolments.get()
    services.record_assessment(enrolment, by=training_class.clerk, result="passed", assessed_on=END)
    body = factories.EvaluationBodyFactory()
    plan = factories.EvaluationPlanFactory(evaluation_body=body, published_on=None)
    plan.occupations.add(occupation)
    issue = lambda: services.issue_certificate(enrolment, by=training_class.officer, number="SL-1",  # noqa: E731
                                               issued_on=END, today=END, evaluation_body=body)
    assert code_of(issue) == "evaluation_plan_not_published"
    assert code_of(lambda: services.issue_certificate(enrolment, by=training_class.officer, number="SL-1",
                                                      issued_on=END, today=END)) == "evaluation_plan_not_published"
    other_body = factories.EvaluationBodyFactory()
    assert code_of(lambda: services.issue_certificate(enrolment, by=factories.evaluator_user(other_body),
                                                      number="SL-1", issued_on=END, today=END,
                                                      evaluation_body=body)) == "not_the_issuer"
    plan.published_on = date(2018, 5, 1)
    plan.save()
    certificate = issue()
    assert (certificate.level, certificate.issuer_name) == ("5", body.name)


def test_employer_that_is_the_institution_is_flagged():
    training_class = completed_class(trainees=2)
    first, second = training_class.enrolments.order_by("pk")
    institution = training_class.institution
    own = services.record_employment(first, by=training_class.clerk, employer_name=institution.name,
                                     started_on=END + datetime.timedelta(days=10), evidence_kind="contract")
    other = services.record_employment(second, by=training_class.clerk, employer_name="长治县某物流公司",
                                       employer_credit_code=institution.credit_code.lower(),
                                       started_on=END + datetime.timedelta(days=10), evidence_kind="contract")
    fine = services.record_employment(second, by=training_class.clerk, employer_name="长治县某物流公司",
                                      started_on=END + datetime.timedelta(days=10), evidence_kind="employer_letter")
    assert (own.is_employer_the_institution, other.is_employer_the_institution, fine.is_employer_the_institution) == (
        True, True, False)


def test_only_hr_verifies_employment(hr):
    training_class = completed_class(trainees=1)
    record = services.record_employment(training_class.enrolments.get(), by=training_class.clerk,
                                        employer_name="长治县某物流公司", started_on=END, evidence_kind="contract",
                                        employer_credit_code=factories.credit_code(5))
    assert code_of(lambda: services.verify_employment(record, by=training_class.clerk)) == "not_hr"
    services.verify_employment(record, by=hr)
    record.refresh_from_db()
    assert record.verified_by == hr and record.verified_at is not None


def test_an_institution_never_records_a_certificate():
    """谁评价、谁发证: the certificate triggers the 80 % payment, so its issuer records it."""
    training_class = completed_class(trainees=1, certified=False)
    enrolment = training_class.enrolments.get()
    services.record_assessment(enrolment, by=training_class.clerk, result="passed", assessed_on=END)
    assert code_of(lambda: services.issue_certificate(enrolment, by=training_class.clerk, number="C-9",
                                                      issued_on=END, today=END)) == "not_the_issuer"
