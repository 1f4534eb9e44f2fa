"""The institution portal's class pages and HR's admin actions, through the test client."""

import datetime
from datetime import date

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.auth import get_user
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from courses import services
from courses.models import AttendanceRecord, ClassStatus, TrainingClass
from institutions.models import InstitutionYear
from tests import factories
from tests.scenarios import county_moment

pytestmark = pytest.mark.django_db


@pytest.fixture
def institution(policy_year):
    institution = factories.TrainingInstitutionFactory()
    InstitutionYear.objects.create(institution=institution, policy_year=policy_year)
    return institution


@pytest.fixture
def clerk_client(client, institution):
    client.force_login(factories.institution_user(institution))
    return client


def pdf(name):
    return SimpleUploadedFile(name, b"%PDF-1.4 test", content_type="application/pdf")


def application_data(occupation, target_line, **overrides):
    data = {
        "name": "2018年焊工培训班", "occupation": occupation.pk, "level": "", "target_line": target_line.pk,
        "training_mode": "demand_reserve", "planned_start_on": "2018/6/1", "planned_end_on": "2018年6月10日",
        "planned_days": "10", "total_hours": "80", "practical_hours": "56", "capacity": "40",
        "venue": "实训楼", "teachers": "张师傅 高级技师", "roster_plan": "韩店镇推荐40人",
        "syllabus": pdf("大纲.pdf"), "teaching_plan": pdf("计划.pdf"), "assessment_plan": pdf("考核.pdf"),
        "textbooks-TOTAL_FORMS": "2", "textbooks-INITIAL_FORMS": "0", "textbooks-MIN_NUM_FORMS": "0",
        "textbooks-MAX_NUM_FORMS": "1000",
        "textbooks-0-title": "焊工(初级)", "textbooks-0-publisher": "中国劳动社会保障出版社",
        "textbooks-0-isbn": "978-7-5167-0000-6",
    }
    data.update(overrides)
    return data


def test_a_clerk_takes_a_class_from_draft_to_completed(clerk_client, institution, policy_year, hr, monkeypatch):
    """The whole journey in the portal, HR's approval in the admin between."""
    hr_client = Client()
    hr_client.force_login(hr)
    occupation = factories.OccupationFactory(policy_year=policy_year, certificate_kind="training")
    line = factories.TargetLineFactory(policy_year=policy_year)
    response = clerk_client.post(reverse("courses:class-create"), application_data(occupation, line))
    training_class = TrainingClass.objects.get()
    assert response.status_code == 302 and training_class.institution == institution
    assert (training_class.status, training_class.planned_end_on) == ("draft", date(2018, 6, 10))
    assert training_class.textbooks.get().isbn == "978-7-5167-0000-6"

    clerk_client.post(reverse("courses:class-action", args=[training_class.pk, "submit"]))
    training_class.refresh_from_db()
    assert training_class.status == "submitted"

    response = hr_client.post(reverse("admin:courses_trainingclass_changelist"), {
        "action": "approve_selected", ACTION_CHECKBOX_NAME: [training_class.pk], "confirm": "1", "note": "同意",
    })
    assert response.status_code == 302
    training_class.refresh_from_db()
    assert training_class.status == "approved"

    monkeypatch.setattr("django.utils.timezone.localdate", lambda *a: date(2018, 5, 25))
    trainees = factories.TraineeFactory.create_batch(3)
    for trainee in trainees:
        clerk_client.post(reverse("courses:enrol", args=[training_class.pk]), {"id_number": trainee.id_number})
    assert training_class.enrolments.count() == 3
    for day in range(10):
        # 80 % practical: R22 checks the share delivered at completion.
        for start, kind in (("08:30", "theory" if day < 4 else "practical"), ("14:00", "practical")):
            clerk_client.post(reverse("courses:schedule", args=[training_class.pk]), {
                "held_on": (date(2018, 6, 1) + datetime.timedelta(days=day)).isoformat(), "starts_at": start,
                "hours": "4", "kind": kind})
    assert training_class.sessions.count() == 20

    monkeypatch.setattr("django.utils.timezone.localdate", lambda *a: date(2018, 6, 1))
    clerk_client.post(reverse("courses:class-action", args=[training_class.pk, "start"]))
    training_class.refresh_from_db()
    assert training_class.status == "in_progress"

    monkeypatch.setattr("django.utils.timezone.localdate", lambda *a: date(2018, 6, 10))
    enrolments = list(training_class.enrolments.order_by("pk"))
    clerk = get_user(clerk_client)
    for session in training_class.sessions.all():
        # R20: each session is marked while it is held (signed in afresh: sessions last 30 minutes).
        held = county_moment(session.held_on, session.starts_at)
        monkeypatch.setattr("django.utils.timezone.now", lambda held=held: held)
        clerk_client.force_login(clerk)
        marks = {f"mark-{e.pk}": "到" for e in enrolments}
        marks[f"mark-{enrolments[2].pk}"] = "缺" if session.held_on < date(2018, 6, 3) else "到"
        response = clerk_client.post(reverse("courses:attendance", args=[session.pk]), marks)
        assert response.status_code == 302
    assert AttendanceRecord.objects.filter(session__training_class=training_class).count() == 60

    clerk_client.post(reverse("courses:class-action", args=[training_class.pk, "complete"]))
    training_class.refresh_from_db()
    assert training_class.status == "completed"
    assert [e.meets_attendance for e in training_class.enrolments.order_by("pk")] == [True, True, False]


def test_refusals_are_shown_in_chinese_and_nothing_changes(clerk_client, institution, policy_year):
    occupation = factories.OccupationFactory(policy_year=policy_year, certificate_kind="training")
    line = factories.TargetLineFactory(policy_year=policy_year)
    response = clerk_client.post(reverse("courses:class-create"),
                                 application_data(occupation, line, capacity="51", planned_days="16"))
    assert response.status_code == 200
    content = response.content.decode()
    assert "培训班人数不得超过50人" in content and "三(五)" in content and "最长15天" in content
    assert TrainingClass.objects.count() == 0


def test_an_isbn_typo_is_caught_on_the_form(clerk_client, institution, policy_year):
    occupation = factories.OccupationFactory(policy_year=policy_year, certificate_kind="training")
    line = factories.TargetLineFactory(policy_year=policy_year)
    response = clerk_client.post(reverse("courses:class-create"),
                                 application_data(occupation, line, **{"textbooks-0-isbn": "9787516700007"}))
    assert "ISBN" in response.content.decode() and TrainingClass.objects.count() == 0


def test_a_forged_institution_field_is_ignored(clerk_client, institution, policy_year):
    """The institution, the year and the status are never taken from the form."""
    occupation = factories.OccupationFactory(policy_year=policy_year, certificate_kind="training")
    line = factories.TargetLineFactory(policy_year=policy_year)
    other = factories.TrainingInstitutionFactory()
    clerk_client.post(reverse("courses:class-create"),
                      application_data(occupation, line, institution=other.pk, status="approved"))
    training_class = TrainingClass.objects.get()
    assert (training_class.institution, training_class.status) == (institution, "draft")


def test_another_institutions_class_session_and_enrolment_are_404(clerk_client, institution):
    other = factories.EnrolmentFactory()
    session = factories.SessionFactory(training_class=other.training_class)
    pk = other.training_class.pk
    for url in (reverse("courses:class-detail", args=[pk]), reverse("courses:class-edit", args=[pk]),
                reverse("courses:print-roster", args=[pk]), reverse("courses:print-attendance", args=[pk]),
                reverse("courses:attendance", args=[session.pk])):
        assert clerk_client.get(url).status_code == 404
    for url in (reverse("courses:class-action", args=[pk, "submit"]), reverse("courses:enrol", args=[pk]),
                reverse("courses:schedule", args=[pk]), reverse("courses:withdraw", args=[other.pk]),
                reverse("courses:attendance", args=[session.pk])):
        assert clerk_client.post(url, {"id_number": "x", "reason": "x", "withdrawn_on": "2018-06-01"}).status_code == 404
    other.refresh_from_db()
    assert not other.is_withdrawn and other.training_class.status == "draft"


def test_admin_bulk_approval_is_all_or_nothing(hr_client):
    """One draft among the selected applications: it cannot be approved, so none is."""
    clerk = factories.UserFactory()
    ready = factories.class_application()
    services.submit_class_application(ready, by=clerk)
    draft = factories.class_application()
    response = hr_client.post(reverse("admin:courses_trainingclass_changelist"), {
        "action": "approve_selected", ACTION_CHECKBOX_NAME: [ready.pk, draft.pk], "confirm": "1",
    }, follow=True)
    ready.refresh_from_db(), draft.refresh_from_db()
    assert (ready.status, draft.status) == ("submitted", "draft")
    assert "均未批准开班" in response.content.decode()


def test_admin_return_needs_a_reason(hr_client):
    training_class = factories.class_application()
    services.submit_class_application(training_class, by=factories.UserFactory())
    url = reverse("admin:courses_trainingclass_changelist")
    page = hr_client.post(url, {"action": "return_selected", ACTION_CHECKBOX_NAME: [training_class.pk]})
    assert "退回修改:请确认" in page.content.decode()
    hr_client.post(url, {"action": "return_selected", ACTION_CHECKBOX_NAME: [training_class.pk], "confirm": "1"})
    training_class.refresh_from_db()
    assert training_class.status == "submitted"
    hr_client.post(url, {"action": "return_selected", ACTION_CHECKBOX_NAME: [training_class.pk], "confirm": "1",
                         "note": "教材不是正规出版物"})
    training_class.refresh_from_db()
    assert (training_class.status, training_class.decision_note) == ("returned", "教材不是正规出版物")


def test_admin_edit_of_a_class_runs_the_plan_rules(hr_client):
    training_class = factories.class_application()
    data = {f: getattr(training_class, f + "_id", None) or getattr(training_class, f) for f in (
        "policy_year", "code", "institution", "name", "occupation", "target_line", "training_mode", "venue",
        "teachers", "roster_plan")}
    data.update({"level": "", "planned_start_on": "2018-06-01", "planned_end_on": "2018-06-10", "planned_days": 10,
                 "total_hours": 80, "practical_hours": 56, "capacity": 60})
    for prefix in ("textbooks", "sessions", "transitions"):
        data.update({f"{prefix}-TOTAL_FORMS": 0, f"{prefix}-INITIAL_FORMS": 0})
    response = hr_client.post(reverse("admin:courses_trainingclass_change", args=[training_class.pk]), data)
    assert response.status_code == 200 and "培训班人数不得超过50人" in response.content.decode()
    training_class.refresh_from_db()
    assert training_class.capacity == 50


# Query counts ------------------------------------------------------------------------------

def class_with(trainees, institution, sessions=4):
    training_class = factories.TrainingClassFactory(institution=institution, status=ClassStatus.IN_PROGRESS,
                                                    started_on=date(2018, 6, 1))
    days = [factories.SessionFactory(training_class=training_class, held_on=date(2018, 6, 1 + i))
            for i in range(sessions)]
    for _ in range(trainees):
        enrolment = factories.EnrolmentFactory(training_class=training_class)
        for session in days:
            AttendanceRecord.objects.create(enrolment=enrolment, session=session, is_present=True)
    return training_class, days


@pytest.mark.parametrize("size", [5, 50])
def test_pages_run_a_fixed_number_of_queries(clerk_client, institution, size, django_assert_num_queries):
    """The class list, the roster (class detail) and the attendance screen cost the same
    number of queries with 5 trainees and with 50."""
    for _ in range(size // 5):
        training_class, sessions = class_with(size, institution, sessions=4 if size == 5 else 12)
    with django_assert_num_queries(7):
        assert clerk_client.get(reverse("courses:class-list")).status_code == 200
    with django_assert_num_queries(13):  # with the class's county's own year (TrainingClass.params)
        assert clerk_client.get(reverse("courses:class-detail", args=[training_class.pk])).status_code == 200
    # correction requests (R20) one more; the check-in panel three; the session's photos one; the
    # class's county's own year one (TrainingClass.params)
    with django_assert_num_queries(16):
        assert clerk_client.get(reverse("courses:attendance", args=[sessions[0].pk])).status_code == 200


def test_print_pages_render_masked(clerk_client, institution):
    training_class, _ = class_with(2, institution)
    trainee = training_class.enrolments.first().trainee
    for name in ("courses:print-roster", "courses:print-attendance"):
        content = clerk_client.get(reverse(name, args=[training_class.pk])).content.decode()
        assert trainee.name in content and trainee.id_number not in content
