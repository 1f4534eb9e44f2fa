"""系统监测 (《实施方案》三(七), R23): one employer without a valid credit code taking on more
trainees in a year than the year's `uncoded_employer_max_hires` is raised once, for HR to look at."""

from urllib.parse import parse_qs, urlsplit

import pytest

from certification.models import EmploymentRecord
from institutions.models import Flag, FlagKind
from programme.models import PolicyYear
from reporting.flags import _employment_link, detect_flags
from tests import factories

pytestmark = pytest.mark.django_db
# Typed in three ways; the same employer once the spaces are gone.
NAMES = ["韩店镇惠民超市", "韩店镇 惠民超市", "韩店镇惠民超市 ", "韩店镇\u3000惠民超市", "韩店镇惠民超市"]


def hires(count, *, training_class=None, credit_code="", names=NAMES):
    extra = {"enrolment__training_class": training_class} if training_class else {}
    return [factories.EmploymentRecordFactory(employer_name=names[i % len(names)], employer_credit_code=credit_code,
                                              **extra)
            for i in range(count)]


def uncoded_flags():
    return list(Flag.objects.filter(kind=FlagKind.UNCODED_EMPLOYER))


def test_at_the_limit_nothing_is_raised():
    hires(3)
    detect_flags()
    assert uncoded_flags() == []


def test_one_more_than_the_limit_is_raised_once_with_the_records_by_id():
    records = hires(4)
    assert detect_flags() == 1
    flag, = uncoded_flags()
    assert flag.key == "2018-韩店镇惠民超市"
    assert "韩店镇惠民超市" in flag.summary and "4名" in flag.summary and "超过3名" in flag.summary
    assert flag.institution is None  # four institutions' classes
    assert (flag.training_class, flag.trainee) == (None, None)
    query = parse_qs(urlsplit(flag.evidence_url).query)
    assert query == {"id__in": [",".join(str(r.pk) for r in records)]}
    assert detect_flags() == 0


def test_the_link_opens_the_records_in_the_admin(hr_client):
    records = hires(4)
    detect_flags()
    response = hr_client.get(uncoded_flags()[0].evidence_url)
    assert response.status_code == 200
    assert {r.pk for r in response.context["cl"].result_list} == {r.pk for r in records}


def test_one_institutions_hires_name_the_institution():
    training_class = factories.TrainingClassFactory()
    hires(4, training_class=training_class)
    detect_flags()
    assert uncoded_flags()[0].institution == training_class.institution


def test_the_same_trainee_twice_counts_once():
    records = hires(3)
    factories.EmploymentRecordFactory(enrolment=records[0].enrolment, employer_name=NAMES[0])
    detect_flags()
    assert uncoded_flags() == []


def test_an_employer_with_a_valid_code_is_not_raised_one_with_a_wrong_check_character_is():
    code = factories.credit_code(11)
    hires(5, credit_code=code, names=["长治县某物流公司"])
    detect_flags()
    assert uncoded_flags() == []
    wrong = code[:17] + ("0" if code[17] != "0" else "1")
    EmploymentRecord.objects.update(employer_credit_code=wrong)  # stored before codes were checked
    detect_flags()
    assert len(uncoded_flags()) == 1


def test_zero_turns_the_check_off():
    hires(6)
    PolicyYear.objects.filter(year=2018).update(uncoded_employer_max_hires=0)
    detect_flags()
    assert uncoded_flags() == []
    PolicyYear.objects.filter(year=2018).update(uncoded_employer_max_hires=5)
    detect_flags()
    assert len(uncoded_flags()) == 1


def test_past_what_a_link_holds_it_filters_by_the_names_typed_and_the_year(hr_client):
    records = hires(5)
    far = [10_000_000 + n for n in range(40)]  # ids that would not fit a flag's link
    room = Flag._meta.get_field("evidence_url").max_length
    some = [r for r in records if r.employer_name in NAMES[:2]]
    url = _employment_link(far, [r.employer_name for r in some], 2018)
    assert len(url) <= room and "id__in" not in url
    assert {r.pk for r in hr_client.get(url).context["cl"].result_list} == {r.pk for r in some}
    url = _employment_link(far, [r.employer_name for r in records], 2018)  # every way it was typed
    assert len(url) <= room
    response = hr_client.get(url)
    assert response.status_code == 200
    most_typed = {r.pk for r in records if r.employer_name == NAMES[0]}
    assert len(most_typed) == 2 and {r.pk for r in response.context["cl"].result_list} == most_typed
