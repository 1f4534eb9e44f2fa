"""R15 in the HR admin: the figures are recorded with their evidence, the form refuses what the
service refuses, and HR sees the size class and why (工信部联企业〔2011〕300号, 《实施方案》四(四))."""

from decimal import Decimal

import pytest
from django.contrib.admin import helpers
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from subsidies import services
from subsidies.models import SmallEnterpriseSubsidy
from tests import factories

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n%%EOF\n"
ADD = reverse("admin:subsidies_smallenterprisesubsidy_add")
CHANGELIST = reverse("admin:subsidies_smallenterprisesubsidy_changelist")


def stored_files(settings):
    root = settings.MEDIA_ROOT
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()) if root.exists() else []


@pytest.fixture
def hire(db):
    return factories.TraineeFactory()


def form_data(hire, policy_year, **overrides):
    data = {"enterprise_name": "长治县鑫达钢结构有限公司", "enterprise_credit_code": factories.credit_code(7),
            "industry": "manufacturing", "figures_year": "2017", "employees": "45", "revenue_10k": "800",
            "assets_10k": "", "size_evidence": SimpleUploadedFile("2017年报.pdf", PDF), "hire": hire.pk,
            "policy_year": policy_year.pk, "contract_starts_on": "2018-06-01", "contract_months": "12",
            "stage": "hire", "certificate": ""}
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def recorded(hire, policy_year, hr, **fields):
    subsidy = factories.SmallEnterpriseSubsidyFactory.build(
        hire=hire, policy_year=policy_year, industry="manufacturing", employees=45, revenue_10k=Decimal("800"),
        figures_year=2017, amount=Decimal(0), **fields)
    subsidy.size_evidence = ContentFile(PDF, name="年报.pdf")
    return services.record_small_enterprise_subsidy(subsidy, by=hr)


def test_hr_records_the_figures_with_their_evidence_and_the_size_is_computed(hr_client, hire, policy_year):
    response = hr_client.post(ADD, form_data(hire, policy_year))
    assert response.status_code == 302, response.context["adminform"].form.errors
    subsidy = SmallEnterpriseSubsidy.objects.get()
    assert (subsidy.enterprise_size, subsidy.amount, subsidy.status) == ("small", Decimal("300.00"), "draft")
    assert (subsidy.employees, subsidy.revenue_10k, subsidy.figures_year) == (45, Decimal("800.00"), 2017)
    assert subsidy.size_evidence.name.startswith("enterprise_size/")


@pytest.mark.parametrize(("overrides", "words"), [
    ({"employees": "350", "revenue_10k": "3000"}, "为中型企业。小微企业培训补贴只支持小型、微型企业"),
    ({"employees": "", "revenue_10k": "800"}, "无法划型:工业按从业人员和营业收入划型,缺少从业人员"),
    ({"size_evidence": None}, "划型数据没有证明材料"),
    ({"figures_year": "2014"}, "划型数据须为劳动合同签订时企业最近一个年度的数据"),
])
def test_the_form_refuses_what_the_service_refuses_and_stores_nothing(hr_client, hire, policy_year, settings,
                                                                     overrides, words):
    response = hr_client.post(ADD, form_data(hire, policy_year, **overrides))
    assert response.status_code == 200
    page = response.content.decode()
    assert words in page and "《实施方案》四(四)" in page
    assert not SmallEnterpriseSubsidy.objects.exists() and stored_files(settings) == []


def test_the_industry_is_required(hr_client, hire, policy_year):
    response = hr_client.post(ADD, form_data(hire, policy_year, industry=""))
    assert response.status_code == 200 and response.context["adminform"].form.has_error("industry", "required")


def test_the_form_refuses_a_refused_file_type(hr_client, hire, policy_year, settings):
    page = hr_client.post(ADD, form_data(hire, policy_year, size_evidence=SimpleUploadedFile(
        "年报.html", b"<html><script>alert(1)</script></html>"))).content.decode()
    assert "只接受 PDF" in page and not SmallEnterpriseSubsidy.objects.exists() and stored_files(settings) == []


def test_the_change_page_shows_the_size_its_explanation_and_the_evidence(hr_client, hr, hire, policy_year):
    subsidy = recorded(hire, policy_year, hr)
    page = hr_client.get(reverse("admin:subsidies_smallenterprisesubsidy_change", args=[subsidy.pk])).content.decode()
    assert "小型" in page and "划型说明" in page
    assert ("工业:从业人员45人、营业收入800万元;达到小型标准(从业人员20人及以上且营业收入300万元及以上),"
            "未达到中型标准(从业人员300人及以上且营业收入2000万元及以上),为小型企业") in page
    link = reverse("admin:subsidies_smallenterprisesubsidy_size_evidence", args=[subsidy.pk])
    assert link in page and "划型数据证明材料.pdf" in page and subsidy.size_evidence.name not in page
    response = hr_client.get(link)
    assert response.status_code == 200 and response["Content-Disposition"].startswith("attachment")
    assert b"".join(response.streaming_content) == PDF


def test_a_submitted_subsidy_is_read_only_and_still_shows_its_evidence(hr_client, hr, hire, policy_year):
    subsidy = recorded(hire, policy_year, hr)
    services.decide_small_enterprise_subsidy(subsidy, by=hr, step="submit")
    page = hr_client.get(reverse("admin:subsidies_smallenterprisesubsidy_change", args=[subsidy.pk])).content.decode()
    assert reverse("admin:subsidies_smallenterprisesubsidy_size_evidence", args=[subsidy.pk]) in page
    assert "为小型企业" in page


def test_a_subsidy_without_figures_says_it_cannot_be_classified(hr_client, hire, policy_year):
    subsidy = factories.SmallEnterpriseSubsidyFactory(hire=hire, policy_year=policy_year, industry="", employees=None,
                                                      revenue_10k=None, figures_year=None, size_evidence="")
    page = hr_client.get(reverse("admin:subsidies_smallenterprisesubsidy_change", args=[subsidy.pk])).content.decode()
    assert "未填写所属行业,无法划型" in page
    response = hr_client.get(reverse("admin:subsidies_smallenterprisesubsidy_size_evidence", args=[subsidy.pk]))
    change = reverse("admin:subsidies_smallenterprisesubsidy_change", args=[subsidy.pk])
    assert response.status_code == 302 and response["Location"] == change
    assert "没有上传划型数据证明材料" in hr_client.get(change).content.decode()
    missing = reverse("admin:subsidies_smallenterprisesubsidy_size_evidence", args=[subsidy.pk + 100])
    assert hr_client.get(missing).status_code == 404  # as a missing (or another county's) change page
    assert hr_client.post(reverse("admin:subsidies_smallenterprisesubsidy_size_evidence",
                                  args=[subsidy.pk])).status_code == 405


def test_the_evidence_is_not_for_institution_clerks(client, hr, hire, policy_year):
    subsidy = recorded(hire, policy_year, hr)
    client.force_login(factories.institution_user(factories.TrainingInstitutionFactory()))
    response = client.get(reverse("admin:subsidies_smallenterprisesubsidy_size_evidence", args=[subsidy.pk]))
    assert response.status_code in (302, 403, 404)
    assert not hasattr(response, "streaming_content")


def test_the_list_shows_industry_and_size(hr_client, hr, hire, policy_year):
    recorded(hire, policy_year, hr)
    page = hr_client.get(CHANGELIST).content.decode()
    assert "所属行业" in page and "企业规模" in page and "工业" in page and "小型" in page
    assert hr_client.get(CHANGELIST, {"enterprise_size__exact": "small"}).status_code == 200


def test_hr_returns_a_subsidy_for_correction(hr_client, hr, hire, policy_year):
    subsidy = recorded(hire, policy_year, hr)
    services.decide_small_enterprise_subsidy(subsidy, by=hr, step="submit")
    response = hr_client.post(CHANGELIST, {"action": "return_selected", helpers.ACTION_CHECKBOX_NAME: [subsidy.pk],
                                           "confirm": "1", "reason": "营业收入与年报不符,请核对"})
    assert response.status_code == 302
    subsidy.refresh_from_db()
    assert (subsidy.status, subsidy.return_reason) == ("draft", "营业收入与年报不符,请核对")


def test_approval_preview_shows_the_refusal_when_the_figures_no_longer_qualify(hr_client, hr, hire, policy_year):
    reviewer = factories.hr_user("r15_admin_reviewer")
    subsidy = recorded(hire, policy_year, reviewer)
    services.decide_small_enterprise_subsidy(subsidy, by=reviewer, step="submit")
    services.decide_small_enterprise_subsidy(subsidy, by=reviewer, step="review")
    SmallEnterpriseSubsidy.objects.filter(pk=subsidy.pk).update(employees=500, revenue_10k=Decimal("5000"))
    page = hr_client.post(CHANGELIST, {"action": "approve_selected",
                                       helpers.ACTION_CHECKBOX_NAME: [subsidy.pk]}).content.decode()
    assert "为中型企业" in page and "只支持小型、微型企业" in page
    assert SmallEnterpriseSubsidy.objects.get().status == "reviewed"  # the preview changed nothing


def test_a_version_in_the_history_renders(hr_client, hr, hire, policy_year):
    subsidy = recorded(hire, policy_year, hr)
    version = subsidy.history.latest()
    url = reverse("admin:subsidies_smallenterprisesubsidy_simple_history", args=[subsidy.pk, version.history_id])
    assert hr_client.get(url).status_code == 200
