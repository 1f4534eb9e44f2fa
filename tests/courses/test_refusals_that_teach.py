"""Refusals that teach: each stands beside the field it concerns, names the other record it
depends on (the overlapping class, the voucher's holder, the category's dates) and says what to
do; several problems of one trainee are told at once. Completed classes show attendance read-only."""

import datetime
from datetime import date

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.urls import reverse

from courses import services
from courses.models import AttendanceRecord, ClassStatus, Enrolment
from tests import factories
from tests.courses.test_views import application_data
from tests.scenarios import completed_class
from trainees.models import CategoryMembership

pytestmark = pytest.mark.django_db
TODAY = date(2018, 5, 20)


@pytest.fixture(autouse=True)
def county_today(monkeypatch):
    """The portal enrols on the day it runs: set the county's clock before these 2018 classes end
    (R21 closes enrolment after the planned end date)."""
    monkeypatch.setattr("django.utils.timezone.localdate", lambda *a: TODAY)


def approved(officer, **kwargs):
    training_class = factories.class_application(**kwargs)
    clerk = (User.objects.filter(profile__institution=training_class.institution).first()
             or factories.institution_user(training_class.institution))
    services.submit_class_application(training_class, by=clerk)
    services.approve_class(training_class, by=officer)
    training_class.refresh_from_db()
    training_class.clerk = clerk
    return training_class


def refusal(call):
    with pytest.raises(ValidationError) as error:
        call()
    return error.value


def test_an_overlap_is_refused_beside_the_id_number_naming_the_other_class_and_dates(client, officer):
    june = approved(officer)
    trainee = factories.TraineeFactory()
    services.enrol_trainee(june, by=june.clerk, today=TODAY, id_number=trainee.id_number)
    overlapping = approved(officer, institution=june.institution, planned_start_on=date(2018, 6, 5),
                           planned_end_on=date(2018, 6, 14))
    client.force_login(june.clerk)
    response = client.post(reverse("courses:enrol", args=[overlapping.pk]), {"id_number": trainee.id_number})
    assert response.status_code == 400 and not overlapping.enrolments.exists()
    form = response.context["enrol_form"]
    assert form.has_error("id_number", "trainee_in_overlapping_class")
    message = form.errors["id_number"][0]
    assert f"培训班{june.code}(2018-06-01至2018-06-10)" in message and "本班(2018-06-05至2018-06-14)" in message
    assert "请" in message and "R16" not in message
    page = response.content.decode()
    # Beside the field (inside the enrolment form), the person named masked, the number not echoed.
    enrol_form = page[page.index('id="enrol"'):]
    assert message in enrol_form[:enrol_form.index("</form>")]
    assert trainee.masked_id_number in page and trainee.id_number not in page


def test_a_mistyped_number_is_kept_for_correction_beside_its_field(client, officer):
    training_class = approved(officer)
    client.force_login(training_class.clerk)
    number = factories.TraineeFactory.build().id_number
    typo = number[:17] + ("1" if number[17] == "0" else "0")  # a wrong check digit, whatever the right one
    response = client.post(reverse("courses:enrol", args=[training_class.pk]), {"id_number": typo})
    form = response.context["enrol_form"]
    assert form.has_error("id_number") and form["id_number"].value() == typo


def test_a_category_held_too_late_says_which_category_and_both_dates(officer):
    training_class = approved(officer)
    trainee = factories.TraineeFactory()
    CategoryMembership.objects.filter(trainee=trainee).update(held_from=date(2018, 6, 2))
    error = refusal(lambda: services.enrol_trainee(training_class, by=training_class.clerk, today=TODAY,
                                                   id_number=trainee.id_number))
    assert error.code == "no_category"
    assert "本班2018-06-01开班" in error.messages[0]
    assert "「农村劳动力」自2018-06-02起,晚于开班日期" in error.messages[0]
    assert "不属于任何培训对象类别(R13" not in error.messages[0]


def test_every_problem_of_the_person_is_told_at_once(officer):
    """No category on the start date and an overlapping class: both refusals in one answer."""
    june = approved(officer)
    trainee = factories.TraineeFactory()
    services.enrol_trainee(june, by=june.clerk, today=TODAY, id_number=trainee.id_number)
    CategoryMembership.objects.filter(trainee=trainee).update(held_until=date(2018, 6, 3))
    later = approved(officer, planned_start_on=date(2018, 6, 5), planned_end_on=date(2018, 6, 14))
    error = refusal(lambda: services.enrol_trainee(later, by=later.clerk, today=TODAY, id_number=trainee.id_number))
    assert [e.code for e in error.error_list] == ["no_category", "trainee_in_overlapping_class"]
    assert "至2018-06-03止,早于开班日期" in error.messages[0]
    assert Enrolment.objects.filter(trainee=trainee).count() == 1


def test_a_voucher_of_someone_else_names_its_holder_masked_beside_the_voucher_code(client, officer):
    training_class = approved(officer)
    training_class.policy_year.is_voucher_pilot_on = True
    training_class.policy_year.save()
    # The page enrols today (the screen's date): the voucher is still valid then.
    voucher = factories.VoucherFactory(policy_year=training_class.policy_year, expires_on=date(2099, 12, 31))
    stranger = factories.TraineeFactory()
    client.force_login(training_class.clerk)
    response = client.post(reverse("courses:enrol", args=[training_class.pk]),
                           {"id_number": stranger.id_number, "voucher_code": voucher.code})
    form = response.context["enrol_form"]
    assert form.has_error("voucher_code", "voucher_not_holder"), form.errors
    message = form.errors["voucher_code"][0]
    holder = voucher.holder
    assert voucher.code in message and f"{holder.name[0]}*" in message and holder.masked_id_number in message
    assert holder.name not in message and holder.id_number not in response.content.decode()


def test_an_expired_voucher_says_which_and_until_when(officer):
    training_class = approved(officer)
    training_class.policy_year.is_voucher_pilot_on = True
    training_class.policy_year.save()
    voucher = factories.VoucherFactory(policy_year=training_class.policy_year, expires_on=date(2018, 5, 19))
    error = refusal(lambda: services.enrol_trainee(training_class, by=training_class.clerk, today=TODAY,
                                                   voucher_code=voucher.code))
    assert error.code == "voucher_expired"
    assert f"培训券{voucher.code}有效期至2018-05-19,已过期(《实施方案》四(三))" in error.messages[0]


def test_class_plan_refusals_stand_beside_their_fields(client, officer, policy_year):
    institution = factories.TrainingInstitutionFactory()
    factories.InstitutionYearFactory(institution=institution, policy_year=policy_year)
    client.force_login(factories.institution_user(institution))
    occupation = factories.OccupationFactory(policy_year=policy_year, certificate_kind="training")
    line = factories.TargetLineFactory(policy_year=policy_year)
    response = client.post(reverse("courses:class-create"), application_data(
        occupation, line, capacity="51", planned_days="16", practical_hours="40", level="5"))
    form = response.context["form"]
    assert form.has_error("capacity", "capacity_over_limit")
    assert form.has_error("planned_days", "too_many_days")
    assert form.has_error("practical_hours", "practical_share_too_low")
    assert form.has_error("level", "level_not_applicable")
    assert form.non_field_errors() == []


def test_a_session_outside_the_class_dates_is_refused_beside_the_date(client, officer):
    training_class = approved(officer)
    client.force_login(training_class.clerk)
    response = client.post(reverse("courses:schedule", args=[training_class.pk]),
                           {"held_on": "2018-06-20", "hours": "4", "kind": "practical"})
    form = response.context["session_form"]
    assert form.has_error("held_on", "session_outside_class_dates")
    assert "2018-06-01至2018-06-10" in form.errors["held_on"][0]
    assert not training_class.sessions.exists()


def test_a_withdrawal_before_enrolment_is_refused_beside_the_date(client, officer):
    training_class = approved(officer)
    enrolment = services.enrol_trainee(training_class, by=training_class.clerk, today=TODAY,
                                       id_number=factories.TraineeFactory().id_number)
    client.force_login(training_class.clerk)
    response = client.post(reverse("courses:withdraw", args=[enrolment.pk]),
                           {"withdrawn_on": "2018-05-01", "reason": "外出务工"})
    assert response.context["withdrawing"] == enrolment.pk
    assert response.context["withdraw_form"].has_error("withdrawn_on", "withdrawal_date_invalid")
    enrolment.refresh_from_db()
    assert not enrolment.is_withdrawn


@pytest.mark.parametrize("status", [ClassStatus.COMPLETED, ClassStatus.CLOSED])
def test_a_finished_class_shows_its_attendance_read_only_and_refuses_a_save(client, status):
    training_class = completed_class(trainees=2, absent_sessions={1: 1}, days=7)
    if status == ClassStatus.CLOSED:
        type(training_class).objects.filter(pk=training_class.pk).update(status=status)
    session = training_class.sessions.order_by("held_on", "starts_at").first()
    first, second = training_class.enrolments.order_by("pk")
    client.force_login(training_class.clerk)
    detail = client.get(reverse("courses:class-detail", args=[training_class.pk])).content.decode()
    assert "查看考勤" in detail and reverse("courses:attendance", args=[session.pk]) in detail
    page = client.get(reverse("courses:attendance", args=[session.pk]))
    content = page.content.decode()
    assert page.status_code == 200 and "考勤只能查看" in content
    assert "保存考勤" not in content and 'type="radio"' not in content and "<form" not in content.split("</header>")[-1]
    before = list(AttendanceRecord.objects.order_by("pk").values_list("pk", "is_present", "recorded_at"))
    response = client.post(reverse("courses:attendance", args=[session.pk]),
                           {f"mark-{first.pk}": "缺", f"mark-{second.pk}": "到"})
    assert response.status_code == 409
    assert "只有培训中的班级可以记录考勤" in response.content.decode()
    assert list(AttendanceRecord.objects.order_by("pk").values_list("pk", "is_present", "recorded_at")) == before


def test_attendance_of_a_class_not_yet_started_is_not_recorded(client, officer):
    training_class = approved(officer)
    session = services.schedule_session(training_class, by=training_class.clerk, held_on=date(2018, 6, 1),
                                        hours=4, kind="practical", starts_at=datetime.time(8))
    enrolment = services.enrol_trainee(training_class, by=training_class.clerk, today=TODAY,
                                       id_number=factories.TraineeFactory().id_number)
    client.force_login(training_class.clerk)
    response = client.post(reverse("courses:attendance", args=[session.pk]), {f"mark-{enrolment.pk}": "到"})
    assert response.status_code == 409 and "开班后才能记录考勤" in response.content.decode()
    assert not AttendanceRecord.objects.exists()
