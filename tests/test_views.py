"""Portal home pages, login routing, the public page and the health probe."""

import datetime as dt
import io
import os
import subprocess
import sys

import openpyxl
import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.urls import reverse

from courses.models import ClassStatus, Enrolment
from skills_program.checks import ensure_openpyxl_defused
from subsidies.models import SubsidyClaim
from tests import factories
from tests.scenarios import START, completed_class
from trainees.models import Trainee

pytestmark = pytest.mark.django_db


def test_institution_home_shows_own_name_and_numbers(client):
    line = factories.ClaimLineFactory()
    institution = line.enrolment.training_class.institution
    factories.TrainingClassFactory(institution=institution, status=ClassStatus.IN_PROGRESS)
    other = factories.TrainingClassFactory()
    client.force_login(factories.institution_user(institution))
    response = client.get(reverse("institutions:home"))
    content = response.content.decode()
    assert institution.name in content and other.code not in content
    figures = response.context["figures"]
    assert (figures["classes"], figures["in_progress"], figures["trainees"]) == (2, 1, 1)


def _grow(institution, township, year, classes):
    """`classes` ongoing and `classes` completed classes with trainees of `township`, marks,
    certificates and claims: the data a page reads grows, its queries must not."""
    for _ in range(classes):
        ongoing = factories.TrainingClassFactory(institution=institution, status=ClassStatus.IN_PROGRESS,
                                                 policy_year=year)
        session = factories.SessionFactory(training_class=ongoing)
        done = factories.ClaimLineFactory(claim__training_class__institution=institution,
                                          claim__training_class__policy_year=year,
                                          enrolment__trainee__township=township)
        factories.CertificateFactory(enrolment=done.enrolment)
        for _ in range(3):
            enrolment = factories.EnrolmentFactory(training_class=ongoing,
                                                   trainee=factories.TraineeFactory(township=township))
            factories.AttendanceRecordFactory(enrolment=enrolment, session=session)


# Queries per page, whatever the amount of data (SPEC.md §7: a province's data on one server).
# The township's home reads "employed" as every page does (reporting.selectors.employed_enrolments:
# the verified jobs with their classes' dates, judged by R23 and R7), one query more than a bare count.
# The institution's home reads its classes' counties' own years in one query (courses.models.load_params);
# the public page first asks whether the deployment has several counties (the province's index).
PINNED = {"institutions:home": 22, "trainees:home": 18, "trainees:trainee-list": 7, "public-home": 14,
          "admin:dashboard": 10}


@pytest.mark.parametrize("classes", [1, 4])
def test_portal_pages_run_a_fixed_number_of_queries(client, classes, settings, django_assert_num_queries):
    settings.FIGURES_MAX_AGE = 600  # the dashboard and the public page read the year's snapshot
    year = factories.PolicyYearFactory(year=2018)
    institution, township = factories.TrainingInstitutionFactory(), factories.TownshipFactory()
    factories.TownshipTargetFactory(township=township, policy_year=year)
    _grow(institution, township, year, classes)
    users = {"institutions:home": factories.institution_user(institution),
             "trainees:home": factories.township_user(township), "public-home": None,
             "admin:dashboard": factories.hr_user()}
    users["trainees:trainee-list"] = users["trainees:home"]
    for name, expected in PINNED.items():
        client.logout()
        if users[name] is not None:
            client.force_login(users[name])
        client.get(reverse(name))  # warm: the snapshot exists after the first visit
        with django_assert_num_queries(expected):
            assert client.get(reverse(name)).status_code == 200, name


def test_township_home_shows_target_and_progress(client, policy_year):
    township = factories.TownshipFactory(name="韩店镇")
    factories.TownshipTargetFactory(township=township, policy_year=policy_year, target_count=820)
    enrolment = factories.EnrolmentFactory(
        trainee=factories.TraineeFactory(township=township),
        training_class=factories.TrainingClassFactory(policy_year=policy_year, completed=True),
    )
    factories.CertificateFactory(enrolment=enrolment)
    factories.TraineeFactory(township=township)
    factories.TraineeFactory()  # another township's trainee
    client.force_login(factories.township_user(township))
    response = client.get(reverse("trainees:home"))
    assert "韩店镇" in response.content.decode() and "820" in response.content.decode()
    assert response.context["progress"] == {"registered": 2, "enrolled": 1, "trained": 1, "certified": 1}


def test_township_pages_mask_personal_data(client):
    trainee = factories.TraineeFactory(id_number="11010519491231002X", phone="13812345678")
    client.force_login(factories.township_user(trainee.township))
    for url in (reverse("trainees:home"), reverse("trainees:trainee-detail", args=[trainee.pk])):
        content = client.get(url).content.decode()
        assert "110105********002X" in content and "138****5678" in content
        assert "11010519491231002X" not in content and "13812345678" not in content
        # The birth date is the masked part of the ID number: never beside it.
        assert "1949年12月31日" not in content and "1949-12-31" not in content


@pytest.mark.parametrize(
    ("role", "target"),
    [("hr", "/admin/"), ("institution", "/institution/"), ("township", "/township/")],
)
def test_one_login_page_sends_each_role_home(client, role, target):
    institution = factories.TrainingInstitutionFactory()
    township = factories.TownshipFactory()
    user = {
        "hr": lambda: factories.hr_user("hr1"),
        "institution": lambda: factories.institution_user(institution, "clerk1"),
        "township": lambda: factories.township_user(township, "official1"),
    }[role]()
    response = client.post(reverse("login"), {"username": user.username, "password": "Test-password-2018"})
    assert response.status_code == 302
    response = client.get(response["Location"])
    assert response.status_code == 302 and response["Location"] == target


def test_login_page_is_chinese(client):
    content = client.get(reverse("login")).content.decode()
    assert "登录" in content and "用户名" in content and "Log in" not in content


def test_public_page_shows_aggregates_only(client, policy_year):
    trainee = factories.TraineeFactory(name="张小明")
    factories.EnrolmentFactory(trainee=trainee, training_class=factories.TrainingClassFactory(completed=True))
    response = client.get(reverse("public-home"))
    assert response.status_code == 200
    content = response.content.decode()
    assert dict((r[0], r[3]) for r in response.context["data"]["lines"])[
        Enrolment.objects.get().training_class.target_line.name] == 1
    assert "张小明" not in content and trainee.id_number not in content


def test_healthz_ok(client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json()["database"] == "ok"


def test_healthz_503_without_database(tmp_path):
    """A process whose database cannot be opened answers 503 (a real unreachable database)."""
    script = (
        "import django; django.setup();"
        "from django.test.utils import setup_test_environment; setup_test_environment();"
        "from django.test import Client; r = Client().get('/healthz'); print(r.status_code, r.json()['status'])"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "skills_program.settings",
           "DATABASE_URL": f"sqlite:///{tmp_path}/missing-directory/db.sqlite3"}
    result = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=60,
                            cwd=settings.BASE_DIR)
    assert result.stdout.split() == ["503", "unavailable"], result.stderr[-2000:]


def test_no_missing_migrations():
    """Models and migrations agree (makemigrations --check finds nothing)."""
    out = io.StringIO()
    call_command("makemigrations", "--check", "--dry-run", stdout=out)  # exits with 1 on a change
    assert out.getvalue().strip() == "No changes detected"


def test_openpyxl_uses_defusedxml(monkeypatch):
    """The process starts only when openpyxl parses through defusedxml."""

    assert openpyxl.DEFUSEDXML
    ensure_openpyxl_defused()
    monkeypatch.setattr(openpyxl, "DEFUSEDXML", False)
    with pytest.raises(ImproperlyConfigured):
        ensure_openpyxl_defused()


def test_error_pages_are_chinese(client, settings):
    settings.DEBUG = False
    response = client.get("/institution/classes/999999/")
    assert response.status_code == 302  # anonymous: to the login page first
    official = factories.township_user(factories.TownshipFactory())
    client.force_login(official)
    missing = client.get(reverse("trainees:trainee-detail", args=[999999]))
    assert missing.status_code == 404 and "页面不存在" in missing.content.decode()
    forbidden = client.get(reverse("institutions:home"))
    assert forbidden.status_code == 403 and "无权访问" in forbidden.content.decode()
    assert "Not Found" not in missing.content.decode() and "Forbidden" not in forbidden.content.decode()


def test_institution_home_lists_what_needs_doing(client, monkeypatch):
    done = completed_class(trainees=2)
    client.force_login(done.clerk)
    monkeypatch.setattr("django.utils.timezone.localdate", lambda *a, **k: START + dt.timedelta(days=20))
    todo = client.get(reverse("institutions:home")).context["todo"]
    assert [(c, what) for c, what in todo["claims"]] == [(done, "生成首期申领")]
    assert todo["employment"][0][:2] == (done, 2)
    returned = factories.TrainingClassFactory(institution=done.institution, status="returned",
                                              decision_note="请补充教材")
    todo = client.get(reverse("institutions:home")).context["todo"]
    assert todo["returned"] == [returned]

    SubsidyClaim.objects.create(institution=done.institution, training_class=done, instalment="first",
                                status="paid")
    monkeypatch.setattr("django.utils.timezone.localdate", lambda *a, **k: START + dt.timedelta(days=120))
    todo = client.get(reverse("institutions:home")).context["todo"]
    assert todo["claims"] == [(done, "就业认定期已结束,生成二期申领")]


def test_public_pages_leak_no_personal_data_on_the_demo(client, demo_county):
    """Every demo trainee's full ID number and phone is searched for in every public page."""
    pages = [client.get(reverse("public-home")).content.decode(),
             client.get(reverse("public-home") + "?year=2018").content.decode()]
    assert SubsidyClaim.objects.filter(status="publicised").exists()
    assert "公示期" in pages[0] and "********" in pages[0]
    for number, phone, address in Trainee.objects.values_list("id_number", "phone", "address"):
        for page in pages:
            assert number not in page
            assert not phone or phone not in page
            assert not address or address not in page
