"""A phone, like an ID number, is searched by POST and never appears in a URL (SPEC.md §2): in the
admin's trainee list and in the township's."""

import re

import pytest
from django.urls import reverse

from tests import factories
from trainees.policy import looks_like_phone, normalise_phone, phone_spellings

pytestmark = pytest.mark.django_db

PHONE = "13812345678"


def links(content):
    return re.findall(r'(?:href|action|src)="([^"]*)"', content)


def leaks(text, *numbers):
    """Whether `text` carries a phone or an ID number, whole or its distinctive middle."""
    return any(part in text for number in numbers for part in (number, number[3:11]))


def test_a_phone_typed_into_the_admin_search_box_is_refused_not_searched(hr_client):
    factories.TraineeFactory(phone=PHONE)
    url = reverse("admin:trainees_trainee_changelist")
    for typed in (PHONE, "+86 138 1234 5678", "138-1234-5678", "1381234"):
        refused = hr_client.get(url, {"q": typed})
        assert refused.status_code == 302 and refused["Location"] == url, typed
        page = hr_client.get(url).content.decode()
        assert "手机号等7位以上的号码不能出现在网址中" in page and "按身份证号或手机号查询" in page
    # The first digits still search from the box (the prefix index), a name as before.
    assert len(hr_client.get(url, {"q": "138"}).context["cl"].result_list) == 1


def test_the_admin_finds_a_trainee_by_phone_through_the_posted_box(hr_client):
    wanted = factories.TraineeFactory(phone=PHONE, id_number="11010519491231002X")
    dashed = factories.TraineeFactory(phone="139-0355-0001")
    factories.TraineeFactory(phone="13812345679")
    url = reverse("admin:trainees_trainee_changelist")
    response = hr_client.post(url, {"_id_search": "+86 138 1234 5678"})
    assert response.status_code == 302
    assert not leaks(response["Location"], PHONE, wanted.id_number)
    response = hr_client.get(response["Location"])
    assert list(response.context["cl"].result_list) == [wanted]
    content = response.content.decode()
    assert "当前按手机号 138****5678 查询" in content
    assert PHONE not in content and wanted.id_number not in content
    assert not any(leaks(link, PHONE, wanted.id_number) for link in links(content))
    # A phone stored as typed with dashes is found from its digits; an ID number still works.
    found = hr_client.get(hr_client.post(url, {"_id_search": "13903550001"})["Location"])
    assert list(found.context["cl"].result_list) == [dashed]
    found = hr_client.get(hr_client.post(url, {"_id_search": "11010519491231002x"})["Location"])
    assert list(found.context["cl"].result_list) == [wanted]
    refused = hr_client.post(url, {"_id_search": "12345"}, follow=True)
    assert "请输入18位身份证号(最后一位可以是X)或手机号" in refused.content.decode()


def test_autocomplete_does_not_search_by_phone(hr_client):
    factories.TraineeFactory(phone=PHONE)
    response = hr_client.get(reverse("admin:autocomplete"), {
        "term": PHONE, "app_label": "trainees", "model_name": "categorymembership", "field_name": "trainee"})
    assert response.status_code == 200 and response.json()["results"] == []


def test_the_township_list_refuses_a_number_in_the_url_and_finds_it_by_post(client):
    township = factories.TownshipFactory()
    own = factories.TraineeFactory(township=township, phone=PHONE)
    factories.TraineeFactory(phone="13812345670")
    client.force_login(factories.township_user(township))
    url = reverse("trainees:trainee-list")
    for typed in (PHONE, "+86 138-1234-5678", own.id_number):
        refused = client.get(url, {"q": typed})
        assert refused.status_code == 302 and refused["Location"] == url, typed
        assert "身份证号、手机号不能出现在网址中" in client.get(url).content.decode()
    response = client.post(url, {"id_number": "138 1234 5678"})
    assert list(response.context["trainees"]) == [own]
    content = response.content.decode()
    assert PHONE not in content and own.id_number not in content
    assert not any(leaks(link, PHONE, own.id_number) for link in links(content))
    assert list(client.post(url, {"id_number": "13812345670"}).context["trainees"]) == []  # another township's


def test_phones_are_normalised_as_people_type_them():
    for typed in (PHONE, "+86 138 1234 5678", "8613812345678", "138-1234-5678", "１３８１２３４５６７８"):
        assert normalise_phone(typed) == PHONE, typed
        assert looks_like_phone(typed), typed
    assert normalise_phone("0355-1234567") == "03551234567" and "0355-1234567" in phone_spellings("03551234567")
    assert "010-12345678" in phone_spellings("01012345678")
    assert normalise_phone("12345") == "" and normalise_phone("郭建平") == ""
    assert not looks_like_phone("郭建平") and not looks_like_phone("138123")
