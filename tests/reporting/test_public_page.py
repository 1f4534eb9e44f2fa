"""The public page (《实施方案》五(三)): the year's catalogue, the published evaluation plans, the
small/micro enterprise subsidies paid, the notice period from the year's parameter and how to
object, each line on notice with its public reference. Never a person's name, ID number or phone."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from subsidies.models import SubsidyClaim
from tests import factories

pytestmark = pytest.mark.django_db

# The public page's queries, whatever the amount of data (SPEC.md §7); the first asks whether the
# deployment has several counties (then the page is the province's index).
PUBLIC_PAGE_QUERIES = 16


def on_notice(year, starts, ends, name="张小明"):
    line = factories.ClaimLineFactory(claim__training_class__policy_year=year, enrolment__trainee__name=name)
    SubsidyClaim.objects.filter(pk=line.claim_id).update(status="publicised", publicity_starts_on=starts,
                                                         publicity_ends_on=ends)
    return line


def grow(year, n):
    """`n` of everything the public page lists."""
    today = timezone.localdate()
    for i in range(n):
        occupation = factories.OccupationFactory(policy_year=year, is_key_trade=i == 0)
        plan = factories.EvaluationPlanFactory(policy_year=year, title=f"评价实施方案{i}")
        plan.occupations.add(occupation)
        factories.SmallEnterpriseSubsidyFactory(policy_year=year, enterprise_name=f"长治县小微企业{i}",
                                                enterprise_credit_code=factories.credit_code(900 + i, "92140421"),
                                                status="paid")
        on_notice(year, today - datetime.timedelta(days=1), today + datetime.timedelta(days=5), name=f"学员{i}号")


def test_the_page_shows_catalogue_plans_and_enterprise_subsidies(client, policy_year):
    welding = factories.OccupationFactory(policy_year=policy_year, name="焊工", code="6-18-02-04", is_key_trade=True)
    factories.OccupationFactory(policy_year=policy_year, name="家政服务员", industry="domestic",
                                certificate_kind="special_ability")
    factories.OccupationFactory(policy_year=factories.PolicyYearFactory(year=2019), name="明年才有的工种")
    published = factories.EvaluationPlanFactory(policy_year=policy_year, title="焊工职业技能等级评价实施方案",
                                                evaluation_body__name="长治市某技能评价中心")
    published.occupations.add(welding)
    factories.EvaluationPlanFactory(policy_year=policy_year, title="尚未公布的方案", published_on=None)
    code = factories.credit_code(77, "92140421")
    hire = factories.TraineeFactory(name="王小二", phone="13712345678")
    factories.SmallEnterpriseSubsidyFactory(policy_year=policy_year, enterprise_name="长治县红星机械厂",
                                            enterprise_credit_code=code, hire=hire, status="paid")
    factories.SmallEnterpriseSubsidyFactory(policy_year=policy_year, enterprise_name="长治县红星机械厂",
                                            enterprise_credit_code=code, hire=hire, status="paid", stage="upgrade",
                                            certificate=factories.CertificateFactory(trainee=hire))
    factories.SmallEnterpriseSubsidyFactory(policy_year=policy_year, enterprise_name="长治县红星机械厂",
                                            enterprise_credit_code=code, status="paid")
    factories.SmallEnterpriseSubsidyFactory(policy_year=policy_year, enterprise_name="尚未拨付的企业", status="approved")

    response = client.get(reverse("public-home"), {"year": 2018})
    content = response.content.decode()
    assert response.status_code == 200
    assert "焊工" in content and "6-18-02-04" in content and "家政服务员" in content and "专项职业能力证书" in content
    assert "明年才有的工种" not in content
    assert "焊工职业技能等级评价实施方案" in content and "长治市某技能评价中心" in content
    assert "尚未公布的方案" not in content
    [row] = response.context["enterprises"]
    assert (row.enterprise, row.hires, row.amount) == ("长治县红星机械厂", 2, Decimal("900.00"))
    assert "尚未拨付的企业" not in content
    assert "王小二" not in content and "王*二" not in content and "13712345678" not in content
    assert hire.id_number not in content


def test_the_notice_period_comes_from_the_year(client, policy_year):
    policy_year.publicity_working_days = 7
    policy_year.save()
    content = client.get(reverse("public-home")).content.decode()
    assert "公示7个工作日" in content and "5个工作日" not in content
    assert "如何提出异议" in content and reverse("public-objection") in content


def test_each_line_on_notice_has_its_reference_and_a_way_to_object_while_open(client, policy_year):
    today = timezone.localdate()
    open_line = on_notice(policy_year, today, today + datetime.timedelta(days=6), name="欧阳小明")
    closed_line = on_notice(policy_year, today - datetime.timedelta(days=9), today - datetime.timedelta(days=1))
    content = client.get(reverse("public-home")).content.decode()
    open_ref, closed_ref = f"GS{open_line.claim_id}-{open_line.pk}", f"GS{closed_line.claim_id}-{closed_line.pk}"
    assert open_ref in content and closed_ref in content
    assert f"{reverse('public-objection')}?ref={open_ref}" in content
    assert f"?ref={closed_ref}" not in content and "不受理网上异议" in content
    assert "欧**明" in content and "欧阳小明" not in content
    assert open_line.enrolment.trainee.id_number not in content and open_line.enrolment.trainee.phone not in content


@pytest.mark.parametrize("size", [1, 4])
def test_the_public_page_runs_a_fixed_number_of_queries(client, settings, size, django_assert_num_queries):
    settings.FIGURES_MAX_AGE = 600  # the page reads the year's snapshot once computed
    year = factories.PolicyYearFactory(year=2018)
    grow(year, size)
    client.get(reverse("public-home"))  # warm: the snapshot exists after the first visit
    with django_assert_num_queries(PUBLIC_PAGE_QUERIES):
        response = client.get(reverse("public-home"))
    assert response.status_code == 200
    assert len(response.context["catalogue"]) >= size and len(response.context["plans"]) == size
    assert len(response.context["enterprises"]) == size and len(response.context["notices"]) == size
