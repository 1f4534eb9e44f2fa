"""The HR back office: every model's list page renders in Chinese with a bounded number of
queries, whatever the number of rows; exact ID search uses the index."""

from decimal import Decimal

import pytest
from django.contrib import admin
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from checkin.models import CheckIn, SessionPhoto
from courses import services
from courses.models import AttendanceCorrection, ClassDecision
from programme.models import CountyYear, Township
from tests import factories
from tests.conftest import built_once_for_the_module
from trainees.models import IdNumberView, Trainee

pytestmark = pytest.mark.django_db


def populate(rows):
    """`rows` of every kind of record, so that list pages have something to show per row."""
    hr = factories.UserFactory(username="inspector")
    for _ in range(rows):
        claim_line = factories.ClaimLineFactory()
        enrolment = claim_line.enrolment
        record = factories.AttendanceRecordFactory(enrolment=enrolment)
        AttendanceCorrection.objects.create(  # R20
            training_class=record.session.training_class, session=record.session, marks={str(enrolment.pk): "到"},
            reason="当天停电", requested_by=hr, requested_at=timezone.now())
        ClassDecision.objects.create(  # R21/R22
            training_class=enrolment.training_class, kind="low_practical_share", reason="实训设备故障两天",
            delivered_practical_share=Decimal("0.6000"), decided_by=hr, decided_at=timezone.now())
        factories.AssessmentFactory(enrolment=enrolment)
        factories.CertificateFactory(enrolment=enrolment)
        factories.EmploymentRecordFactory(enrolment=enrolment)
        factories.VoucherFactory(holder=enrolment.trainee)
        factories.TextbookFactory(training_class=enrolment.training_class)
        factories.ClassTransitionFactory(training_class=enrolment.training_class, acted_by=hr)
        factories.SmallEnterpriseSubsidyFactory(hire=enrolment.trainee)
        factories.InspectionFactory(institution=enrolment.training_class.institution, inspector=hr)
        factories.InstitutionYearFactory(institution=enrolment.training_class.institution)
        factories.TownshipTargetFactory(township=enrolment.trainee.township)
        factories.ParallelClassApprovalFactory(
            institution=enrolment.training_class.institution, occupation=enrolment.training_class.occupation,
            approved_by=hr,
        )
        plan = factories.EvaluationPlanFactory()
        plan.occupations.add(enrolment.training_class.occupation)
        factories.institution_user(enrolment.training_class.institution)
        factories.ClaimObjectionFactory(line=claim_line, recorded_by=hr)
        factories.CalendarDayFactory()
        factories.FlagFactory()
        IdNumberView.objects.create(trainee=enrolment.trainee, viewer=hr, place="admin")
        CheckIn.objects.create(session=record.session, enrolment=enrolment, checked_in_at=timezone.now())
        SessionPhoto.objects.create(  # 三(七) 视频调阅; the files are not read by the admin pages
            session=record.session, image="photos/sessions/2018/a.jpg", thumbnail="photos/thumbnails/2018/a.jpg",
            width=1, height=1, sha256=f"{record.pk:064d}", uploaded_by=hr, uploaded_at=timezone.now())
        # The county's own year, opened from the template of the class's year (issue 17).
        training_class = enrolment.training_class
        if not CountyYear.objects.filter(county=training_class.county, policy_year=training_class.policy_year).exists():
            CountyYear.opened_from(training_class.policy_year, training_class.county).save()


MODELS = sorted(admin.site._registry, key=lambda m: m._meta.label)
# Written only by services, which check the rules: the admin shows them read-only.
SERVICE_ONLY = {"subsidies.ClaimLine", "courses.ClassTransition", "courses.Enrolment", "courses.Session",
                "courses.AttendanceRecord", "subsidies.SubsidyClaim", "certification.Assessment", "courses.Voucher",
                "institutions.Flag", "trainees.IdNumberView", "courses.AttendanceCorrection", "courses.ClassDecision",
                "checkin.CheckIn", "checkin.SessionPhoto"}


@pytest.fixture(scope="class")
def rows(django_db_setup, django_db_blocker, tmp_path_factory):
    """Three rows of every kind, written once for the class that uses them."""
    yield from built_once_for_the_module(lambda: (populate(3), factories.GroupFactory()), django_db_blocker,
                                         tmp_path_factory)


class TestEveryModelsPages:
    """Every model's admin pages, on rows of every kind written once for the class (each test's own
    writes are rolled back after it)."""

    @pytest.mark.parametrize("model", MODELS, ids=lambda m: m._meta.label)
    def test_changelist_renders_with_bounded_queries(self, rows, hr_client, model, django_assert_max_num_queries):
        """A list page of 3 rows and of 6 rows costs the same number of queries."""
        url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        with django_assert_max_num_queries(20) as small:
            response = hr_client.get(url)
        assert response.status_code == 200
        assert str(model._meta.verbose_name) in response.content.decode()
        populate(3)
        factories.GroupFactory()
        with django_assert_max_num_queries(len(small.captured_queries)) as large:
            response = hr_client.get(url)
        assert response.status_code == 200
        assert len(large.captured_queries) == len(small.captured_queries)

    @pytest.mark.parametrize("model", MODELS, ids=lambda m: m._meta.label)
    def test_add_and_change_pages_render(self, rows, hr_client, hr, rf, model):
        opts = model._meta
        request = rf.get("/")
        request.user = hr
        # Rows written only by services (claim lines, status changes) have no add page.
        may_add = admin.site._registry[model].has_add_permission(request)
        assert may_add == (opts.label not in SERVICE_ONLY)
        response = hr_client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_add"))
        assert response.status_code == (200 if may_add else 403)
        obj = model._default_manager.first()
        response = hr_client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk]))
        assert response.status_code == 200


def test_every_model_and_app_has_a_chinese_name():
    """The admin never shows an English model or app name inside a Chinese page."""
    for model in MODELS:
        opts = model._meta
        for text in (str(opts.verbose_name), str(opts.verbose_name_plural), str(opts.app_config.verbose_name)):
            assert any("\u4e00" <= ch <= "\u9fff" for ch in text), (opts.label, text)
        for field in opts.get_fields():
            if hasattr(field, "verbose_name") and not field.auto_created and field.name != "id":
                assert any("\u4e00" <= ch <= "\u9fff" for ch in str(field.verbose_name)) or field.name in {
                    "isbn", "password"}, (opts.label, field.name, field.verbose_name)


def test_admin_index_is_chinese(hr_client):
    response = hr_client.get(reverse("admin:index"))
    content = response.content.decode()
    assert "长治县全民技能提升工程管理系统" in content
    assert "县人社局工作台" in content
    assert "Site administration" not in content and "Recent actions" not in content


@pytest.mark.parametrize("changelist", [
    "admin:trainees_trainee_changelist", "admin:courses_enrolment_changelist",
    "admin:certification_certificate_changelist", "admin:subsidies_claimline_changelist",
])
def test_id_number_search_is_posted_and_never_in_a_url(hr_client, changelist):
    """A full ID number (lower-case x, spaces) is POSTed, matched by equality through the index,
    and the list is shown at an address that carries a token, not the number."""
    wanted = factories.ClaimLineFactory(enrolment__trainee__id_number="11010519491231002X")
    factories.CertificateFactory(enrolment=wanted.enrolment)
    factories.ClaimLineFactory(enrolment__trainee__name="王秀兰")
    url = reverse(changelist)
    response = hr_client.post(url, {"_id_search": "110105 19491231 002x"})
    assert response.status_code == 302 and "11010519491231002" not in response["Location"]
    response = hr_client.get(response["Location"])
    rows = list(response.context["cl"].result_list)
    assert len(rows) == 1 and "110105********002X" in response.content.decode()
    assert "11010519491231002X" not in response.content.decode()
    sql = str(response.context["cl"].queryset.query)
    assert "UPPER" not in sql and "LIKE" not in sql
    # The same number typed into the ordinary (GET) search box is refused, not searched.
    refused = hr_client.get(url, {"q": "11010519491231002X"})
    assert refused.status_code == 302 and refused["Location"] == url
    assert "身份证号不能出现在网址中" in hr_client.get(url).content.decode()
    # Another user's session does not know the token.
    other = Client()
    other.force_login(factories.hr_user("hr_other"))
    token_url = response.request["PATH_INFO"] + "?" + response.request["QUERY_STRING"]
    assert len(list(other.get(token_url).context["cl"].result_list)) == 0


def test_search_by_name(hr_client):
    wanted = factories.TraineeFactory(name="郭建平")
    factories.TraineeFactory(name="李红")
    response = hr_client.get(reverse("admin:trainees_trainee_changelist"), {"q": "郭建"})
    assert list(response.context["cl"].result_list) == [wanted]


def test_list_pages_mask_id_numbers(hr_client):
    trainee = factories.TraineeFactory(id_number="11010519491231002X")
    content = hr_client.get(reverse("admin:trainees_trainee_changelist")).content.decode()
    assert "110105********002X" in content
    assert trainee.id_number not in content


def test_dates_typed_the_chinese_way_are_accepted(hr_client):
    """2018年5月14日, 2018/5/14 and 2018-05-14 are all accepted in an admin form."""
    township = factories.TownshipFactory()
    for typed in ["2018年5月14日", "2018/5/14", "2018-05-14", "2018.5.14"]:
        trainee = factories.TraineeFactory(township=township)
        response = hr_client.post(
            reverse("admin:trainees_trainee_change", args=[trainee.pk]),
            {
                "id_number": trainee.id_number, "name": trainee.name, "phone": trainee.phone,
                "township": township.pk, "address": "", "education": "",
                "categories-TOTAL_FORMS": "1", "categories-INITIAL_FORMS": "1", "categories-MIN_NUM_FORMS": "0",
                "categories-MAX_NUM_FORMS": "1000",
                "categories-0-id": trainee.categories.get().pk, "categories-0-trainee": trainee.pk,
                "categories-0-category": "rural_labour", "categories-0-held_from": typed,
                "categories-0-held_until": "", "categories-0-evidence": "",
            },
        )
        assert response.status_code == 302, response.context["adminform"].form.errors if response.context else ""
        assert str(trainee.categories.get().held_from) == "2018-05-14"
    assert Township.objects.count() >= 1


def test_admin_form_normalises_a_typed_id_number(hr_client):
    """Spaces, full-width digits and a lower-case x typed into the form are accepted and stored
    normalised, with birth date and sex derived."""
    township = factories.TownshipFactory()
    response = hr_client.post(reverse("admin:trainees_trainee_add"), {
        "id_number": "１１０１０５ 19491231 002x", "name": "李秀英", "phone": "13812345678",
        "township": township.pk, "address": "", "education": "",
        "categories-TOTAL_FORMS": "1", "categories-INITIAL_FORMS": "0", "categories-MIN_NUM_FORMS": "0",
        "categories-MAX_NUM_FORMS": "1000", "categories-0-category": "rural_labour",
        "categories-0-held_from": "2018-01-01", "categories-0-held_until": "", "categories-0-evidence": "",
    })
    assert response.status_code == 302, response.context["adminform"].form.errors
    trainee = Trainee.objects.get()
    assert (trainee.id_number, trainee.sex, str(trainee.birth_on)) == ("11010519491231002X", "F", "1949-12-31")


def test_admin_form_explains_a_wrong_id_number(hr_client):
    township = factories.TownshipFactory()
    response = hr_client.post(reverse("admin:trainees_trainee_add"), {
        "id_number": "110105194912310021", "name": "李秀英", "phone": "", "township": township.pk,
        "categories-TOTAL_FORMS": "0", "categories-INITIAL_FORMS": "0",
    })
    assert response.status_code == 200
    assert "校验码不正确" in response.content.decode()


def test_institution_user_cannot_enter_the_admin(client):
    institution = factories.TrainingInstitutionFactory()
    clerk = factories.institution_user(institution)
    clerk.is_staff = True  # even if someone marks the account staff by mistake
    clerk.save()
    client.force_login(clerk)
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_strings_missing_from_djangos_catalogue_are_chinese(hr_client):
    """The project catalogue fills what Django's zh_Hans admin catalogue lacks."""
    with translation.override("zh-hans"):
        assert translation.gettext("Model name") == "模型名称"
        assert "密码" in translation.ngettext(
            "This password is too short. It must contain at least %d character.",
            "This password is too short. It must contain at least %d characters.", 12)
    response = hr_client.get(reverse("admin:jsi18n"))
    assert "\\u9009\\u62e9\\u5168\\u90e8" in response.content.decode() or "选择全部" in response.content.decode()


def test_roster_and_attendance_are_read_only_in_the_admin(hr_client):
    """A 51st trainee cannot be slipped onto a roster through the admin: rosters, sessions and
    attendance change only through the services that check the rules."""
    mark = factories.AttendanceRecordFactory()
    for model, obj in (("enrolment", mark.enrolment), ("session", mark.session), ("attendancerecord", mark)):
        assert hr_client.get(reverse(f"admin:courses_{model}_add")).status_code == 403
        page = hr_client.get(reverse(f"admin:courses_{model}_change", args=[obj.pk]))
        assert page.status_code == 200 and 'type="submit" value="保存"' not in page.content.decode()
        assert hr_client.post(reverse(f"admin:courses_{model}_delete", args=[obj.pk]), {"post": "yes"}).status_code == 403
    assert mark.enrolment.__class__.objects.filter(pk=mark.enrolment.pk).exists()


def test_a_submitted_application_is_not_edited_in_the_admin(hr_client):
    training_class = factories.class_application()

    services.submit_class_application(training_class, by=factories.UserFactory())
    page = hr_client.get(reverse("admin:courses_trainingclass_change", args=[training_class.pk]))
    assert 'name="capacity"' not in page.content.decode()


def test_history_cannot_be_reverted(hr_client):
    """Reverting to an old version would step around the claim and class workflows."""
    claim = factories.SubsidyClaimFactory()
    record = claim.history.first()
    claim.total_amount = Decimal("99.00")
    claim.save()
    url = reverse("admin:subsidies_subsidyclaim_simple_history", args=[claim.pk, record.history_id])
    assert hr_client.get(url).status_code == 200
    assert hr_client.post(url, {"institution": claim.institution_id}).status_code == 403
    claim.refresh_from_db()
    assert claim.total_amount == Decimal("99.00")


def test_money_is_never_deleted_in_the_admin(hr_client):
    line = factories.ClaimLineFactory()
    for model, obj in (("subsidyclaim", line.claim), ("claimline", line)):
        url = reverse(f"admin:subsidies_{model}_delete", args=[obj.pk])
        assert hr_client.post(url, {"post": "yes"}).status_code == 403
    assert line.__class__.objects.filter(pk=line.pk).exists()


def test_textbooks_are_frozen_once_the_application_is_submitted(hr_client):
    training_class = factories.class_application()
    textbook = training_class.textbooks.get()
    assert hr_client.get(reverse("admin:courses_textbook_change", args=[textbook.pk])).context[
        "has_change_permission"]
    services.submit_class_application(training_class, by=factories.UserFactory())
    response = hr_client.post(reverse("admin:courses_textbook_change", args=[textbook.pk]),
                              {"title": "改过的教材", "publisher": "某社", "isbn": "9787516700006",
                               "training_class": training_class.pk})
    assert response.status_code == 403
    textbook.refresh_from_db()
    assert textbook.title != "改过的教材"
