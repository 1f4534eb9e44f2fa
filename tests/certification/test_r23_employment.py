"""R23 《实施方案》四(二)、三(七): employment counts once it has begun (never a future date), from
the class start on; a job at the institution itself or at an employer without a valid credit code
is verified only with HR's written note, never in bulk."""

import datetime

import pytest
from django.contrib.messages import get_messages
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from certification import policy, services
from certification.models import LEGACY_VERIFICATION_NOTE, EmploymentRecord
from tests import factories
from tests.imports.corpus import sheet
from tests.scenarios import START, completed_class

END = START + datetime.timedelta(days=9)
JOBS = ["身份证号", "姓名", "用人单位", "统一社会信用代码", "就业日期", "合同期限(月)", "证明材料"]
CODED = factories.credit_code(7)
BAD_CHECKSUM = CODED[:17] + ("0" if CODED[17] != "0" else "1")


def code_of(call):
    with pytest.raises(ValidationError) as error:
        call()
    return error.value.error_list[0].code


def logged_in(user):
    client = Client()
    client.force_login(user)
    return client


# --- The rules, pure ---------------------------------------------------------------------------

@pytest.mark.parametrize("started_on, code", [
    (datetime.date(2018, 7, 1), None),  # today
    (datetime.date(2018, 7, 2), "employment_in_future"),  # tomorrow
    (datetime.date(2018, 6, 1), None),  # the class start day: 边培训边就业 counts
    (datetime.date(2018, 5, 31), "employment_before_class"),
])
def test_employment_has_begun_and_not_before_the_class(started_on, code):
    def check():
        policy.ensure_employment_started(started_on=started_on, today=datetime.date(2018, 7, 1),
                                         class_start_on=datetime.date(2018, 6, 1))

    if code is None:
        check()
    else:
        assert code_of(check) == code


def test_the_refusal_names_the_clause_and_what_to_do():
    with pytest.raises(ValidationError) as error:
        policy.ensure_employment_started(started_on=datetime.date(2018, 7, 2), today=datetime.date(2018, 7, 1))
    message = error.value.messages[0]
    assert "《实施方案》四(二)" in message and "请" in message and "2018-07-02" in message


@pytest.mark.parametrize("is_institution, code, needs", [
    (True, CODED, True), (False, "", True), (False, "  ", True), (False, BAD_CHECKSUM, True), (False, CODED, False),
    (False, CODED.lower(), False),
])
def test_which_records_need_scrutiny(is_institution, code, needs):
    reason = policy.employment_needs_scrutiny(employer_is_institution=is_institution, credit_code=code)
    assert bool(reason) is needs


def test_a_record_needing_scrutiny_needs_a_note():
    policy.ensure_verification_note(reason="", note="")
    policy.ensure_verification_note(reason="用人单位未填写统一社会信用代码", note="已实地走访")
    for note in ("", "   "):
        with pytest.raises(ValidationError) as error:
            policy.ensure_verification_note(reason="用人单位未填写统一社会信用代码", note=note)
        assert error.value.code == "verification_note_required"
        assert "《实施方案》四(二)、三(七)" in error.value.messages[0]


# --- The service -------------------------------------------------------------------------------

@pytest.mark.django_db
def test_the_service_records_today_and_refuses_tomorrow():
    training_class = completed_class(trainees=2)
    first, second = training_class.enrolments.order_by("pk")
    today = timezone.localdate()
    record = services.record_employment(first, by=training_class.clerk, employer_name="长治县某物流公司",
                                        employer_credit_code=CODED, started_on=today, evidence_kind="contract")
    assert record.started_on == today
    assert code_of(lambda: services.record_employment(
        second, by=training_class.clerk, employer_name="长治县某物流公司", employer_credit_code=CODED,
        started_on=today + datetime.timedelta(days=1), evidence_kind="contract")) == "employment_in_future"
    assert code_of(lambda: services.record_employment(
        second, by=training_class.clerk, employer_name="长治县某物流公司", started_on=END,
        evidence_kind="contract", today=END - datetime.timedelta(days=1))) == "employment_in_future"
    assert EmploymentRecord.objects.count() == 1


@pytest.mark.django_db
def test_a_job_taken_during_the_class_counts_one_before_it_does_not():
    training_class = completed_class(trainees=1)
    enrolment = training_class.enrolments.get()
    assert code_of(lambda: services.record_employment(
        enrolment, by=training_class.clerk, employer_name="长治县某物流公司", employer_credit_code=CODED,
        started_on=START - datetime.timedelta(days=1), evidence_kind="contract")) == "employment_before_class"
    record = services.record_employment(enrolment, by=training_class.clerk, employer_name="长治县某物流公司",
                                        employer_credit_code=CODED, started_on=START, evidence_kind="contract")
    assert record.started_on == START


@pytest.fixture
def three_jobs():
    """A job at a coded employer, one at an employer without a code, one at the institution."""
    training_class = completed_class(trainees=3)
    first, second, third = training_class.enrolments.order_by("pk")
    institution = training_class.institution
    on = END + datetime.timedelta(days=10)
    coded = services.record_employment(first, by=training_class.clerk, employer_name="长治县某物流公司",
                                       employer_credit_code=CODED, started_on=on, evidence_kind="contract")
    uncoded = services.record_employment(second, by=training_class.clerk, employer_name="韩店镇某超市",
                                         started_on=on, evidence_kind="employer_letter")
    own = services.record_employment(third, by=training_class.clerk, employer_name=institution.name,
                                     employer_credit_code=institution.credit_code, started_on=on,
                                     evidence_kind="contract")
    return coded, uncoded, own


@pytest.mark.django_db
def test_verifying_a_record_that_needs_scrutiny_asks_for_a_note(hr, three_jobs):
    coded, uncoded, own = three_jobs
    assert (coded.needs_scrutiny, bool(uncoded.needs_scrutiny), bool(own.needs_scrutiny)) == ("", True, True)
    for record in (uncoded, own):
        assert code_of(lambda r=record: services.verify_employment(r, by=hr)) == "verification_note_required"
        assert code_of(lambda r=record: services.verify_employment(r, by=hr, note="  ")) == "verification_note_required"
        record.refresh_from_db()
        assert record.verified_at is None and not record.is_verified_for_payment
    services.verify_employment(own, by=hr, note="经实地走访,该学员受聘为本机构实训指导员,有社保缴费记录。")
    services.verify_employment(coded, by=hr)
    own.refresh_from_db()
    coded.refresh_from_db()
    assert own.verified_by == hr and own.verification_note.startswith("经实地走访")
    assert own.is_verified_for_payment and coded.is_verified_for_payment and coded.verification_note == ""


@pytest.mark.django_db
def test_a_code_that_fails_its_check_character_needs_a_note_too(hr, three_jobs):
    coded, _uncoded, _own = three_jobs
    EmploymentRecord.objects.filter(pk=coded.pk).update(employer_credit_code=BAD_CHECKSUM)  # a legacy row
    assert code_of(lambda: services.verify_employment(coded, by=hr)) == "verification_note_required"
    services.verify_employment(coded, by=hr, note="信用代码录错,已对照营业执照核实。")
    coded.refresh_from_db()
    assert coded.verification_note == "信用代码录错,已对照营业执照核实。"


@pytest.mark.django_db
def test_one_verified_before_notes_were_required_counts_once_verified_again_with_a_note(hr, three_jobs):
    _coded, uncoded, _own = three_jobs
    EmploymentRecord.objects.filter(pk=uncoded.pk).update(  # as migration 0007 left it
        verified_by=hr, verified_at=timezone.now(), verification_note=LEGACY_VERIFICATION_NOTE)
    uncoded.refresh_from_db()
    assert not uncoded.is_verified_for_payment
    assert code_of(lambda: services.verify_employment(uncoded, by=hr)) == "verification_note_required"
    services.verify_employment(uncoded, by=hr, note="已电话核实并查看工资流水。")
    uncoded.refresh_from_db()
    assert uncoded.is_verified_for_payment and uncoded.verification_note == "已电话核实并查看工资流水。"
    assert code_of(lambda: services.verify_employment(uncoded, by=hr, note="再次")) == "already_verified"


@pytest.mark.django_db
def test_a_job_that_has_not_begun_is_never_verified(hr, three_jobs):
    coded, _uncoded, _own = three_jobs
    assert code_of(lambda: services.verify_employment(
        coded, by=hr, today=coded.started_on - datetime.timedelta(days=1))) == "employment_in_future"
    services.verify_employment(coded, by=hr, today=coded.started_on)


@pytest.mark.django_db
def test_the_database_refuses_a_verified_record_without_its_note(hr, three_jobs):
    coded, uncoded, own = three_jobs
    for record in (uncoded, own):
        with pytest.raises(IntegrityError), transaction.atomic():
            EmploymentRecord.objects.filter(pk=record.pk).update(verified_by=hr, verified_at=timezone.now())
    EmploymentRecord.objects.filter(pk=coded.pk).update(verified_by=hr, verified_at=timezone.now())


# --- The portals ---------------------------------------------------------------------------------

def employment_post(enrolment, started_on):
    return {"enrolment": enrolment.pk, "employer_name": "长治县某物流公司", "employer_credit_code": CODED,
            "started_on": started_on.isoformat(), "contract_months": "12", "evidence_kind": "contract"}


@pytest.mark.django_db
def test_the_institution_portal_refuses_tomorrow_beside_the_date_and_records_today():
    training_class = completed_class(trainees=1)
    enrolment = training_class.enrolments.get()
    client = logged_in(training_class.clerk)
    url = reverse("certification:employment", args=[training_class.pk])
    today = timezone.localdate()
    response = client.post(url, employment_post(enrolment, today + datetime.timedelta(days=1)))
    assert response.context["form"].has_error("started_on", "employment_in_future")
    assert "《实施方案》四(二)" in response.content.decode()
    assert not EmploymentRecord.objects.exists()
    response = client.post(url, employment_post(enrolment, today))
    assert response.status_code == 302 and EmploymentRecord.objects.get().started_on == today


@pytest.mark.django_db
def test_the_township_portal_refuses_tomorrow_and_records_today():
    training_class = completed_class(trainees=1)
    enrolment = training_class.enrolments.get()
    client = logged_in(factories.township_user(enrolment.trainee.township))
    url = reverse("trainees:record-employment", args=[enrolment.trainee.pk])
    today = timezone.localdate()
    response = client.post(url, employment_post(enrolment, today + datetime.timedelta(days=1)))
    assert response.context["employment_form"].has_error("started_on", "employment_in_future")
    assert not EmploymentRecord.objects.exists()
    response = client.post(url, employment_post(enrolment, today))
    assert response.status_code == 302 and EmploymentRecord.objects.get().started_on == today


@pytest.mark.django_db
def test_the_employment_sheet_refuses_a_row_dated_tomorrow_in_its_preview():
    training_class = completed_class(trainees=2)
    first, second = training_class.enrolments.order_by("pk")
    client = logged_in(training_class.clerk)
    url = reverse("certification:import-employment")
    today = timezone.localdate()
    rows = [(first.trainee.id_number, "", "长治县某物流公司", CODED, today, 12, "劳动合同"),
            (second.trainee.id_number, "", "长治县某物流公司", CODED, today + datetime.timedelta(days=1), 12,
             "劳动合同")]
    plan = client.post(url, {"file": sheet(JOBS, rows)}).context["plan"]
    assert [(error.row, error.column) for error in plan.errors] == [(3, "就业日期")]
    assert "晚于今天" in plan.errors[0].reason
    assert not EmploymentRecord.objects.exists()  # all or nothing
    response = client.post(url, {"file": sheet(JOBS, rows[:1])})
    assert response.context["plan"].is_clean
    client.post(url, {"batch": response.context["batch"].pk})
    assert EmploymentRecord.objects.get().started_on == today


# --- The admin ---------------------------------------------------------------------------------

def admin_post(enrolment, started_on):
    return {"trainee": enrolment.trainee.pk, "enrolment": enrolment.pk, "employer_name": "长治县某物流公司",
            "employer_credit_code": CODED, "started_on": started_on.isoformat(), "contract_months": "12",
            "evidence_kind": "contract"}


@pytest.mark.django_db
def test_the_admin_refuses_tomorrow_and_records_today(hr_client):
    training_class = completed_class(trainees=1)
    enrolment = training_class.enrolments.get()
    url = reverse("admin:certification_employmentrecord_add")
    today = timezone.localdate()
    response = hr_client.post(url, admin_post(enrolment, today + datetime.timedelta(days=1)))
    assert response.status_code == 200
    assert response.context["adminform"].form.has_error("started_on", "employment_in_future")
    assert not EmploymentRecord.objects.exists()
    response = hr_client.post(url, admin_post(enrolment, START - datetime.timedelta(days=1)))
    assert response.context["adminform"].form.has_error("started_on", "employment_before_class")
    response = hr_client.post(url, admin_post(enrolment, today))
    assert response.status_code == 302 and EmploymentRecord.objects.get().started_on == today


@pytest.mark.django_db
def test_the_admin_cannot_turn_a_verified_record_into_one_without_a_code(hr_client, hr, three_jobs):
    coded, _uncoded, _own = three_jobs
    services.verify_employment(coded, by=hr)
    data = admin_post(coded.enrolment, coded.started_on) | {"employer_credit_code": ""}
    response = hr_client.post(reverse("admin:certification_employmentrecord_change", args=[coded.pk]), data)
    assert response.status_code == 200
    assert response.context["adminform"].form.has_error("__all__", "verification_note_required")
    coded.refresh_from_db()
    assert coded.employer_credit_code == CODED


def run_action(client, records, **extra):
    return client.post(reverse("admin:certification_employmentrecord_changelist"), {
        "action": "verify_selected", "_selected_action": [r.pk for r in records], **extra})


@pytest.mark.django_db
def test_bulk_verification_lists_apart_and_skips_the_records_that_need_scrutiny(hr_client, three_jobs):
    coded, uncoded, own = three_jobs
    page = run_action(hr_client, three_jobs)
    text = page.content.decode()
    assert page.status_code == 200 and 'id="held-for-scrutiny"' in text
    held = text[text.index('id="held-for-scrutiny"'):text.index('id="action-changes"')]
    assert "用人单位未填写统一社会信用代码" in held and "用人单位即培训机构本身" in held and "长治县某物流公司" not in held
    for record in (uncoded, own):  # sent again with the confirmation, to be reported again
        assert f'form="service-action-form" name="_selected_action" value="{record.pk}"' in held
    response = run_action(hr_client, three_jobs, confirm="1")
    assert response.status_code == 302
    verified = set(EmploymentRecord.objects.filter(verified_at__isnull=False).values_list("pk", flat=True))
    assert verified == {coded.pk}
    said = [str(m) for m in get_messages(response.wsgi_request)]
    assert "已核实就业1项。" in said
    assert any(m.startswith("2条就业记录须逐条核实并写明核实说明,本次未核实") for m in said)


@pytest.mark.django_db
def test_bulk_verification_of_only_such_records_verifies_nothing_and_says_why(hr_client, three_jobs):
    _coded, uncoded, own = three_jobs
    response = run_action(hr_client, [uncoded, own])
    assert response.status_code == 302
    assert not EmploymentRecord.objects.filter(verified_at__isnull=False).exists()
    assert any("2条就业记录须逐条核实" in str(m) for m in get_messages(response.wsgi_request))


@pytest.mark.django_db
def test_one_such_record_is_verified_alone_with_the_note(hr_client, hr, three_jobs):
    _coded, uncoded, _own = three_jobs
    page = run_action(hr_client, [uncoded])
    assert page.status_code == 200 and 'name="verification_note"' in page.content.decode()
    refused = run_action(hr_client, [uncoded], confirm="1", verification_note="")
    assert refused.status_code == 400
    uncoded.refresh_from_db()
    assert uncoded.verified_at is None
    done = run_action(hr_client, [uncoded], confirm="1", verification_note="电话联系超市负责人并查看了工资发放记录。")
    assert done.status_code == 302
    uncoded.refresh_from_db()
    assert (uncoded.verified_by, uncoded.verification_note) == (hr, "电话联系超市负责人并查看了工资发放记录。")
