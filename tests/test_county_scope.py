"""The county as a scope (issue 17, SPEC.md §1): the scope matrix with counties. Every admin object
URL x county HR of county A, a city supervisor and the province supervisor x a row of county A, of
county B (same city) and of county C (another city) x GET and POST. Another county's (or another
city's) row answers 404 as if it did not exist; a supervisor finds the rows of their area and
changes none of them; nothing in the database changes on any refused request."""

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group, Permission, User
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from accounts.models import Role
from accounts.scope import Scope
from common.admin_scope import area_queryset
from courses import services as course_services
from courses.models import TrainingClass
from institutions.models import InstitutionYear
from programme.models import County, PolicyYear, TargetLine, Township, default_county_id
from subsidies import services as subsidy_services
from subsidies.models import SmallEnterpriseSubsidy, SubsidyClaim
from tests import factories
from tests.ids import make_id_number
from tests.test_admin import populate
from tests.test_scope_matrix import _admin_target, admin_object_routes, fingerprint
from tools import demo_data
from trainees.models import Trainee
from trainees.services import register_trainee

pytestmark = pytest.mark.django_db

OWNED = (Township, TargetLine, TrainingClass, InstitutionYear, SmallEnterpriseSubsidy)


def _move(from_county, to_county):
    for model in OWNED:
        model.objects.filter(county=from_county).update(county=to_county)


@pytest.fixture
def counties(db):
    factories.PolicyYearFactory(year=2018)
    a = County.objects.get(pk=default_county_id())
    b = County.objects.create(code="140423", name="襄垣县", city_name="长治市")
    c = County.objects.create(code="140521", name="沁水县", city_name="晋城市")
    populate(1)
    _move(a, c)
    populate(1)
    _move(a, b)
    populate(1)
    group = Group.objects.create(name=demo_data.SUPERVISOR_GROUP)
    group.permissions.add(*demo_data.supervisor_permissions())
    hr_group = Group.objects.create(name=demo_data.HR_GROUP)
    hr_group.permissions.add(*Permission.objects.filter(content_type__app_label__in=demo_data.HR_GROUP_APPS))
    hr = factories.UserFactory(username="hr_a", is_staff=True)
    hr.groups.add(hr_group)
    factories.ProfileFactory(user=hr, role=Role.HR, county=a)
    city = factories.UserFactory(username="city_1404", is_staff=True)
    factories.ProfileFactory(user=city, role=Role.CITY_SUPERVISOR, area_code="140400")
    province = factories.UserFactory(username="province_14", is_staff=True)
    factories.ProfileFactory(user=province, role=Role.PROVINCE_SUPERVISOR, area_code="140000")
    for user in (city, province):
        user.groups.add(group)
    clients = {}
    for name, user in (("hr", hr), ("city", city), ("province", province)):
        clients[name] = Client()
        clients[name].force_login(user)
    return {"a": a, "b": b, "c": c, "clients": clients}


def _row_of(model_admin, county):
    """A row of `model_admin`'s model that belongs to `county` and to no other county."""
    paths = model_admin.county_paths
    model = model_admin.model
    mine = area_queryset(model._default_manager.all(), Scope(role=Role.HR, county_id=county.pk), paths)
    others = area_queryset(model._default_manager.all(), Scope(role=Role.PROVINCE_SUPERVISOR, area_code="140000"),
                           paths).exclude(pk__in=mine.values("pk"))
    both = mine.filter(pk__in=others.values("pk"))
    return mine.exclude(pk__in=both.values("pk")).order_by("pk").first()


def test_county_scope_matrix(counties):
    """Several hundred cases; the count is printed for the record."""
    clients = counties["clients"]
    expected_found = {200, 302, 403}  # 403: a page the role may not use at all, found or not
    cases = {"foreign_404": 0, "own_found": 0, "supervisor_read": 0, "supervisor_post_refused": 0}
    failures = []
    baseline = fingerprint()
    covered_models = set()
    for route in admin_object_routes():
        parts = route.pattern.split("/")
        if parts[1] == "r":
            continue
        model_admin = next((ma for m, ma in admin.site._registry.items()
                            if m._meta.app_label == parts[1] and m._meta.model_name == parts[2]), None)
        if model_admin is None or not model_admin.county_paths:
            continue
        rows = {name: _row_of(model_admin, counties[name]) for name in ("a", "b", "c")}
        for name, row in rows.items():
            if row is None:
                continue
            covered_models.add(model_admin.model._meta.label)
            values = _admin_target(route, 0) | {"object_id": row.pk}
            if "version_id" in values:
                history = row.history.order_by("history_id").first()
                values["version_id"] = history.history_id
            url = route.url(**values)
            for who, client in clients.items():
                sees = {"hr": name == "a", "city": name in ("a", "b"), "province": True}[who]
                for method in ("get", "post"):
                    response = client.get(url) if method == "get" else client.post(url, {"post": "yes"})
                    label = f"{who} {method.upper()} county {name} {route.name} {url}"
                    if not sees:
                        # The admin's bare object address only redirects to the change page (404).
                        bare = route.name == route.pattern and response.status_code == 302 \
                            and response["Location"].endswith(f"/{row.pk}/change/")
                        # 405: a page that takes no POST says so before looking for the row.
                        if response.status_code not in {404, 405} and not bare:
                            failures.append(f"{label}: {response.status_code}, expected 404")
                        cases["foreign_404"] += 1
                    elif who != "hr" and route.name.endswith("_delete"):
                        # A supervisor deletes nothing: the delete page refuses, found or not.
                        if response.status_code not in {403, 404}:
                            failures.append(f"{label}: {response.status_code}, expected a refusal")
                        cases["supervisor_post_refused"] += 1
                    elif method == "get":
                        if response.status_code not in expected_found:
                            failures.append(f"{label}: {response.status_code}, expected found")
                        cases["own_found" if who == "hr" else "supervisor_read"] += 1
                    elif who != "hr":
                        if response.status_code not in {200, 302, 400, 403, 405, 409}:  # 200: a page that only reads
                            failures.append(f"{label}: {response.status_code}, expected a refusal")
                        cases["supervisor_post_refused"] += 1
                    after = fingerprint()
                    if after != baseline and not (who == "hr" and sees):
                        failures.append(f"{label}: the database changed")
                    baseline = after
    print(f"county scope matrix: {sum(cases.values())} cases {cases}, {len(covered_models)} models")
    assert failures == []
    assert cases["foreign_404"] >= 200 and len(covered_models) >= 20


def test_the_province_supervisor_maintains_the_years_template(counties):
    """Each county's year starts from the province's template, which the province's supervisor
    maintains (issue 17 item 2); a city's supervisor and a county's HR only read it."""
    province = counties["clients"]["province"]
    province_user = User.objects.get(username="province_14")
    group = Group.objects.create(name=demo_data.PROVINCE_GROUP)
    group.permissions.add(*demo_data.province_permissions())
    province_user.groups.add(group)
    url = reverse("admin:programme_policyyear_change", args=[2018])
    page = province.get(url)
    assert page.status_code == 200 and 'name="_save"' in page.content.decode()
    form = page.context["adminform"].form
    data = {name: ("" if value is None else value) for name, value in form.initial.items() if name in form.fields}
    data.update({"is_voucher_pilot_on": "on", "target_lines-TOTAL_FORMS": "0", "target_lines-INITIAL_FORMS": "0",
                 "township_targets-TOTAL_FORMS": "0", "township_targets-INITIAL_FORMS": "0"})
    data = {k: v for k, v in data.items() if v is not False}
    response = province.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert PolicyYear.objects.get(pk=2018).is_voucher_pilot_on
    for who in ("city", "hr"):
        before = fingerprint()
        assert counties["clients"][who].post(url, data).status_code == 403
        assert fingerprint() == before


def test_a_person_is_one_row_province_wide(counties):
    """A township of county B registering someone already registered in county A finds that
    person, masked, with A named; county HR of A register only in A's townships (SPEC.md §1)."""
    town_a = factories.TownshipFactory(name="韩店镇", county=counties["a"])
    town_b = factories.TownshipFactory(name="古韩镇", county=counties["b"])
    number = make_id_number(19900101, 3)
    factories.TraineeFactory(id_number=number, name="张三丰", township=town_a)
    official_b = factories.township_user(town_b, "official_b")
    with pytest.raises(ValidationError) as refused:
        register_trainee(by=official_b, id_number=number, name="张三丰", township=town_b, category="rural_labour")
    message = refused.value.messages[0]
    assert refused.value.code == "already_registered" and "长治县韩店镇" in message and "张*丰" in message
    assert Trainee.objects.filter(id_number=number).count() == 1
    hr_a = User.objects.get(username="hr_a")
    with pytest.raises(ValidationError) as other_county:
        register_trainee(by=hr_a, id_number=make_id_number(19900101, 5), name="李四", township=town_b,
                         category="rural_labour")
    assert other_county.value.code == "not_own_township"


def test_list_filters_name_only_the_countys_own_rows(counties):
    """The class list's sidebar offers county HR their own county's task lines and institutions,
    never another county's names."""
    own = TrainingClass.objects.filter(county=counties["a"]).select_related("target_line", "institution").first()
    other = TrainingClass.objects.filter(county=counties["b"]).select_related("target_line", "institution").first()
    html = counties["clients"]["hr"].get(reverse("admin:courses_trainingclass_changelist")).content.decode()
    assert own.code in html and own.institution.name in html
    assert other.target_line.name not in html and other.institution.name not in html


def test_services_refuse_another_countys_business(counties):
    """The second wall behind the admin's 404: a decision service called with another county's
    class or claim refuses county HR (accounts.policy.ensure_own_county) and writes nothing."""
    hr_a = User.objects.get(username="hr_a")
    other_class = TrainingClass.objects.filter(county=counties["b"]).first()
    other_claim = SubsidyClaim.objects.filter(training_class__county=counties["b"]).first()
    before = fingerprint()
    with pytest.raises(ValidationError) as refused:
        course_services.return_class(other_class, by=hr_a, reason="材料不全")
    assert refused.value.code == "not_own_county" and "其他县(市、区)" in refused.value.messages[0]
    with pytest.raises(ValidationError) as refused:
        subsidy_services.return_claim(other_claim, by=hr_a, reason="材料不全")
    assert refused.value.code == "not_own_county"
    assert fingerprint() == before
