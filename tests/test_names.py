"""People are written as in Chinese, 姓 then 名 with no space, everywhere a person is shown (staff
included), and an operator is never shown by username."""

import datetime

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from accounts.names import NO_NAME, display_name
from subsidies import services as subsidies
from tests import factories
from tests.scenarios import completed_class

User = get_user_model()


def test_family_name_first_without_a_space():
    assert display_name(User(username="town1", last_name="牛", first_name="红梅")) == "牛红梅"
    assert display_name(User(username="town1", last_name=" 欧阳 ", first_name="娜娜")) == "欧阳娜娜"
    assert display_name(User(username="town1", last_name="牛")) == "牛"


def test_an_account_without_a_name_is_not_shown_by_its_username():
    assert display_name(User(username="hr_admin")) == NO_NAME
    assert display_name(None) == ""


def test_a_name_in_latin_letters_keeps_its_own_order():
    assert display_name(User(username="x", last_name="Li", first_name="Anna")) == "Anna Li"


def test_a_user_prints_as_their_name():
    """The admin prints every user it shows (reviewed by, recorded by, history) with str()."""
    assert str(User(username="town1", last_name="牛", first_name="红梅")) == "牛红梅"


@pytest.mark.django_db
def test_the_portal_header_names_the_signed_in_person(client):
    official = factories.township_user(factories.TownshipFactory(), username="town_niu")
    official.last_name, official.first_name = "牛", "红梅"
    official.save()
    client.force_login(official)
    page = client.get(reverse("trainees:home")).content.decode()
    assert '<span class="who">牛红梅</span>' in page
    assert "红梅 牛" not in page and "town_niu" not in page


@pytest.mark.django_db
def test_the_portal_header_of_an_unnamed_account_shows_no_username(client):
    clerk = factories.institution_user(factories.TrainingInstitutionFactory(), username="clerk_noname")
    client.force_login(clerk)
    page = client.get(reverse("institutions:home")).content.decode()
    assert f'<span class="who">{NO_NAME}</span>' in page and "clerk_noname" not in page


@pytest.mark.django_db
def test_the_admin_welcomes_staff_by_full_name(client):
    client.force_login(factories.hr_user("hr_guo", last_name="郭", first_name="志强"))
    page = client.get(reverse("admin:index")).content.decode()
    assert "欢迎,<strong>郭志强</strong>" in page
    assert "hr_guo" not in page and "志强 郭" not in page


@pytest.mark.django_db
def test_operators_on_a_printed_claim_and_in_the_admin_are_named(policy_year):
    """The claim form prints the reviewer's name; the admin's claim page names the reviewer too."""
    training_class = completed_class(trainees=1)
    end = training_class.planned_end_on
    officer = training_class.officer
    officer.last_name, officer.first_name = "申", "丽萍"
    officer.save()
    claim, _ = subsidies.generate_claim(training_class, by=training_class.clerk, instalment="first",
                                        today=end + datetime.timedelta(days=10))
    subsidies.submit_claim(claim, by=training_class.clerk, today=end + datetime.timedelta(days=10))
    subsidies.review_claim(claim, by=officer)

    clerk = Client()
    clerk.force_login(training_class.clerk)
    printed = clerk.get(reverse("subsidies:claim-print", args=[claim.pk])).content.decode()
    assert "申丽萍" in printed and officer.username not in printed and "丽萍 申" not in printed

    hr = Client()
    hr.force_login(factories.hr_user("hr_other", last_name="王", first_name="卫东"))
    page = hr.get(reverse("admin:subsidies_subsidyclaim_change", args=[claim.pk])).content.decode()
    assert "申丽萍" in page and officer.username not in page


@pytest.mark.django_db
def test_the_class_history_names_who_acted():
    """The class page's 办理记录 names the clerk and the officer, never by username."""
    training_class = completed_class(trainees=1)
    clerk = training_class.clerk
    clerk.last_name, clerk.first_name = "赵", "晓燕"
    clerk.save()
    client = Client()
    client.force_login(clerk)
    page = client.get(reverse("courses:class-detail", args=[training_class.pk])).content.decode()
    assert "赵晓燕" in page and clerk.username not in page and training_class.officer.username not in page
