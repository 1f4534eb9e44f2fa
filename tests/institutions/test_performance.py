"""R11: pass rate and employment rate decide next year's eligibility."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from certification import services as certification
from common.numbers import rate_text
from institutions.models import InstitutionYear
from programme.policy import PolicyParams
from reporting.policy import institution_performance
from reporting.selectors import annual_performance
from reporting.services import apply_annual_performance
from tests import factories
from tests.scenarios import START, completed_class

P = PolicyParams(year=2018)


@pytest.mark.parametrize(
    ("completed", "certified", "employed", "keeps"),
    [(10, 8, 3, True), (10, 7, 3, False), (10, 8, 2, False), (1000, 799, 500, False), (0, 0, 0, True)],
)
def test_thresholds(completed, certified, employed, keeps):
    """80 % certified and 30 % employed keep eligibility; 79.9 % or 29.9 % lose it."""
    assert institution_performance(completed=completed, certified=certified, employed=employed,
                                   p=P).keeps_eligibility is keeps


def test_reasons_carry_the_numbers():
    performance = institution_performance(completed=10, certified=7, employed=2, p=P)
    assert performance.pass_rate == Decimal("0.7000")
    assert performance.reasons == ("培训合格率70.0%低于80%", "就业率20.0%低于30%")


@pytest.mark.django_db
def test_annual_performance_and_next_years_disqualification(hr):
    good = completed_class(trainees=2)
    poor = completed_class(trainees=2, certified=False)
    end = START + datetime.timedelta(days=9)
    for verified, enrolment in enumerate(good.enrolments.all()):
        record = certification.record_employment(enrolment, by=good.clerk, employer_name="某公司", employer_credit_code=factories.credit_code(6),
                                                 started_on=end + datetime.timedelta(days=30), evidence_kind="contract")
        # unverified employment does not count
        assert dict(annual_performance(good.policy_year))[good.institution].employed == verified
        certification.verify_employment(record, by=hr)
    results = dict(annual_performance(good.policy_year))
    assert (results[good.institution].completed, results[good.institution].certified,
            results[good.institution].employed) == (2, 2, 2)
    assert results[poor.institution].keeps_eligibility is False
    year = good.policy_year
    with pytest.raises(ValidationError) as error:
        apply_annual_performance(year, by=hr)
    assert error.value.code == "year_not_closed"
    year.is_closed = True
    year.save()
    factories.PolicyYearFactory(year=2019)
    losers = apply_annual_performance(year, by=hr)
    assert [institution for institution, _ in losers] == [poor.institution]
    row = InstitutionYear.objects.get(institution=poor.institution, policy_year_id=2019)
    assert row.is_disqualified and "合格率0.0%" in row.disqualification_reason


def test_a_reason_writes_the_rate_as_the_table_does():
    """2 employed of 7 is 28.57 %: the reason says 28.5% as the dashboard's table and chart do
    (one formatter), never 28.6%."""
    result = institution_performance(completed=7, certified=7, employed=2, p=P)
    assert rate_text(result.employment_rate) == "28.5%"
    assert result.reasons == ("就业率28.5%低于30%",)
