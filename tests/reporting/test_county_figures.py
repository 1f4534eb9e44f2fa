"""Figures and disclosure per county (issue 17, 《实施方案》五(三)): each county's dashboard and
public page hold its own classes, townships and claims; the province's public index lists every
county's headline figures; supervisors see their area's counties."""

from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from programme.models import County, default_county_id
from reporting import dashboard
from subsidies.models import ClaimStatus
from tests import factories
from tools import demo_data

pytestmark = pytest.mark.django_db


def _paid_line(county, amount, institution=None):
    extra = {"claim__training_class__institution": institution} if institution else {}
    line = factories.ClaimLineFactory(claim__training_class__county=county,
                                      claim__training_class__target_line__county=county, **extra)
    claim = line.claim
    claim.status, claim.total_amount = ClaimStatus.PAID, Decimal(amount)
    claim.approved_at = claim.paid_at = timezone.now()
    claim.save()
    return line


@pytest.fixture
def three(db, settings):
    settings.FIGURES_MAX_AGE = 0  # every visit recomputes: the figures follow the data at once
    year = factories.PolicyYearFactory(year=2018)
    a = County.objects.get(pk=default_county_id())
    b = County.objects.create(code="140423", name="襄垣县", city_name="长治市")
    c = County.objects.create(code="140521", name="沁水县", city_name="晋城市")
    lines = {"a": _paid_line(a, "1200.00"), "b": _paid_line(b, "2400.00"), "c": _paid_line(c, "3600.00")}
    _paid_line(b, "600.00")
    return {"year": year, "a": a, "b": b, "c": c, "lines": lines}


def test_a_countys_figures_hold_only_its_own_classes(three):
    b = dashboard.figures(three["year"], county=three["b"])
    assert sum(row[2] for row in b["lines"]) == 2  # B's two trainees, not A's nor C's
    assert [row[1] for row in b["lines"]] == [100, 100]  # B's own task lines
    assert sum(n for _, n in b["statuses"]) == 2 and b["counties"] == []
    whole = dashboard.figures(three["year"])
    assert sum(n for _, n in whole["statuses"]) == 4
    by_code = {row[0]: row for row in whole["counties"]}
    assert by_code["140423"][1:] == ("襄垣县", 100 * 2, 2, 0, 0, Decimal("3000.00"))
    assert by_code["140521"][6] == Decimal("3600.00") and by_code["140421"][3] == 1


def test_the_province_index_links_each_countys_page(client, three):
    page = client.get(reverse("public-home"))
    assert page.status_code == 200
    html = page.content.decode()
    for county in ("a", "b", "c"):
        assert reverse("public-county", args=[three[county].code]) in html and three[county].name in html
    county_page = client.get(reverse("public-county", args=["140423"]) + "?year=2018")
    assert county_page.status_code == 200
    text = county_page.content.decode()
    assert "襄垣县2018年度" in text and three["lines"]["b"].claim.institution.name in text
    assert three["lines"]["c"].claim.institution.name not in text  # another county's institution
    assert client.get("/public/999999/").status_code == 404


def test_one_county_keeps_its_single_public_page(client, db):
    factories.PolicyYearFactory(year=2018)
    _paid_line(County.objects.get(pk=default_county_id()), "1200.00")
    html = client.get(reverse("public-home")).content.decode()
    assert "任务完成情况" in html and "各县(市、区)" not in html


def _staff(username, **profile):
    user = factories.UserFactory(username=username, is_staff=True)
    factories.ProfileFactory(user=user, **profile)
    group = Group.objects.get_or_create(name=demo_data.SUPERVISOR_GROUP)[0]
    group.permissions.add(*demo_data.supervisor_permissions())
    user.groups.add(group)
    return user


def test_dashboards_follow_the_users_area(client, three):
    client.force_login(_staff("hr_b", role=Role.HR, county=three["b"]))
    response = client.get(reverse("admin:dashboard") + "?year=2018&county=140521")  # asks C: gets its own B
    assert response.status_code == 200 and response.context["county"] == three["b"]
    assert sum(n for _, n in response.context["data"]["statuses"]) == 2
    client.force_login(_staff("city_1404", role=Role.CITY_SUPERVISOR, area_code="140400"))
    overview = client.get(reverse("admin:dashboard") + "?year=2018")
    assert overview.context["overview_only"]
    assert [row[0] for row in overview.context["data"]["counties"]] == ["140421", "140423"]
    assert client.get(reverse("admin:dashboard") + "?year=2018&county=140521").status_code == 404
    one = client.get(reverse("admin:dashboard") + "?year=2018&county=140423")
    assert one.status_code == 200 and sum(n for _, n in one.context["data"]["statuses"]) == 2
    # The province's tables are not a city's: their exports are refused to the overview.
    lines = client.get(reverse("admin:dashboard") + "?year=2018&export=lines")
    assert lines["Content-Type"].startswith("text/html")
