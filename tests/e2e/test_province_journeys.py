"""A province on one deployment (issue 17) in a real browser: county HR of one county, the city's
supervisor and the province's supervisor sign in to the back office, each sees the classes of their
area, another county's class answers 404, supervisors read without saving, record an inspection and
resolve a flag."""

import datetime

import pytest
from django.contrib.auth.models import Group, Permission, User

from accounts.models import Role, UserProfile
from courses.models import ClassStatus
from institutions.models import Flag, Inspection, InstitutionYear
from programme.models import County, default_county_id
from tests import factories
from tests.e2e.test_journeys import DESKTOP, PASSWORD, admin_action
from tools import demo_data

pytestmark = pytest.mark.django_db(transaction=True)

NAMES = {"a": "长治县焊工培训班", "b": "襄垣县电工培训班", "c": "沁水县中式烹调师培训班"}


@pytest.fixture
def province(db):
    """Counties A (长治县 140421) and B (襄垣县 140423) of 长治市 and C (沁水县 140521) of 晋城市, a
    class in each (A's submitted, awaiting HR), an open flag about C's class, and the three users."""
    year = factories.PolicyYearFactory(year=2018)
    counties = {"a": County.objects.get(pk=default_county_id()),
                "b": County.objects.create(code="140423", name="襄垣县", city_name="长治市"),
                "c": County.objects.create(code="140521", name="沁水县", city_name="晋城市")}
    classes = {}
    for key, county in counties.items():
        institution = factories.TrainingInstitutionFactory(name=f"{county.name}职业技能培训学校")
        InstitutionYear.objects.create(institution=institution, policy_year=year, county=county)
        line = factories.TargetLineFactory(policy_year=year, county=county, name=f"{county.name}农民工技能提升培训")
        classes[key] = factories.TrainingClassFactory(
            policy_year=year, county=county, target_line=line, institution=institution, name=NAMES[key],
            code=f"2018-{county.code}-01", status=ClassStatus.SUBMITTED if key == "a" else ClassStatus.APPROVED)
    flag = factories.FlagFactory(training_class=classes["c"], institution=classes["c"].institution,
                                 summary="电话139****1111登记了4名学员")

    hr_group = Group.objects.create(name=demo_data.HR_GROUP)
    hr_group.permissions.set(Permission.objects.filter(content_type__app_label__in=demo_data.HR_GROUP_APPS))
    supervisors = Group.objects.create(name=demo_data.SUPERVISOR_GROUP)
    supervisors.permissions.set(demo_data.supervisor_permissions())
    for username, group, profile in (
            ("hr_a", hr_group, {"role": Role.HR, "county": counties["a"]}),
            ("city_1404", supervisors, {"role": Role.CITY_SUPERVISOR, "area_code": "140400"}),
            ("province_14", supervisors, {"role": Role.PROVINCE_SUPERVISOR, "area_code": "140000"})):
        account = User.objects.create_user(username, password=PASSWORD, is_staff=True, last_name=username)
        account.groups.add(group)
        UserProfile.objects.create(user=account, **profile)
    return {"classes": classes, "flag": flag}


def sign_in(browser, live_server, username):
    page = browser.new_context(viewport=DESKTOP, locale="zh-CN").new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    with page.expect_navigation():
        page.click("button[type=submit]")
    assert page.url.endswith("/admin/"), page.url  # the back office is where HR and supervisors work
    return page


def class_list(page, live_server):
    page.goto(f"{live_server.url}/admin/courses/trainingclass/")
    return {key for key, name in NAMES.items() if page.locator("#result_list").get_by_text(name).count()}


def choose(page, field, search, option):
    """Pick `option` in the admin's autocomplete (select2) widget of `field` after typing `search`."""
    page.click(f"[aria-labelledby='select2-id_{field}-container']")
    page.fill(".select2-container--open .select2-search__field", search)
    page.locator(".select2-results__option", has_text=option).click()


def test_county_hr_sees_only_their_county(browser, live_server, shots, province):
    classes = province["classes"]
    page = sign_in(browser, live_server, "hr_a")
    assert class_list(page, live_server) == {"a"}
    assert page.locator("#result_list tbody tr").count() == 1
    shots(page, "county-hr-class-list")
    response = page.goto(f"{live_server.url}/admin/courses/trainingclass/{classes['b'].pk}/change/")
    assert response.status == 404
    assert NAMES["b"] not in page.content()
    shots(page, "county-hr-other-county-404")
    # Their own county's class opens, with the decisions HR takes on it.
    response = page.goto(f"{live_server.url}/admin/courses/trainingclass/{classes['a'].pk}/change/")
    assert response.status == 200 and page.locator("#decision-buttons").get_by_text("批准开班").count() == 1


def test_city_supervisor_reads_the_city_and_records_an_inspection(browser, live_server, shots, province):
    classes = province["classes"]
    page = sign_in(browser, live_server, "city_1404")
    assert class_list(page, live_server) == {"a", "b"}
    shots(page, "city-supervisor-class-list")
    response = page.goto(f"{live_server.url}/admin/courses/trainingclass/{classes['c'].pk}/change/")
    assert response.status == 404

    response = page.goto(f"{live_server.url}/admin/courses/trainingclass/{classes['a'].pk}/change/")
    assert response.status == 200
    assert page.locator("input[name=_save], input[name=_continue]").count() == 0
    assert page.locator("#decision-buttons").count() == 0  # nothing to approve for a supervisor
    assert page.locator("input[name=name]").count() == 0 and NAMES["a"] in page.content()
    shots(page, "city-supervisor-class-read-only")

    page.goto(f"{live_server.url}/admin/institutions/inspection/add/")
    choose(page, "institution", "长治县", "长治县职业技能培训学校")
    choose(page, "training_class", "焊工", NAMES["a"])
    page.fill("#id_inspected_on", "2018-06-05")
    page.select_option("#id_method", "on_site")
    page.fill("#id_findings", "现场点名28人,与当日考勤一致;实训设备满足教学需要")
    shots(page, "city-supervisor-inspection-form")
    with page.expect_navigation():
        page.click("input[name=_save]")
    inspection = Inspection.objects.get()
    assert (inspection.training_class_id, inspection.institution_id, inspection.inspector.username) == (
        classes["a"].pk, classes["a"].institution_id, "city_1404")
    assert inspection.inspected_on == datetime.date(2018, 6, 5)
    assert page.url.endswith("/admin/institutions/inspection/")
    assert "成功" in page.locator(".messagelist").inner_text()
    shots(page, "city-supervisor-inspection-recorded")


def test_province_supervisor_sees_every_county_and_resolves_a_flag(browser, live_server, shots, province):
    flag = province["flag"]
    page = sign_in(browser, live_server, "province_14")
    shots(page, "province-supervisor-index")
    assert class_list(page, live_server) == {"a", "b", "c"}
    shots(page, "province-supervisor-class-list")
    page.goto(f"{live_server.url}/admin/institutions/flag/")
    assert page.locator("#result_list").get_by_text(flag.summary).count() == 1
    admin_action(page, live_server, "institutions/flag", flag.pk, "resolve_selected",
                 {"#id_note": "已电话核实:四名学员为同一家庭成员,由家属代为登记,情况属实"})
    shots(page, "province-supervisor-flag-resolved")
    flag.refresh_from_db()
    assert flag.resolved_by.username == "province_14"
    assert flag.resolution_note == "已电话核实:四名学员为同一家庭成员,由家属代为登记,情况属实"
    assert "已处理1项" in page.locator(".messagelist").inner_text()
    assert Flag.objects.filter(resolved_at__isnull=True).count() == 0
