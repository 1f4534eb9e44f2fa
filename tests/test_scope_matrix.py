"""The scope matrix, generated from the URL patterns: every object URL (portal pages, edits,
actions, exports; admin change, delete and history pages) x each role x its own party's object and
another party's x GET and POST. Another party's object answers 404 (a role that may not use the
page at all gets 403, the admin sends non-HR accounts to its login) and nothing in the database
changes. Own objects are found (never 404). Forged form fields and bulk requests carrying one
foreign id change nothing either."""

import functools
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from checkin.models import SessionPhoto
from common.models import BackgroundJob, JobStatus
from courses.models import AttendanceCorrection, ClassDecision, TrainingClass
from tests import factories
from tests.courses.test_views import application_data
from tests.ids import make_id_number
from tests.test_admin import populate
from tests.urlwalk import routes
from trainees.models import Trainee

pytestmark = pytest.mark.django_db

# The object each portal URL parameter names, by the path segment before it. A new object URL
# whose segment is not here fails `test_every_object_url_is_in_the_matrix`.
OBJECT_OF_SEGMENT = {"classes": "training_class", "enrolments": "enrolment", "sessions": "session",
                     "claims": "claim", "claim-lines": "line", "trainees": "trainee", "employment": "employment",
                     "evaluation-plans": "plan", "attendance-corrections": "correction", "photos": "photo",
                     "jobs": "job"}
# Rows that change on every request whatever it does (the session, login throttling).
NOT_COMPARED = {"sessions.Session", "axes.AccessAttempt", "axes.AccessLog", "axes.AccessFailureLog"}


@functools.cache
def _every_row_queries():
    """One query per model: its every row, all columns, by primary key (built once: compiling the
    ORM's queries cost more than running them, and the matrix reads every table a thousand times)."""
    return [(model._meta.label, model._base_manager.order_by("pk").values_list().query.sql_with_params())
            for model in apps.get_models() if model._meta.label not in NOT_COMPARED]


def fingerprint():
    """Every row of every table the product keeps (history included), in one comparable value: the
    columns as the database holds them."""
    rows = []
    with connection.cursor() as cursor:
        for label, (sql, params) in _every_row_queries():
            cursor.execute(sql, params)
            rows.append((label, tuple(cursor.fetchall())))
    return hash(repr(rows))  # repr: JSON columns (a correction's marks) may read as dicts, which do not hash


def _party(year):
    township = factories.TownshipFactory()
    institution = factories.TrainingInstitutionFactory()
    body = factories.EvaluationBodyFactory()
    # With its documents, so that the document URLs of own objects are found.
    line = factories.ClaimLineFactory(claim__training_class__policy_year=year,
                                      claim__training_class__institution=institution,
                                      claim__training_class__documents=True,
                                      enrolment__trainee__township=township)
    enrolment = line.enrolment
    training_class = enrolment.training_class
    session = factories.SessionFactory(training_class=training_class)
    factories.AttendanceRecordFactory(enrolment=enrolment, session=session)
    correction = AttendanceCorrection.objects.create(  # R20: a late mark asked of county HR, with evidence
        training_class=training_class, session=session, marks={str(enrolment.pk): "到"}, reason="当天停电",
        requested_by=factories.UserFactory(), requested_at=timezone.now(),
        evidence=ContentFile(b"%PDF-1.4 sheet", name="签到表.pdf"))
    ClassDecision.objects.create(  # R21: HR's recorded reschedule of the class
        training_class=training_class, kind="reschedule", reason="场地维修,推迟一周", decided_by=factories.UserFactory(),
        decided_at=timezone.now(), previous_start_on=training_class.planned_start_on,
        previous_end_on=training_class.planned_end_on, new_start_on=training_class.planned_start_on,
        new_end_on=training_class.planned_end_on)
    photo = SessionPhoto.objects.create(  # 视频调阅: a class photo of the session, read through its scope
        session=session, image=ContentFile(b"\xff\xd8\xff photo", name="p.jpg"),
        thumbnail=ContentFile(b"\xff\xd8\xff thumbnail", name="t.jpg"), width=1, height=1,
        sha256=f"{session.pk:064d}", uploaded_by=factories.UserFactory(), uploaded_at=timezone.now())
    factories.CertificateFactory(enrolment=enrolment)
    employment = factories.EmploymentRecordFactory(enrolment=enrolment, with_evidence=True)
    factories.VoucherFactory(holder=enrolment.trainee)
    plan = factories.EvaluationPlanFactory(evaluation_body=body, with_document=True)
    plan.occupations.add(training_class.occupation)
    return SimpleNamespace(township=township, institution=institution, body=body, training_class=training_class,
                           enrolment=enrolment, session=session, claim=line.claim, line=line,
                           trainee=enrolment.trainee, employment=employment, plan=plan, correction=correction,
                           photo=photo)


@pytest.fixture
def world(db):
    year = factories.PolicyYearFactory(year=2018)
    own, foreign = _party(year), _party(year)

    populate(1)  # a row of every other kind, for the admin's object pages
    factories.GroupFactory()
    users = {
        Role.HR: factories.hr_user("matrix_hr"),
        Role.INSTITUTION: factories.institution_user(own.institution, "matrix_clerk"),
        Role.TOWNSHIP: factories.township_user(own.township, "matrix_official"),
        Role.EVALUATOR: factories.evaluator_user(own.body, "matrix_evaluator"),
    }
    clients = {}
    for role, user in users.items():
        clients[role] = Client()
        clients[role].force_login(user)
    # A background job is its starter's (and every HR officer's when started in HR's back office):
    # each role's own is one it started; the other party's was started by that party's official.
    stranger = factories.township_user(foreign.township, "matrix_foreign_official")
    own.jobs = {role: _finished_job(user, is_hr_job=role == Role.HR) for role, user in users.items()}
    foreign.jobs = {role: _finished_job(stranger) for role in users}
    return SimpleNamespace(own=own, foreign=foreign, users=users, clients=clients)


def _finished_job(user, *, is_hr_job=False):
    return BackgroundJob.objects.create(
        kind="export", title="导出", started_by=user, is_hr_job=is_hr_job, status=JobStatus.SUCCEEDED,
        finished_at=timezone.now(), message="已完成", result_file=ContentFile(b"PK xlsx", name="job.xlsx"),
        result_name="导出.xlsx")


def forged_fields(world):
    """What a user might add to any form to act on another party's behalf."""
    foreign, hr = world.foreign, world.users[Role.HR]
    return {
        "institution": foreign.institution.pk, "township": foreign.township.pk, "status": "approved",
        "total_amount": "99999.00", "amount": "99999.00", "approved_by": hr.pk, "reviewed_by": hr.pk,
        "training_class": foreign.training_class.pk, "enrolment": foreign.enrolment.pk,
        "holder": foreign.trainee.pk, "trainee": foreign.trainee.pk, "evaluation_body": foreign.body.pk,
        f"mark-{foreign.enrolment.pk}": "缺", f"result-{foreign.enrolment.pk}": "failed",
        "reveal": "id_number",
    }


def portal_object_routes():
    return [route for route in routes() if not route.is_admin and "pk" in route.parameters]


def admin_object_routes():
    return [route for route in routes() if route.is_admin and "object_id" in route.parameters]


def _segment(route):
    parts = route.pattern.split("/")
    return next(parts[i - 1] for i, part in enumerate(parts) if "pk" in part)


def test_every_object_url_is_in_the_matrix():
    assert {_segment(route) for route in portal_object_routes()} <= set(OBJECT_OF_SEGMENT)
    assert len(portal_object_routes()) >= 15 and len(admin_object_routes()) >= 100


def _admin_target(route, party_index):
    """The model object an admin URL names: the first or the last row of the model."""
    parts = route.pattern.split("/")
    # The admin's "view on site" redirect (admin/r/...) takes any object with a content type.
    model = apps.get_model("trainees", "Trainee") if parts[1] == "r" else apps.get_model(parts[1], parts[2])
    rows = model._base_manager.order_by("pk")
    obj = rows.first() if party_index == 0 else rows.last()
    values = {"object_id": obj.pk, "content_type_id": ContentType.objects.get_for_model(model).pk}
    if "version_id" in route.parameters or "simple_history" in route.name:
        values["version_id"] = obj.history.order_by("history_id").first().history_id
    return values


def test_scope_matrix(world):
    """Several hundred cases; the count is printed for the record."""
    data = forged_fields(world)
    cases = {"foreign_refused": 0, "own_found": 0, "role_refused": 0, "admin_refused": 0, "hr_admin": 0}
    baseline = fingerprint()
    failures = []

    def check(label, response, expected, must_not_change=True):
        nonlocal baseline
        after = fingerprint()
        if response.status_code not in expected:
            failures.append(f"{label}: {response.status_code}, expected {sorted(expected)}")
        if must_not_change and after != baseline:
            failures.append(f"{label}: the database changed")
        baseline = after

    for route in portal_object_routes():
        kind = OBJECT_OF_SEGMENT[_segment(route)]
        roles_allowed = route.callback.access
        for role, client in world.clients.items():
            for side, party in (("foreign", world.foreign), ("own", world.own)):
                url = route.url(pk=(party.jobs[role] if kind == "job" else getattr(party, kind)).pk)
                for method in ("get", "post"):
                    response = getattr(client, method)(url, data) if method == "post" else client.get(url)
                    label = f"{role} {method.upper()} {side} {route.name} {url}"
                    if role not in roles_allowed:
                        check(label, response, {403, 405})
                        cases["role_refused"] += 1
                    elif side == "foreign" and (role != Role.HR or kind == "job"):
                        check(label, response, {404, 405})
                        cases["foreign_refused"] += 1
                    else:  # own object (HR: the whole county is its own); 409: its state refuses the change
                        check(label, response, {200, 302, 400, 405, 409}, must_not_change=False)
                        cases["own_found"] += 1

    for route in admin_object_routes():
        for index in (0, 1):
            url = route.url(**_admin_target(route, index))
            response = world.clients[Role.HR].get(url)
            # HR sees the whole county; "view on site" is 404 for records without a public page.
            check(f"HR GET {route.name} {url}", response,
                  {200, 302, 403, 404} if route.name == "admin:view_on_site" else {200, 302, 403},
                  must_not_change=False)
            cases["hr_admin"] += 1
        for index, side in enumerate(("own", "foreign")):
            url = route.url(**_admin_target(route, index))
            for role, client in world.clients.items():
                if role == Role.HR:
                    continue
                for method in ("get", "post"):
                    response = getattr(client, method)(url, data) if method == "post" else client.get(url)
                    label = f"{role} {method.upper()} {side} {route.name} {url}"
                    if response.status_code != 302 or not response["Location"].startswith("/admin/login/"):
                        failures.append(f"{label}: {response.status_code} {response.get('Location')}")
                    cases["admin_refused"] += 1
        # The admin refuses before any view runs: one comparison per URL covers its 12 requests.
        if fingerprint() != baseline:
            failures.append(f"non-HR requests to {route.name}: the database changed")

    print(f"scope matrix: {sum(cases.values())} cases {cases}")
    assert failures == []
    assert cases["foreign_refused"] >= 40 and sum(cases.values()) >= 500


def test_a_bulk_attendance_save_with_one_foreign_enrolment_changes_nothing(world):
    own, foreign = world.own, world.foreign
    own.training_class.status = "in_progress"
    own.training_class.save()
    # R20: a session held today, whose marks may be entered now.
    own.session.held_on, own.session.starts_at = timezone.localdate(), None
    own.session.save()
    clerk = world.clients[Role.INSTITUTION]
    before = fingerprint()
    response = clerk.post(reverse("courses:attendance", args=[own.session.pk]),
                          {f"mark-{own.enrolment.pk}": "缺", f"mark-{foreign.enrolment.pk}": "缺"})
    assert response.status_code == 400 and "不属于本课次名册" in response.content.decode()
    assert fingerprint() == before
    response = clerk.post(reverse("courses:attendance", args=[own.session.pk]), {f"mark-{own.enrolment.pk}": "缺"})
    assert response.status_code == 302 and fingerprint() != before  # the same save without it goes through


def test_forged_fields_on_a_class_application_are_ignored(world):
    own, foreign = world.own, world.foreign
    occupation = own.training_class.occupation
    data = {**application_data(occupation, own.training_class.target_line), **forged_fields(world),
            "code": "FORGED-1", "approved_on": "2018-05-01", "level": "5"}
    response = world.clients[Role.INSTITUTION].post(reverse("courses:class-create"), data)
    assert response.status_code == 302
    created = TrainingClass.objects.order_by("-pk").first()
    assert created.institution == own.institution and created.status == "draft"
    assert created.code != "FORGED-1"
    # Editing: the same forgery on an own draft keeps its institution and status.
    world.clients[Role.INSTITUTION].post(reverse("courses:class-edit", args=[created.pk]), {
        **data, "syllabus": "", "teaching_plan": "", "assessment_plan": "", "name": "改名后的班"})
    created.refresh_from_db()
    assert created.institution == own.institution and created.status == "draft"
    assert not TrainingClass.objects.filter(institution=foreign.institution, status="approved",
                                            name__in=["改名后的班", data["name"]]).exists()


def test_forged_township_on_registration_is_ignored(world):
    number = make_id_number()
    data = {**forged_fields(world), "id_number": number, "name": "赵六", "phone": "13912345678",
            "category": "rural_labour", "held_from": "2018-05-14", "education": "junior", "address": ""}
    response = world.clients[Role.TOWNSHIP].post(reverse("trainees:register"), data)
    assert response.status_code == 302
    assert Trainee.objects.get(id_number=number).township == world.own.township


def test_forged_amounts_on_a_claim_submission_are_ignored(world):
    claim = world.own.claim
    before = (claim.total_amount, claim.institution_id, claim.training_class_id)
    world.clients[Role.INSTITUTION].post(reverse("subsidies:claim-submit", args=[claim.pk]), forged_fields(world))
    claim.refresh_from_db()
    assert (claim.total_amount, claim.institution_id, claim.training_class_id) == before
    assert claim.lines.get().amount == world.own.line.amount


def test_a_township_cannot_record_employment_for_another_townships_enrolment(world):
    before = fingerprint()
    response = world.clients[Role.TOWNSHIP].post(
        reverse("trainees:record-employment", args=[world.own.trainee.pk]),
        {"enrolment": world.foreign.enrolment.pk, "employer": "某公司", "started_on": "2018-07-01",
         "contract_months": "12", "evidence_kind": "contract"})
    assert response.status_code in (200, 302, 404)
    assert fingerprint() == before
