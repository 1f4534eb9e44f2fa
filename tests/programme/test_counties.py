"""The county as a scope (issue 17): a class belongs to the county of its task line, each county's
own year sets the rules of that county's classes only, the scope of county HR and of the city's
and province's supervisors, the cross-county supervision checks, what a supervisor may and may
not do in the admin, and the account checks of the new roles."""

import datetime
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.contrib import admin
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.test import Client, RequestFactory
from django.urls import reverse

from accounts.models import Role, UserProfile
from accounts.scope import Scope, scope_of
from courses.forms import TrainingClassForm
from courses.models import ClassStatus, ClassTransition, TrainingClass, load_params
from courses.selectors import classes_visible_to
from courses.services import approve_class
from institutions.models import Flag, FlagKind, Inspection, InstitutionYear
from programme.models import County, CountyYear, PolicyYear, default_county_id
from reporting.flags import detect_flags, overlapping_classes, paid_in_two_counties, resolve_flag
from subsidies.models import ClaimObjection, ClaimStatus, SubsidyClaim
from subsidies.services import approve_claim
from tests import factories
from tests.test_admin_decisions import claim_in, submitted_class
from tests.test_scope_matrix import fingerprint
from tools import demo_data
from trainees.policy import mask_id_number

pytestmark = pytest.mark.django_db


@pytest.fixture
def land(db):
    """Three counties in 2018: A (the deployment's own, 长治县 140421), B (襄垣县 140423, the same
    city) and C (沁水县 140521, another city), each with a task line."""
    year = factories.PolicyYearFactory(year=2018)
    a = County.objects.get(pk=default_county_id())
    b = County.objects.create(code="140423", name="襄垣县", city_name="长治市")
    c = County.objects.create(code="140521", name="沁水县", city_name="晋城市")
    lines = {county.pk: factories.TargetLineFactory(policy_year=year, county=county, name=f"{county.name}农民工培训")
             for county in (a, b, c)}
    return SimpleNamespace(year=year, a=a, b=b, c=c, lines=lines)


def class_in(land, county, **kwargs):
    """A class counted toward `county`'s task line; its county set as TrainingClass.clean sets it."""
    return factories.TrainingClassFactory(policy_year=land.year, target_line=land.lines[county.pk], county=county,
                                          **kwargs)


def supervisor(username, role, area_code):
    group, created = Group.objects.get_or_create(name=demo_data.SUPERVISOR_GROUP)
    if created:
        group.permissions.add(*demo_data.supervisor_permissions())
    user = factories.UserFactory(username=username, is_staff=True)
    user.groups.add(group)
    factories.ProfileFactory(user=user, role=role, area_code=area_code)
    return user


def county_hr(username, county):
    group, created = Group.objects.get_or_create(name=demo_data.HR_GROUP)
    if created:
        group.permissions.add(*Permission.objects.filter(content_type__app_label__in=demo_data.HR_GROUP_APPS))
    user = factories.UserFactory(username=username, is_staff=True)
    user.groups.add(group)
    factories.ProfileFactory(user=user, role=Role.HR, county=county)
    return user


def logged_in(user):
    client = Client()
    client.force_login(user)
    return client


def row(model, pk):
    return model.objects.filter(pk=pk).values().get()


# --- A class's county follows its task line ------------------------------------------------------

def test_a_class_belongs_to_the_county_of_its_task_line(land):
    training_class = class_in(land, land.a)
    assert training_class.county == land.a
    training_class.target_line = land.lines[land.b.pk]
    training_class.full_clean()
    assert training_class.county_id == land.b.pk  # set by clean, never typed
    training_class.save()
    assert TrainingClass.objects.get(pk=training_class.pk).county == land.b

    # A new class that names another county than its line's is corrected to the line's county.
    fresh = factories.TrainingClassFactory.build(
        policy_year=land.year, target_line=land.lines[land.c.pk], county=land.a,
        institution=training_class.institution, occupation=training_class.occupation, code="2018-C-001")
    fresh.full_clean()
    assert fresh.county_id == land.c.pk


def test_the_application_form_offers_the_lines_of_every_county_that_listed_the_institution(land):
    institution = factories.TrainingInstitutionFactory()
    for county in (land.a, land.b):
        InstitutionYear.objects.create(institution=institution, policy_year=land.year, county=county)
    form = TrainingClassForm(policy_year=land.year, institution=institution)
    field = form.fields["target_line"]
    assert set(field.queryset) == {land.lines[land.a.pk], land.lines[land.b.pk]}  # not C's
    line_b = land.lines[land.b.pk]
    assert field.label_from_instance(line_b) == f"襄垣县 · {line_b.name}"
    assert "计入所选县(市、区)的年度任务" in field.help_text

    # Listed in one county only: its lines, by their plain names.
    only_a = factories.TrainingInstitutionFactory()
    InstitutionYear.objects.create(institution=only_a, policy_year=land.year, county=land.a)
    field = TrainingClassForm(policy_year=land.year, institution=only_a).fields["target_line"]
    line_a = land.lines[land.a.pk]
    assert list(field.queryset) == [line_a]
    assert field.label_from_instance(line_a) == str(line_a) == "2018年 长治县农民工培训"


# --- Each county's own year ---------------------------------------------------------------------

def open_year(land, county, **changes):
    county_year = CountyYear.opened_from(land.year, county)
    for name, value in changes.items():
        setattr(county_year, name, value)
    county_year.full_clean()
    county_year.save()
    return county_year


def test_a_county_year_sets_the_rules_of_that_county_only(land, django_assert_num_queries):
    open_year(land, land.b, max_class_size=30, full_day_rate=Decimal("120.00"))
    in_a, in_b, in_c = (class_in(land, county) for county in (land.a, land.b, land.c))
    assert PolicyYear.objects.get(pk=2018).max_class_size == 50
    expected = {in_a.pk: (50, Decimal("150.00")), in_b.pk: (30, Decimal("120.00")), in_c.pk: (50, Decimal("150.00"))}
    for training_class in TrainingClass.objects.filter(pk__in=expected):
        p = training_class.params()
        assert (p.max_class_size, p.full_day_rate) == expected[training_class.pk]
        assert p.year == 2018
    assert land.year.params_for(land.b.pk).max_class_size == 30
    assert land.year.params_for(land.c.pk).max_class_size == 50
    assert land.year.params_for(None).max_class_size == 50

    classes = list(TrainingClass.objects.select_related("policy_year").filter(pk__in=expected))
    with django_assert_num_queries(1):
        load_params(classes)
        loaded = {tc.pk: (tc.params().max_class_size, tc.params().full_day_rate) for tc in classes}
    assert loaded == expected


def test_the_application_form_judges_the_plan_by_the_chosen_line_s_county(land):
    """R1 with B's own class size of 30: 40 places are refused on B's line, allowed on A's."""
    open_year(land, land.b, max_class_size=30)
    institution = factories.TrainingInstitutionFactory()
    for county in (land.a, land.b):
        InstitutionYear.objects.create(institution=institution, policy_year=land.year, county=county)
    occupation = factories.OccupationFactory(policy_year=land.year, certificate_kind="training")
    data = {"name": "焊工培训班", "occupation": occupation.pk, "level": "", "training_mode": "demand_reserve",
            "planned_start_on": "2018-06-04", "planned_end_on": "2018-06-13", "planned_days": 10,
            "total_hours": 80, "practical_hours": 56, "capacity": 40, "venue": "实训楼", "teachers": "张老师 高级技师"}
    on_b = TrainingClassForm({**data, "target_line": land.lines[land.b.pk].pk}, policy_year=land.year,
                             institution=institution)
    assert not on_b.is_valid()
    assert "培训班人数不得超过30人" in on_b.errors["capacity"][0]
    on_a = TrainingClassForm({**data, "target_line": land.lines[land.a.pk].pk}, policy_year=land.year,
                             institution=institution)
    assert on_a.is_valid(), on_a.errors


def test_a_county_year_freezes_once_the_county_has_a_class_that_year(land):
    own_b = open_year(land, land.b)
    own_a = open_year(land, land.a)
    own_b.max_class_size = 40
    own_b.full_clean()  # no business in B yet
    own_b.save()
    class_in(land, land.b)
    own_b.refresh_from_db()
    assert "培训班1个" in own_b.frozen_reason() and "已锁定" in own_b.frozen_reason()
    own_b.max_class_size = 45
    with pytest.raises(ValidationError) as error:
        own_b.full_clean()
    assert "班容量上限" in str(error.value) and "规则参数已锁定" in str(error.value)
    own_b.refresh_from_db()
    own_b.photos_per_session = 0  # a supervision threshold stays adjustable
    own_b.full_clean()
    # A's own year is untouched by B's business.
    assert own_a.frozen_reason() == ""
    own_a.max_class_size = 45
    own_a.full_clean()


def test_the_template_freezes_only_for_classes_of_counties_without_their_own_year(land):
    open_year(land, land.b)
    class_in(land, land.b)
    template = PolicyYear.objects.get(pk=2018)
    assert template.frozen_reason() == ""  # B's class reads B's own year, not the template
    template.max_class_size = 45
    template.full_clean()
    template.save()
    class_in(land, land.c)  # C has no own year: its class reads the template
    template.refresh_from_db()
    assert "培训班1个" in template.frozen_reason()  # C's class only, not B's
    template.max_class_size = 40
    with pytest.raises(ValidationError) as error:
        template.full_clean()
    assert "班容量上限" in str(error.value)


def test_a_county_cannot_open_its_own_year_with_other_rules_after_business_under_the_template(land):
    """C's class was judged under the template: opening C's own year later with another class size
    would judge C's business of the year by two rules; the template's values are accepted."""
    class_in(land, land.c)
    changed = CountyYear.opened_from(land.year, land.c)
    changed.max_class_size = 30
    with pytest.raises(ValidationError) as error:
        changed.full_clean()
    assert "班容量上限" in str(error.value) and "培训班1个" in str(error.value)
    same = CountyYear.opened_from(land.year, land.c)
    same.photos_per_session = 0  # a supervision threshold may differ
    same.full_clean()
    # A county without business that year opens its year with its own rules.
    open_year(land, land.b, max_class_size=30)


def test_county_hr_cannot_delete_their_frozen_county_year(land):
    """Deleting it would put the county's classes of the year under the template's rules."""
    own_a = open_year(land, land.a, max_class_size=30)
    own_b = open_year(land, land.b)
    client = logged_in(county_hr("hr_all", None))
    class_in(land, land.a)
    response = client.post(reverse("admin:programme_countyyear_delete", args=[own_a.pk]), {"post": "yes"})
    assert response.status_code == 403
    assert CountyYear.objects.filter(pk=own_a.pk).exists()
    response = client.post(reverse("admin:programme_countyyear_changelist"), {
        "action": "delete_selected", ACTION_CHECKBOX_NAME: [own_a.pk], "post": "yes"})
    assert CountyYear.objects.filter(pk=own_a.pk).exists()
    assert class_in(land, land.a).params().max_class_size == 30
    # A year without business may still be withdrawn.
    response = client.post(reverse("admin:programme_countyyear_delete", args=[own_b.pk]), {"post": "yes"})
    assert response.status_code == 302 and not CountyYear.objects.filter(pk=own_b.pk).exists()


# --- Who sees what --------------------------------------------------------------------------------

def test_scope_area_by_role(land):
    assert Scope(role=Role.HR, county_id=land.a.pk).area("county") == Q(county=land.a.pk)
    assert Scope(role=Role.HR, county_id=land.a.pk).area("") == Q(pk=land.a.pk)
    whole = Scope(role=Role.HR)
    assert whole.area("county") == Q() and whole.is_whole_deployment
    assert not Scope(role=Role.HR, county_id=land.a.pk).is_whole_deployment
    assert Scope(role=Role.CITY_SUPERVISOR, area_code="140400").area("training_class__county") == Q(
        training_class__county__code__startswith="1404")
    assert Scope(role=Role.PROVINCE_SUPERVISOR, area_code="140000").area("county") == Q(county__code__startswith="14")
    assert Scope(role=Role.CITY_SUPERVISOR, area_code="140400").area("") == Q(code__startswith="1404")
    assert Scope(role=Role.INSTITUTION, institution_id=1).area("county") == Q(pk__in=[])
    assert not Scope(role=Role.CITY_SUPERVISOR, area_code="140400").is_whole_deployment


def test_each_role_sees_the_classes_of_its_area(land):
    classes = {name: class_in(land, getattr(land, name)).pk for name in ("a", "b", "c")}
    hr_whole = factories.UserFactory(username="hr_whole")
    factories.ProfileFactory(user=hr_whole, role=Role.HR)
    users = {
        "hr_a": (county_hr("hr_a", land.a), {"a"}),
        "hr_b": (county_hr("hr_b", land.b), {"b"}),
        "hr_whole": (hr_whole, {"a", "b", "c"}),
        "city_1404": (supervisor("city_1404", Role.CITY_SUPERVISOR, "140400"), {"a", "b"}),
        "city_1405": (supervisor("city_1405", Role.CITY_SUPERVISOR, "140500"), {"c"}),
        "province_14": (supervisor("province_14", Role.PROVINCE_SUPERVISOR, "140000"), {"a", "b", "c"}),
        "province_13": (supervisor("province_13", Role.PROVINCE_SUPERVISOR, "130000"), set()),
    }
    for name, (user, expected) in users.items():
        seen = set(classes_visible_to(user).values_list("pk", flat=True))
        assert seen == {classes[c] for c in expected}, name
    assert scope_of(users["city_1404"][0]).is_supervisor and not scope_of(users["city_1404"][0]).is_hr


# --- Supervision across counties ------------------------------------------------------------------

@pytest.fixture
def welder(land):
    """One person, 焊工 初级工 (level 5), on claim lines of a class in A and of a class in B."""
    occupation = factories.OccupationFactory(policy_year=land.year, name="焊工", code="6-18-02-04")
    trainee = factories.TraineeFactory()
    lines = {}
    for county, start in ((land.a, datetime.date(2018, 3, 1)), (land.b, datetime.date(2018, 9, 3))):
        training_class = class_in(land, county, occupation=occupation, level="5", status=ClassStatus.COMPLETED,
                                  planned_start_on=start, planned_end_on=start + datetime.timedelta(days=9),
                                  started_on=start, completed_on=start + datetime.timedelta(days=9))
        lines[county.code] = factories.ClaimLineFactory(claim__training_class=training_class,
                                                        claim__institution=training_class.institution,
                                                        enrolment__trainee=trainee)
    # Live claims: submitted (a draft is the institution's own, not yet a claim on public money).
    SubsidyClaim.objects.filter(pk__in=[line.claim_id for line in lines.values()]).update(status=ClaimStatus.SUBMITTED)
    return SimpleNamespace(trainee=trainee, occupation=occupation, lines=lines)


def test_paid_in_two_counties_finds_one_person_claimed_in_two_counties(land, welder):
    found = list(paid_in_two_counties())
    assert len(found) == 1
    kind, key, summary, url, institution_id, class_id, trainee_id = found[0]
    assert kind == FlagKind.PAID_IN_TWO_COUNTIES and trainee_id == welder.trainee.pk
    assert summary.startswith(f"学员{mask_id_number(welder.trainee.id_number)}在襄垣县、长治县均申领了")
    assert summary.endswith("焊工初级工培训补贴")  # the occupation's name, not its code
    assert welder.trainee.id_number not in summary
    assert url == reverse("admin:trainees_trainee_change", args=[welder.trainee.pk])


def test_paid_in_two_counties_ignores_one_county_a_rejected_claim_and_a_void_line(land, welder):
    line_b = welder.lines["140423"]
    SubsidyClaim.objects.filter(pk=line_b.claim_id).update(status=ClaimStatus.REJECTED)
    assert list(paid_in_two_counties()) == []
    SubsidyClaim.objects.filter(pk=line_b.claim_id).update(status=ClaimStatus.DRAFT)
    assert list(paid_in_two_counties()) == []
    SubsidyClaim.objects.filter(pk=line_b.claim_id).update(status=ClaimStatus.PAID)
    assert len(list(paid_in_two_counties())) == 1
    type(line_b).objects.filter(pk=line_b.pk).update(is_void=True, void_reason="公示异议成立")
    assert list(paid_in_two_counties()) == []
    type(line_b).objects.filter(pk=line_b.pk).update(is_void=False, void_reason="")
    # Both classes in one county: R16 refuses that at enrolment; it is no cross-county finding.
    TrainingClass.objects.filter(pk=line_b.claim.training_class_id).update(county=land.a,
                                                                          target_line=land.lines[land.a.pk])
    assert list(paid_in_two_counties()) == []


def test_paid_in_two_counties_needs_the_same_level(land, welder):
    TrainingClass.objects.filter(pk=welder.lines["140423"].claim.training_class_id).update(level="4")
    assert list(paid_in_two_counties()) == []


def test_overlapping_classes_name_both_counties_when_they_differ(land):
    trainee = factories.TraineeFactory()
    classes = [class_in(land, county, status=ClassStatus.APPROVED) for county in (land.a, land.b, land.a)]
    for training_class in classes[:2]:
        factories.EnrolmentFactory(training_class=training_class, trainee=trainee)
    [(kind, _, summary, *_)] = list(overlapping_classes())
    assert kind == FlagKind.OVERLAPPING_CLASSES
    assert "长治县" in summary and "襄垣县" in summary and "跨县" in summary
    assert classes[0].code in summary and classes[1].code in summary

    other = factories.TraineeFactory()
    factories.EnrolmentFactory(training_class=classes[0], trainee=other)
    factories.EnrolmentFactory(training_class=classes[2], trainee=other)
    same_county = [summary for _, _, summary, _, _, _, trainee_id in overlapping_classes() if trainee_id == other.pk]
    assert len(same_county) == 1
    assert "跨县" not in same_county[0] and "长治县" not in same_county[0]


def test_detect_flags_records_the_finding_once(land, welder):
    detect_flags()
    flags = Flag.objects.filter(kind=FlagKind.PAID_IN_TWO_COUNTIES)
    assert flags.count() == 1 and flags.get().trainee == welder.trainee
    assert detect_flags() == 0
    assert flags.count() == 1


# --- What a supervisor may do in the admin ---------------------------------------------------------

@pytest.fixture
def city(land):
    return supervisor("city_1404", Role.CITY_SUPERVISOR, "140400")


def test_a_city_supervisor_resolves_a_flag(land, city):
    training_class = class_in(land, land.a)
    flag = factories.FlagFactory(training_class=training_class)
    resolved = resolve_flag(flag, by=city, note="已到现场核查,学员电话为家属代登记")
    assert (resolved.resolved_by, resolved.resolution_note) == (city, "已到现场核查,学员电话为家属代登记")
    clerk = factories.institution_user(training_class.institution)
    other = factories.FlagFactory(training_class=training_class)
    with pytest.raises(ValidationError) as error:
        resolve_flag(other, by=clerk, note="无")
    assert error.value.messages == ["只有县人社局工作人员或市、省人社督导可以处理异常提示。"]

    # And through the admin's action, with the note on the confirmation page.
    response = logged_in(city).post(reverse("admin:institutions_flag_changelist"), {
        "action": "resolve_selected", ACTION_CHECKBOX_NAME: [other.pk], "confirm": "1", "note": "已约谈机构"})
    assert response.status_code == 302
    other.refresh_from_db()
    assert (other.resolved_by, other.resolution_note) == (city, "已约谈机构")


def test_a_city_supervisor_records_an_inspection_through_the_admin(land, city):
    training_class = class_in(land, land.a)
    InstitutionYear.objects.create(institution=training_class.institution, policy_year=land.year, county=land.a)
    client = logged_in(city)
    url = reverse("admin:institutions_inspection_add")
    assert client.get(url).status_code == 200
    data = {"institution": training_class.institution.pk, "training_class": training_class.pk,
            "inspected_on": "2018-06-05", "method": "on_site", "findings": "现场人数与考勤一致", "is_compliant": "on"}
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].errors
    inspection = Inspection.objects.get()
    assert (inspection.training_class, inspection.inspector) == (training_class, city)

    # Another city's class is not among the choices.
    elsewhere = class_in(land, land.c)
    InstitutionYear.objects.create(institution=elsewhere.institution, policy_year=land.year, county=land.c)
    response = client.post(url, {**data, "institution": elsewhere.institution.pk, "training_class": elsewhere.pk})
    assert response.status_code == 200
    assert set(response.context["adminform"].form.errors) == {"institution", "training_class"}
    assert Inspection.objects.count() == 1


def test_a_city_supervisor_cannot_approve_or_change_a_class(land, city):
    training_class = submitted_class()
    assert training_class.county == land.a
    client = logged_in(city)
    before, transitions, everything = row(TrainingClass, training_class.pk), ClassTransition.objects.count(), fingerprint()
    page = client.get(reverse("admin:courses_trainingclass_change", args=[training_class.pk]))
    content = page.content.decode()
    assert page.status_code == 200 and 'name="_save"' not in content
    assert page.context["decision_buttons"] == [] and "批准开班" not in content  # read-only: no decisions offered
    actions = client.get(reverse("admin:courses_trainingclass_changelist")).context["action_form"].fields["action"]
    assert [name for name, _ in actions.choices if name] == ["export_selected_xlsx"]
    assert client.post(reverse("admin:courses_trainingclass_approve", args=[training_class.pk]),
                       {"confirm": "1", "note": "同意"}).status_code == 403
    response = client.post(reverse("admin:courses_trainingclass_changelist"), {
        "action": "approve_selected", ACTION_CHECKBOX_NAME: [training_class.pk], "index": "0", "confirm": "1"})
    assert response.status_code == 302  # back to the list: no such action for them
    response = client.post(reverse("admin:courses_trainingclass_change", args=[training_class.pk]),
                           {"name": "督导改的名字", "capacity": "10"})
    assert response.status_code == 403
    # The service refuses them too, whatever the page offers.
    with pytest.raises(ValidationError) as error:
        approve_class(training_class, by=city)
    assert error.value.messages == ["只有县人社局工作人员可以审批开班申请。"]
    assert row(TrainingClass, training_class.pk) == before
    assert ClassTransition.objects.count() == transitions and fingerprint() == everything


def test_a_city_supervisor_cannot_approve_or_change_a_claim(land, city):
    claim = claim_in("reviewed", reviewed_by=factories.UserFactory())
    client = logged_in(city)
    before, everything = row(SubsidyClaim, claim.pk), fingerprint()
    page = client.get(reverse("admin:subsidies_subsidyclaim_change", args=[claim.pk]))
    assert page.status_code == 200 and page.context["decision_buttons"] == []
    assert client.post(reverse("admin:subsidies_subsidyclaim_approve", args=[claim.pk]),
                       {"confirm": "1"}).status_code == 403
    response = client.post(reverse("admin:subsidies_subsidyclaim_changelist"), {
        "action": "approve_selected", ACTION_CHECKBOX_NAME: [claim.pk], "index": "0", "confirm": "1"})
    assert response.status_code == 302
    response = client.post(reverse("admin:subsidies_subsidyclaim_change", args=[claim.pk]),
                           {"instalment": "second", "supervision_note": "督导写的"})
    assert response.status_code == 403
    with pytest.raises(ValidationError) as error:
        approve_claim(claim, by=city, today=datetime.date(2018, 9, 1))
    assert error.value.messages == ["只有县人社局工作人员可以审核、审批和拨付补贴。"]
    assert row(SubsidyClaim, claim.pk) == before and fingerprint() == everything


def test_a_supervisor_is_offered_no_action_but_on_flags(land, city):
    """The state-changing admin actions (and so the change pages' decision buttons) are offered to
    supervisors only on the models they may change: resolving a flag; the export everywhere."""
    request = RequestFactory().get("/admin/")
    request.user = city
    offered = {model._meta.label: set(model_admin.get_actions(request)) - {"export_selected_xlsx"}
               for model, model_admin in admin.site._registry.items()}
    assert {label: names for label, names in offered.items() if names} == {"institutions.Flag": {"resolve_selected"}}
    # County HR keep theirs, the objections' decisions among them.
    request.user = county_hr("hr_a", land.a)
    assert {"uphold_selected", "dismiss_selected"} <= set(admin.site._registry[ClaimObjection].get_actions(request))


def test_county_hr_see_only_their_county_s_claim_totals(land):
    claim = claim_in("reviewed", reviewed_by=factories.UserFactory())  # in A
    client = logged_in(county_hr("hr_b", land.b))
    page = client.get(reverse("admin:subsidies_subsidyclaim_changelist"))
    assert page.status_code == 200
    assert dict(page.context["status_rows"])["已初审"] == 0  # A's money is not B's
    page = logged_in(county_hr("hr_a", land.a)).get(reverse("admin:subsidies_subsidyclaim_changelist"))
    assert dict(page.context["status_rows"])["已初审"] == claim.total_amount > 0


# --- The accounts of the new roles ----------------------------------------------------------------

def profile(role, **fields):
    return UserProfile(user=factories.UserFactory(), role=role, **fields)


@pytest.mark.parametrize(("role", "area_code"), [
    (Role.CITY_SUPERVISOR, ""), (Role.CITY_SUPERVISOR, "1404"), (Role.CITY_SUPERVISOR, "140421"),
    (Role.PROVINCE_SUPERVISOR, ""), (Role.PROVINCE_SUPERVISOR, "040000"), (Role.HR, "140400"),
])
def test_a_supervisor_needs_a_valid_area_code_and_no_one_else_has_one(land, role, area_code):
    with pytest.raises(ValidationError) as error:
        profile(role, area_code=area_code).full_clean()
    assert "市人社局督导填本市区划代码" in str(error.value)
    with pytest.raises(IntegrityError), transaction.atomic():
        profile(role, area_code=area_code).save()


def test_an_institution_clerk_has_no_county(land):
    institution = factories.TrainingInstitutionFactory()
    with pytest.raises(ValidationError) as error:
        profile(Role.INSTITUTION, institution=institution, county=land.a).full_clean()
    assert "只有县人社局工作人员选择所在县" in str(error.value)
    with pytest.raises(IntegrityError), transaction.atomic():
        profile(Role.INSTITUTION, institution=institution, county=land.a).save()


def test_valid_accounts_of_the_new_roles(land):
    profile(Role.CITY_SUPERVISOR, area_code="140400").full_clean()
    profile(Role.PROVINCE_SUPERVISOR, area_code="140000").full_clean()
    profile(Role.HR, county=land.b).full_clean()
    profile(Role.HR).full_clean()
