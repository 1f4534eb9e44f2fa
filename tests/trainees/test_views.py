"""The township portal: registration without duplicates, search, categories, progress."""

import pytest
from django.urls import reverse

from tests import factories
from trainees.models import IdNumberView, Trainee
from trainees.policy import may_see_full_id_number

pytestmark = pytest.mark.django_db


@pytest.fixture
def township(db):
    return factories.TownshipFactory(name="韩店镇")


@pytest.fixture
def official(client, township):
    client.force_login(factories.township_user(township))
    return client


def form(number, name="王五"):
    return {"id_number": number, "name": name, "phone": "13812345678", "category": "rural_labour",
            "held_from": "2018-05-14", "education": "junior", "address": ""}


def test_register_a_trainee_with_a_typed_id(official, township):
    response = official.post(reverse("trainees:register"), form("１４０４２１ 19900101001２"))
    trainee = Trainee.objects.get()
    assert response.status_code == 302 and trainee.id_number == "140421199001010012"
    assert (trainee.township, trainee.sex, trainee.categories.get().category) == (township, "M", "rural_labour")


def test_a_person_registered_elsewhere_is_shown_not_duplicated(official):
    elsewhere = factories.TraineeFactory(township=factories.TownshipFactory(name="苏店镇"))
    response = official.post(reverse("trainees:register"), form(elsewhere.id_number.lower()))
    assert response.status_code == 200 and "已在苏店镇登记" in response.content.decode()
    assert response.context["existing"] == elsewhere and Trainee.objects.count() == 1


def test_search_by_full_id_uses_post_and_stays_in_scope(official, township):
    own = factories.TraineeFactory(township=township, name="赵一")
    other = factories.TraineeFactory(name="赵二")
    response = official.post(reverse("trainees:trainee-list"), {"id_number": own.id_number})
    assert list(response.context["trainees"]) == [own]
    response = official.post(reverse("trainees:trainee-list"), {"id_number": other.id_number})
    assert list(response.context["trainees"]) == []
    response = official.get(reverse("trainees:trainee-list"), {"q": "赵"})
    assert list(response.context["trainees"]) == [own]
    assert own.id_number not in response.content.decode()


def test_categories_added_and_ended(official, township):
    trainee = factories.TraineeFactory(township=township)
    url = reverse("trainees:categories", args=[trainee.pk])
    official.post(url, {"category": "urban_unemployed", "held_from": "2018-03-01"})
    membership = trainee.categories.get(category="urban_unemployed")
    official.post(url, {"end": membership.pk, "held_until": "2018-09-30"})
    membership.refresh_from_db()
    assert str(membership.held_until) == "2018-09-30"
    stranger = factories.TraineeFactory()
    assert official.post(reverse("trainees:categories", args=[stranger.pk]),
                         {"category": "veteran", "held_from": "2018-01-01"}).status_code == 404


def test_home_shows_progress_by_category(official, township, policy_year):
    enrolment = factories.EnrolmentFactory(trainee=factories.TraineeFactory(township=township),
                                           category="rural_labour",
                                           training_class=factories.TrainingClassFactory(completed=True))
    rows = {r[0]: r for r in official.get(reverse("trainees:home")).context["by_category"]}
    assert rows["农村劳动力"][1:4] == (1, 1, 1)
    assert enrolment.pk


def test_registration_page_loads_the_id_helper(official):
    page = official.get(reverse("trainees:register")).content.decode()
    assert "portal/id-number.js" in page and "data-id-number" in page


def test_full_id_number_is_shown_to_the_own_township_on_request_and_each_view_is_recorded(client):
    trainee = factories.TraineeFactory()
    official = factories.township_user(trainee.township)
    client.force_login(official)
    url = reverse("trainees:trainee-detail", args=[trainee.pk])
    page = client.get(url).content.decode()
    assert trainee.masked_id_number in page and trainee.id_number not in page
    assert IdNumberView.objects.count() == 0
    for expected in (1, 2):
        shown = client.post(url, {"reveal": "id_number"})
        assert shown.status_code == 200 and trainee.id_number in shown.content.decode()
        assert "no-store" in shown["Cache-Control"]
        assert IdNumberView.objects.filter(trainee=trainee, viewer=official, place="township").count() == expected


def test_full_id_number_is_refused_to_everyone_else(client):
    trainee = factories.TraineeFactory()
    url = reverse("trainees:trainee-detail", args=[trainee.pk])
    client.force_login(factories.township_user(factories.TownshipFactory()))
    assert client.post(url, {"reveal": "id_number"}).status_code == 404
    client.force_login(factories.institution_user(factories.TrainingInstitutionFactory()))
    assert client.post(url, {"reveal": "id_number"}).status_code == 403
    assert IdNumberView.objects.count() == 0


def test_hr_sees_the_full_id_number_on_the_trainee_page_only_and_it_is_recorded(client):
    trainee = factories.TraineeFactory()
    hr = factories.hr_user()
    client.force_login(hr)
    listing = client.get(reverse("admin:trainees_trainee_changelist")).content.decode()
    assert trainee.id_number not in listing and IdNumberView.objects.count() == 0
    page = client.get(reverse("admin:trainees_trainee_change", args=[trainee.pk])).content.decode()
    assert trainee.id_number in page
    view = IdNumberView.objects.get()
    assert (view.trainee, view.viewer, view.place) == (trainee, hr, "admin")
    history = trainee.history.first()
    client.get(reverse("admin:trainees_trainee_simple_history", args=[trainee.pk, history.pk]))
    assert IdNumberView.objects.count() == 2
    client.get(reverse("admin:trainees_trainee_history", args=[trainee.pk]))  # old and new values listed
    assert IdNumberView.objects.count() == 3
    assert client.get(reverse("admin:trainees_trainee_delete", args=[trainee.pk])).status_code == 403
    audit = client.get(reverse("admin:trainees_idnumberview_changelist")).content.decode()
    assert trainee.masked_id_number in audit and trainee.id_number not in audit


def test_the_full_id_rule():
    assert may_see_full_id_number(is_hr=True, viewer_township_id=None, trainee_township_id=3)
    assert may_see_full_id_number(is_hr=False, viewer_township_id=3, trainee_township_id=3)
    assert not may_see_full_id_number(is_hr=False, viewer_township_id=4, trainee_township_id=3)
    assert not may_see_full_id_number(is_hr=False, viewer_township_id=None, trainee_township_id=3)
