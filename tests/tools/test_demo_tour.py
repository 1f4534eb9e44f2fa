"""The demo's live year, tried as a new user would (issue 13): every demo login finds the work
its pages suggest, and doing it through the services on the day the demo is built succeeds."""

import shutil
import subprocess
from io import BytesIO
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from openpyxl import Workbook

from certification.models import AssessmentResult, Certificate, EmploymentRecord
from certification.services import issue_certificate, record_employment, verify_employment
from courses.models import AttendanceRecord, TrainingClass, Voucher
from courses.selectors import AttendanceSheet, classes_visible_to, trainees_visible_to
from courses.services import (
    approve_class,
    attendance_window,
    check_application,
    issue_voucher,
    record_attendance,
    submit_class_application,
)
from programme.selectors import current_policy_year
from reporting.flags import Flag, resolve_flag
from reporting.selectors import todo_for_institution
from subsidies import services as claims
from subsidies.models import ClaimObjection, ClaimStatus, SubsidyClaim
from tools import demo_data as demo
from trainees.models import Trainee
from trainees.services import register_trainee

pytestmark = pytest.mark.django_db


@pytest.fixture
def today(demo_county):
    """The run's demo county (tests/conftest.py), and the day it was built for."""
    return demo_county


def login(username):
    return get_user_model().objects.select_related("profile").get(username=username)


def live_claims(today, status):
    return SubsidyClaim.objects.filter(training_class__policy_year_id=today.year, status=status).order_by("pk")


def do_to_do_list(clerk, today):
    """Do every item of the clerk's to-do list (institution home) as it suggests; return what
    was done. Trainees at risk of missing 85% are a warning, not a task."""
    todo = todo_for_institution(clerk, today=today)
    done = []
    for training_class in todo["returned"]:
        warnings = check_application(training_class)
        submit_class_application(training_class, by=clerk, acknowledge_warnings=bool(warnings))
        done.append(("resubmitted", training_class.code))
    for training_class, session, _window, phase in todo["sessions"]:
        assert phase != "closed", f"{training_class.code} {session.held_on}: the demo leaves no session past its R20 window"
        roster = AttendanceSheet(training_class).roster_for(session)
        # R20: today's sessions are marked while they are held; a session later today is marked
        # at its start (the clock set), one already begun now.
        opens_at = timezone.make_aware(attendance_window(session).opens_at)
        created, _ = record_attendance(session, by=clerk, now=max(timezone.now(), opens_at),
                                       marks={e.pk: "到" for e in roster})
        assert created == len(roster) > 0
        done.append(("attendance", session.pk))
    for training_class, missing, window_ends in todo["employment"]:
        assert missing > 0 and window_ends >= today
        enrolment = training_class.enrolments.filter(is_withdrawn=False, meets_attendance=True,
                                                     employment__isnull=True).first()
        record_employment(enrolment, by=clerk, employer_name="长治县鑫达钢结构有限公司", started_on=today,
                          evidence_kind="contract", contract_months=12)
        done.append(("employment", enrolment.pk))
    for training_class, what in todo["claims"]:
        if what.startswith("提交"):
            claim = training_class.claims.get(status=ClaimStatus.DRAFT)
            claims.submit_claim(claim, by=clerk, today=today)
            done.append(("submitted", claim.pk))
            continue
        instalment = "second" if "二期" in what else "first"
        claim, preview = claims.generate_claim(training_class, by=clerk, instalment=instalment, today=today)
        assert claim.lines.count() == len(preview.lines) > 0
        assert not [d for _, d in preview.excluded if d.code == "claim_too_late"], "R18 refuses a demo line"
        done.append((f"generated {instalment}", training_class.code))
    return done


@pytest.mark.parametrize("username", ["inst_clerk", "inst_clerk2"])
def test_each_clerk_works_through_the_to_do_list_without_a_refusal(today, username):
    """The first item is the returned application; every item (resubmit it, mark today's
    sessions, follow up employment, claim the first and the second instalment, submit the
    drafts) succeeds, and then the list holds only what is still to come."""
    clerk = login(username)
    todo = todo_for_institution(clerk, today=today)
    assert todo["returned"], "the first suggested action is the returned application"
    assert [s.held_on for _, s, _, _ in todo["sessions"]] == [today, today], "a class in session today"
    assert {what for _, what in todo["claims"]} >= {"生成首期申领", "就业认定期已结束,生成二期申领"}
    kinds = set()
    for _ in range(3):  # a generated claim is a draft, and a draft is the next item to submit
        done = do_to_do_list(clerk, today)
        kinds |= {kind for kind, _ in done}
        if not todo_for_institution(clerk, today=today)["claims"]:
            break
    assert kinds >= {"resubmitted", "attendance", "employment", "generated first", "generated second", "submitted"}
    after = todo_for_institution(clerk, today=today)
    assert (after["returned"], after["sessions"], after["claims"]) == ([], [], [])
    mine = TrainingClass.objects.filter(institution=clerk.profile.institution, policy_year_id=today.year)
    assert mine.filter(status="submitted").exists()
    assert AttendanceRecord.objects.filter(session__training_class__in=mine, session__held_on=today).exists()
    assert set(SubsidyClaim.objects.filter(training_class__in=mine, status="submitted")
               .values_list("instalment", flat=True)) == {"first", "second"}
    # Nothing the clerk can reach suggests work in the archive year.
    assert not TrainingClass.objects.filter(policy_year_id=demo.ARCHIVE_YEAR).exclude(
        status__in=["closed", "rejected", "cancelled"]).exists()


def test_hr_officers_find_each_step_waiting_and_each_succeeds(today):
    """HR approves the submitted application; reviews, approves (a second officer), publicises,
    ends the notice of, and pays a claim each; records an objection during a notice; settles a
    class; verifies employment and resolves the open flags."""
    admin, reviewer, approver = login("hr_admin"), login("hr_reviewer"), login("hr_approver")
    application = TrainingClass.objects.get(policy_year_id=today.year, status="submitted")
    warnings = check_application(application)
    approve_class(application, by=approver, acknowledge_warnings=bool(warnings))
    submitted, reviewed, approved = (live_claims(today, s).get() for s in ("submitted", "reviewed", "approved"))
    claims.review_claim(submitted, by=reviewer)
    claims.approve_claim(reviewed, by=approver)
    claims.publicise_claim(approved, by=admin, starts_on=today, today=today)
    on_notice = [c for c in live_claims(today, "publicised") if c.publicity_starts_on <= today <= c.publicity_ends_on]
    ended = [c for c in live_claims(today, "publicised") if c.publicity_ends_on < today]
    assert on_notice and ended
    line = on_notice[0].lines.first()
    objection = claims.record_objection(line, by=reviewer, received_on=today, content="反映该学员未实际参训。")
    claims.decide_objection(objection, by=approver, upheld=False, note="经核查考勤和监控录像,该学员全程参训,异议不成立。")
    claims.mark_payable(ended[0], by=admin, today=today)
    claims.mark_paid(live_claims(today, "payable").first(), by=admin, payment_reference="长县人社拨〔演示〕1号")
    settled = TrainingClass.objects.filter(policy_year_id=today.year, status="completed").exclude(
        claims__status__in=[s for s in ClaimStatus.values if s not in ("paid", "rejected")]).filter(
        claims__instalment="second").distinct().get()
    claims.close_class(settled, by=admin, today=today)
    record = EmploymentRecord.objects.filter(enrolment__training_class__policy_year_id=today.year,
                                             verified_at__isnull=True, is_employer_the_institution=False).first()
    verify_employment(record, by=reviewer)
    flags = list(Flag.objects.filter(resolved_at__isnull=True))
    assert flags
    for flag in flags:
        resolve_flag(flag, by=admin, note="已核查并通知相关乡镇和机构更正。")

    for row in (application, settled, submitted, reviewed, approved):
        row.refresh_from_db()
    assert (application.status, settled.status) == ("approved", "closed")
    assert [c.status for c in (submitted, reviewed, approved)] == ["reviewed", "approved", "publicised"]
    assert (submitted.reviewed_by, reviewed.approved_by) == (reviewer, approver)
    assert live_claims(today, "paid").filter(payment_reference="长县人社拨〔演示〕1号").exists()
    assert ClaimObjection.objects.get().is_upheld is False
    assert not Flag.objects.filter(resolved_at__isnull=True).exists()


def test_the_evaluation_body_certifies_the_class_awaiting_it(today):
    """A class assessed last week waits for the evaluation body's skill-level certificates (R12);
    each passed trainee's certificate is recorded, and the institution may then claim."""
    body_user = login("eval_body")
    body = body_user.profile.evaluation_body
    waiting = [c for c in classes_visible_to(body_user).filter(status="completed").order_by("-planned_start_on")
               if c.enrolments.filter(assessment__result=AssessmentResult.PASSED, certificates__isnull=True).exists()]
    assert waiting, "the evaluation body has results to certify"
    training_class = waiting[0]
    passed = list(training_class.enrolments.filter(assessment__result=AssessmentResult.PASSED))
    for number, enrolment in enumerate(passed, start=1):
        issue_certificate(enrolment, by=body_user, number=f"{today:%y}{demo.REGION}9{number:04d}", issued_on=today,
                          today=today, evaluation_body=body)
    assert Certificate.objects.filter(enrolment__training_class=training_class, evaluation_body=body).count() == len(passed)
    _, preview = claims.generate_claim(training_class, by=login("hr_admin"), instalment="first", today=today)
    assert len(preview.lines) == len(passed)


@pytest.mark.parametrize("username", ["town_official", "town_official2"])
def test_each_township_registers_issues_a_voucher_and_imports(client, today, username):
    """The township registers a person, issues a voucher of the live year (the pilot is on and
    the year not over) to a trainee on its home page, and imports a registration sheet."""
    official = login(username)
    township = official.profile.township
    year = current_policy_year()
    assert year.year == today.year and not year.is_closed
    number = next(n for n in (demo.id_number(today.replace(year=today.year - 30, month=3, day=5), s)
                              for s in range(101, 999, 2)) if not Trainee.objects.filter(id_number=n).exists())
    person = register_trainee(by=official, id_number=number, name="申建国", township=township,
                              category="rural_labour", phone="13935512345")
    # The home page lists the latest registered: the new person, then the demo's own people;
    # each of them without an unused voucher may be given one.
    latest = list(trainees_visible_to(official).order_by("-pk")[:30])
    assert latest[0] == person
    holder = next(t for t in latest[1:] if not t.vouchers.filter(status="issued").exists())
    for trainee in (person, holder):
        voucher = issue_voucher(trainee, by=official, policy_year=year, today=today)
        assert (voucher.status, voucher.policy_year_id, voucher.expires_on) == ("issued", today.year,
                                                                                 today.replace(month=12, day=31))
    assert Voucher.objects.filter(holder__in=[person, holder], status="issued").count() == 2

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["身份证号", "姓名", "联系电话", "所属乡镇", "文化程度", "培训对象类别", "类别起始日期", "住址"])
    new = next(n for n in (demo.id_number(today.replace(year=today.year - 25, month=7, day=9), s)
                           for s in range(100, 998, 2)) if not Trainee.objects.filter(id_number=n).exists())
    sheet.append([new, "郝丽娟", "15035567890", township.name, "高中", "农村劳动力", f"{today:%Y-%m-%d}", "长治县"])
    buffer = BytesIO()
    workbook.save(buffer)
    client.force_login(official)
    url = reverse("trainees:import-trainees")
    preview = client.post(url, {"file": SimpleUploadedFile("学员登记.xlsx", buffer.getvalue())})
    assert preview.context["plan"].is_clean
    client.post(url, {"batch": preview.context["batch"].pk})
    assert Trainee.objects.get(id_number=new).township == township


def test_the_readme_opens_with_the_tour():
    """The first screenful of README.md names every demo login, the password and where to go."""
    readme = (project_dir() / "README.md").read_text(encoding="utf-8").splitlines()[:40]
    top = "\n".join(readme)
    for user in demo.USERS:
        assert f"`{user.username}`" in top, user.username
    assert demo.PASSWORD in top and "make run PORT=8001" in top
    for place in ("/institution/", "/township/", "/admin/", "/public/"):
        assert place in top


@pytest.mark.skipif(shutil.which("make") is None, reason="需要 make")
def test_make_run_serves_on_the_port_asked():
    commands = subprocess.run(["make", "-n", "run", "PORT=8001"], cwd=project_dir(), capture_output=True,
                              text=True, check=True).stdout
    assert "manage.py seed_demo" in commands and "runserver 127.0.0.1:8001" in commands


def project_dir():
    return Path(__file__).resolve().parents[2]
