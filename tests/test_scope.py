"""Each role sees only its own party's objects: another party's object is 404, never data."""

import pytest
from django.urls import reverse

from certification.selectors import certificates_visible_to, employment_visible_to
from courses.selectors import (
    classes_visible_to,
    enrolments_visible_to,
    trainees_visible_to,
    vouchers_visible_to,
)
from subsidies.selectors import claims_visible_to
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    """Two institutions and two townships, each with a class, a trainee, a certificate, a claim."""
    own_line = factories.ClaimLineFactory()
    other_line = factories.ClaimLineFactory()
    for line in (own_line, other_line):
        factories.CertificateFactory(enrolment=line.enrolment)
        factories.EmploymentRecordFactory(enrolment=line.enrolment)
        factories.VoucherFactory(holder=line.enrolment.trainee)
    return own_line.enrolment, other_line.enrolment


def test_institution_clerk_sees_only_own_institution(world):
    own, other = world
    clerk = factories.institution_user(own.training_class.institution)
    assert list(classes_visible_to(clerk)) == [own.training_class]
    assert list(enrolments_visible_to(clerk)) == [own]
    assert list(trainees_visible_to(clerk)) == [own.trainee]
    assert list(claims_visible_to(clerk)) == [own.claim_lines.get().claim]
    assert {c.enrolment for c in certificates_visible_to(clerk)} == {own}
    assert {e.enrolment for e in employment_visible_to(clerk)} == {own}
    assert vouchers_visible_to(clerk).count() == 0  # neither voucher was redeemed at the institution


def test_township_official_sees_only_own_township(world):
    own, other = world
    official = factories.township_user(own.trainee.township)
    assert list(trainees_visible_to(official)) == [own.trainee]
    assert list(enrolments_visible_to(official)) == [own]
    assert list(classes_visible_to(official)) == [own.training_class]
    assert claims_visible_to(official).count() == 0
    assert {c.trainee for c in certificates_visible_to(official)} == {own.trainee}
    assert {v.holder for v in vouchers_visible_to(official)} == {own.trainee}


def test_evaluation_body_sees_classes_its_published_plan_covers(world):
    own, other = world
    for enrolment in (own, other):
        enrolment.training_class.status = "completed"
        enrolment.training_class.save()
    body = factories.EvaluationBodyFactory()
    plan = factories.EvaluationPlanFactory(evaluation_body=body)
    plan.occupations.add(own.training_class.occupation)
    unpublished = factories.EvaluationPlanFactory(evaluation_body=body, published_on=None)
    unpublished.occupations.add(other.training_class.occupation)
    evaluator = factories.evaluator_user(body)
    assert list(classes_visible_to(evaluator)) == [own.training_class]
    assert list(trainees_visible_to(evaluator)) == [own.trainee]
    assert claims_visible_to(evaluator).count() == 0


def test_hr_sees_everything(world, hr):
    assert classes_visible_to(hr).count() == 2
    assert trainees_visible_to(hr).count() == 2


def test_user_without_a_role_sees_nothing(world):
    nobody = factories.UserFactory(username="nobody")
    assert classes_visible_to(nobody).count() == 0
    assert trainees_visible_to(nobody).count() == 0


def test_institution_portal_404_for_another_institutions_class(client, world):
    own, other = world
    client.force_login(factories.institution_user(own.training_class.institution))
    assert client.get(reverse("courses:class-detail", args=[own.training_class.pk])).status_code == 200
    response = client.get(reverse("courses:class-detail", args=[other.training_class.pk]))
    assert response.status_code == 404
    assert other.training_class.code not in response.content.decode()


def test_township_portal_404_for_another_townships_trainee(client, world):
    own, other = world
    client.force_login(factories.township_user(own.trainee.township))
    assert client.get(reverse("trainees:trainee-detail", args=[own.trainee.pk])).status_code == 200
    response = client.get(reverse("trainees:trainee-detail", args=[other.trainee.pk]))
    assert response.status_code == 404
    assert other.trainee.name not in response.content.decode()


def test_portal_of_another_role_is_forbidden(client, world):
    own, _ = world
    client.force_login(factories.township_user(own.trainee.township))
    assert client.get(reverse("institutions:home")).status_code == 403
    client.force_login(factories.institution_user(own.training_class.institution))
    assert client.get(reverse("trainees:home")).status_code == 403


def test_portals_need_a_login(client):
    for name in ("institutions:home", "trainees:home", "home"):
        response = client.get(reverse(name))
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_evaluation_body_does_not_see_applications_or_cancelled_classes(world):
    own, _ = world
    body = factories.EvaluationBodyFactory()
    plan = factories.EvaluationPlanFactory(evaluation_body=body)
    plan.occupations.add(own.training_class.occupation)
    evaluator = factories.evaluator_user(body)
    for status in ("draft", "submitted", "cancelled", "rejected"):
        own.training_class.status = status
        own.training_class.save()
        assert classes_visible_to(evaluator).count() == 0, status
    own.training_class.status = "in_progress"
    own.training_class.save()
    assert list(classes_visible_to(evaluator)) == [own.training_class]


def test_two_published_plans_do_not_double_roster_counts(client, world):
    """An evaluation body with two plans covering one occupation sees each trainee once."""
    own, _ = world
    own.training_class.status = "completed"
    own.training_class.save()
    body = factories.EvaluationBodyFactory()
    for _ in range(2):
        factories.EvaluationPlanFactory(evaluation_body=body).occupations.add(own.training_class.occupation)
    evaluator = factories.evaluator_user(body)
    assert list(trainees_visible_to(evaluator)) == [own.trainee]
    client.force_login(evaluator)
    classes = client.get(reverse("institutions:home")).context["classes"]
    assert [(c.pk, c.active_count) for c in classes] == [(own.training_class.pk, 1)]


def test_evaluator_gets_404_for_classes_outside_its_plans(client, world):
    own, other = world
    body = factories.EvaluationBodyFactory()
    factories.EvaluationPlanFactory(evaluation_body=body).occupations.add(own.training_class.occupation)
    own.training_class.status = "completed"
    own.training_class.save()
    client.force_login(factories.evaluator_user(body))
    assert client.get(reverse("courses:class-detail", args=[own.training_class.pk])).status_code == 200
    assert client.get(reverse("courses:class-detail", args=[other.training_class.pk])).status_code == 404
