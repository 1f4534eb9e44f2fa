"""Objections from the public page (R19, 《实施方案》五(三)): anyone may object online to a line on
notice by its public reference, with a reason and a contact phone; the objection lands in county
HR's queue and is decided there like one recorded at the counter."""

import datetime
import itertools
import uuid

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from reporting import public
from subsidies.models import ClaimLine, ClaimObjection, SubsidyClaim
from tests import factories

pytestmark = pytest.mark.django_db

# 2018-07-02 (Monday) to 2018-07-06 (Friday): five working days of notice.
STARTS, ENDS = datetime.date(2018, 7, 2), datetime.date(2018, 7, 6)
PHONE = "13912345678"
REASON = "该学员培训期间一直在外地务工,没有参加培训。"
_addresses = itertools.count(1)


@pytest.fixture(autouse=True)
def own_counters(settings):
    """The rate limit's counters of one test never meet another's, even where the whole run's
    cache is one Redis that no test transaction rolls back."""
    settings.CACHES = {"default": {**settings.CACHES["default"], "KEY_PREFIX": f"test-{uuid.uuid4().hex}"}}


def address():
    """A client address of this test alone (the limit counts per address)."""
    n = next(_addresses)
    return f"10.{uuid.uuid4().int % 250}.{n // 250 % 250}.{n % 250 + 1}"


def on_notice(starts=STARTS, ends=ENDS, name="张小明"):
    """A line of a claim on public notice from `starts` to `ends`."""
    line = factories.ClaimLineFactory(enrolment__trainee__name=name)
    SubsidyClaim.objects.filter(pk=line.claim_id).update(status="publicised", publicity_starts_on=starts,
                                                         publicity_ends_on=ends)
    line.claim.refresh_from_db()
    return line


def ref(line):
    return public.line_reference(claim_id=line.claim_id, line_id=line.pk)


def submit(line_or_reference, today, reason=REASON, phone=PHONE):
    reference = line_or_reference if isinstance(line_or_reference, str) else ref(line_or_reference)
    return public.submit_public_objection(reference=reference, reason=reason, phone=phone, today=today)


def refusal(*args, **kwargs):
    with pytest.raises(ValidationError) as error:
        submit(*args, **kwargs)
    return error.value


# --- The service ------------------------------------------------------------------------------

@pytest.mark.parametrize("today", [STARTS, datetime.date(2018, 7, 4), ENDS])
def test_an_objection_is_accepted_from_the_first_to_the_last_day_of_notice(today):
    line = on_notice()
    objection = submit(line, today, phone="139 1234 5678")
    stored = ClaimObjection.objects.get()
    assert stored == objection
    assert (stored.line, stored.channel, stored.recorded_by, stored.received_on, stored.objector,
            stored.contact_phone, stored.content, stored.is_upheld) == (
        line, "online", None, today, "公众(网上)", PHONE, REASON, None)


@pytest.mark.parametrize("today", [STARTS - datetime.timedelta(days=1), ENDS + datetime.timedelta(days=1)])
def test_the_day_before_and_the_day_after_the_notice_are_refused(today):
    line = on_notice()
    error = refusal(line, today)
    assert error.code == "not_on_notice" and "不在公示期内或编号有误" in error.message
    assert not ClaimObjection.objects.exists()


def test_a_removed_line_is_refused_with_the_same_words():
    line = on_notice()
    ClaimLine.objects.filter(pk=line.pk).update(is_void=True, void_reason="审核剔除")
    error = refusal(line, STARTS)
    assert error.code == "not_on_notice" and error.message == public.NOT_ON_NOTICE
    assert not ClaimObjection.objects.exists()


@pytest.mark.parametrize("status", ["approved", "payable", "paid"])
def test_a_claim_not_on_notice_is_refused_even_inside_its_dates(status):
    line = on_notice()
    SubsidyClaim.objects.filter(pk=line.claim_id).update(status=status)
    assert refusal(line, STARTS).code == "not_on_notice"


def test_an_unknown_or_mismatched_reference_says_nothing_more_than_a_closed_one():
    line, other = on_notice(), on_notice()
    closed = refusal(line, ENDS + datetime.timedelta(days=1)).message
    for reference in ("GS999999-1", f"GS{other.claim_id}-{line.pk}", "GS1", "张小明", ""):
        error = refusal(reference, STARTS)
        assert (error.code, error.message) == ("not_on_notice", closed), reference
    assert not ClaimObjection.objects.exists()


def test_a_reference_typed_on_a_phone_is_understood():
    line = on_notice()
    typed = f" ｇｓ{line.claim_id}－{line.pk} ".replace("1", "１")
    assert submit(typed, STARTS).line == line


@pytest.mark.parametrize("phone", ["1391234567", "139123456789", "12345678901", "abc", "", "0399-12"])
def test_a_bad_phone_is_refused_without_repeating_it(phone):
    line = on_notice()
    error = refusal(line, STARTS, phone=phone)
    assert error.code == "phone_invalid"
    assert not phone or phone not in error.message
    assert not ClaimObjection.objects.exists()


def test_a_landline_with_its_area_code_is_accepted():
    assert submit(on_notice(), STARTS, phone="0355-5621234").contact_phone == "03555621234"


@pytest.mark.parametrize(("reason", "accepted"), [("太短了" * 3, False), ("一" * 10, True), ("一" * 500, True),
                                                  ("一" * 501, False), ("   " + "一" * 9 + "   ", False)])
def test_the_reason_has_ten_to_five_hundred_characters(reason, accepted):
    line = on_notice()
    if accepted:
        assert submit(line, STARTS, reason=reason).content == reason.strip()
    else:
        assert refusal(line, STARTS, reason=reason).code == "reason_length"
        assert not ClaimObjection.objects.exists()


# --- Through the public page --------------------------------------------------------------------

def open_today(name="张小明"):
    """A line whose notice runs today (Asia/Shanghai) in real time: the view reads the clock."""
    today = timezone.localdate()
    return on_notice(today - datetime.timedelta(days=1), today + datetime.timedelta(days=5), name=name)


def post(client, data, remote=None):
    return client.post(reverse("public-objection"), data, REMOTE_ADDR=remote or address())


def test_the_form_needs_the_csrf_token():
    """A POST without the token is refused (403, nothing stored); with the token from the form it
    is accepted."""
    line = open_today()
    client = Client(enforce_csrf_checks=True)
    data = {"reference": ref(line), "reason": REASON, "phone": PHONE}
    response = post(client, data)
    assert response.status_code == 403 and not ClaimObjection.objects.exists()
    form = client.get(reverse("public-objection"), {"ref": ref(line)})
    assert form.status_code == 200 and "csrfmiddlewaretoken" in form.content.decode()
    token = client.cookies["csrftoken"].value
    response = post(client, {**data, "csrfmiddlewaretoken": token})
    assert response.status_code == 200 and ClaimObjection.objects.count() == 1


def test_the_confirmation_repeats_nothing_about_the_person():
    line = open_today(name="欧阳小明")
    response = post(Client(), {"reference": ref(line), "reason": REASON, "phone": PHONE})
    content = response.content.decode()
    assert response.status_code == 200
    assert "异议已收到,县人社局将在公示期内核查处理" in content
    trainee = line.enrolment.trainee
    for secret in (PHONE, "139****5678", "欧阳小明", "欧**明", trainee.id_number, trainee.id_number[-4:], REASON,
                   ref(line)):
        assert secret not in content, secret
    assert "no-store" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]
    assert ClaimObjection.objects.get().contact_phone == PHONE


def test_a_refusal_is_a_chinese_400_that_keeps_the_reason_but_not_the_phone():
    line = open_today()
    response = post(Client(), {"reference": ref(line), "reason": "太短", "phone": PHONE})
    content = response.content.decode()
    assert response.status_code == 400
    assert "异议内容请写10至500个字" in content and "太短" in content and PHONE not in content
    assert not ClaimObjection.objects.exists()

    response = post(Client(), {"reference": "GS999999-1", "reason": REASON, "phone": PHONE})
    assert response.status_code == 400 and "不在公示期内或编号有误" in response.content.decode()
    response = post(Client(), {"reference": ref(line), "reason": REASON, "phone": "98765"})
    assert response.status_code == 400 and "联系电话无效" in response.content.decode()
    assert "98765" not in response.content.decode()
    assert post(Client(), {}).status_code == 400
    assert not ClaimObjection.objects.exists()


def test_the_sixth_objection_in_an_hour_from_one_address_is_refused_with_429():
    line = open_today()
    remote, client = address(), Client()
    data = {"reference": ref(line), "reason": REASON, "phone": PHONE}
    answers = [post(client, data, remote).status_code for _ in range(public.OBJECTIONS_PER_ADDRESS_PER_HOUR)]
    assert answers == [200] * public.OBJECTIONS_PER_ADDRESS_PER_HOUR
    refused = post(client, data, remote)
    assert refused.status_code == 429 and "提交次数太多,请1小时后再试" in refused.content.decode()
    assert ClaimObjection.objects.count() == public.OBJECTIONS_PER_ADDRESS_PER_HOUR
    # Bad submissions count too (a script guessing references gets no further), other addresses do not.
    assert post(client, {"reference": "x"}, remote).status_code == 429
    assert post(client, data).status_code == 200


def test_a_link_beside_a_line_fills_in_its_reference_and_nothing_else_is_reflected():
    line = open_today()
    page = Client().get(reverse("public-objection"), {"ref": ref(line).lower()}).content.decode()
    assert f'value="{ref(line)}"' in page
    page = Client().get(reverse("public-objection"), {"ref": "<script>alert(1)</script>"}).content.decode()
    assert "<script>alert" not in page and "alert(1)" not in page


# --- HR's queue -------------------------------------------------------------------------------

def test_hr_finds_the_online_objection_and_upholding_it_removes_the_line(hr_client):
    line = on_notice()
    counter = factories.ClaimObjectionFactory(line=on_notice(), received_on=STARTS)
    objection = submit(line, STARTS)

    changelist = reverse("admin:subsidies_claimobjection_changelist")
    page = hr_client.get(changelist, {"channel__exact": "online"}).content.decode()
    assert "公示页面网上提交" in page and "139****5678" in page and PHONE not in page
    assert f'href="/admin/subsidies/claimobjection/{objection.pk}/change/' in page
    assert f"/admin/subsidies/claimobjection/{counter.pk}/change/" not in page

    detail = hr_client.get(reverse("admin:subsidies_claimobjection_change", args=[objection.pk])).content.decode()
    assert PHONE in detail and REASON in detail and "公众(网上)" in detail

    hr_client.post(changelist, {"action": "uphold_selected", ACTION_CHECKBOX_NAME: [objection.pk], "confirm": "1",
                                "note": "经核实该学员未参加培训"}, follow=True)
    objection.refresh_from_db()
    line.refresh_from_db()
    assert objection.is_upheld is True and objection.decided_by is not None
    assert line.is_void and "公示异议成立" in line.void_reason


def test_hr_dismisses_an_online_objection_and_the_line_stays(hr_client):
    line = on_notice()
    objection = submit(line, STARTS)
    hr_client.post(reverse("admin:subsidies_claimobjection_changelist"),
                   {"action": "dismiss_selected", ACTION_CHECKBOX_NAME: [objection.pk], "confirm": "1",
                    "note": "经核实该学员全程参训"}, follow=True)
    objection.refresh_from_db()
    line.refresh_from_db()
    assert objection.is_upheld is False and not line.is_void


def test_the_public_cannot_reach_the_queue():
    objection = submit(on_notice(), STARTS)
    response = Client().get(reverse("admin:subsidies_claimobjection_change", args=[objection.pk]))
    assert response.status_code == 302 and PHONE not in response.content.decode()
