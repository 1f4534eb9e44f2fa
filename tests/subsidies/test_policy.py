"""R6, R7 and R15 amounts: pure functions, boundary tables and properties (no database)."""

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from programme.policy import PolicyParams
from subsidies.policy import (
    employment_window_ends_on,
    small_enterprise_subsidy_amount,
    split_instalments,
    training_subsidy,
)

P = PolicyParams(year=2018)


@pytest.mark.parametrize(
    ("days", "total", "first", "second"),
    [(7, "1050.00", "840.00", "210.00"), (10, "1500.00", "1200.00", "300.00"),
     (12, "1700.00", "1360.00", "340.00"), (15, "2000.00", "1600.00", "400.00"), (0, "0.00", "0.00", "0.00")],
)
def test_worked_examples_of_the_spec(days, total, first, second):
    """SPEC.md §4: 7 days -> 1,050 (840 + 210) ... 15 days -> 2,000 (1,600 + 400)."""
    assert training_subsidy(days=days, p=P) == Decimal(total)
    assert split_instalments(Decimal(total), p=P) == (Decimal(first), Decimal(second))


def test_days_past_the_maximum_earn_nothing_more():
    assert training_subsidy(days=16, p=P) == training_subsidy(days=15, p=P)


def test_rates_come_from_the_policy_year():
    p2019 = replace(P, year=2019, full_day_rate=Decimal("160.00"))
    assert training_subsidy(days=10, p=p2019) == Decimal("1600.00")
    assert training_subsidy(days=10, p=P) == Decimal("1500.00")


@given(
    days=st.integers(min_value=0, max_value=30),
    full=st.decimals(min_value=0, max_value=1000, places=2),
    reduced=st.decimals(min_value=0, max_value=1000, places=2),
    share=st.decimals(min_value=0, max_value=1, places=4),
)
def test_instalments_are_never_negative_and_always_add_up(days, full, reduced, share):
    """For any days and rates the parts are non-negative Decimals adding up to the total exactly."""
    p = replace(P, full_day_rate=full, reduced_day_rate=reduced, first_instalment_share=share)
    total = training_subsidy(days=days, p=p)
    first, second = split_instalments(total, p=p)
    assert all(isinstance(x, Decimal) for x in (total, first, second))
    assert first >= 0 and second >= 0
    assert first + second == total
    assert first.as_tuple().exponent == -2 and second.as_tuple().exponent == -2


@pytest.mark.parametrize(
    ("end", "window_end"),
    [(date(2018, 5, 31), date(2018, 8, 31)), (date(2018, 11, 30), date(2019, 2, 28)),
     (date(2019, 11, 30), date(2020, 2, 29)), (date(2018, 6, 10), date(2018, 9, 10)),
     (date(2018, 10, 31), date(2019, 1, 31))],
)
def test_employment_window_is_three_calendar_months_with_month_end_clamp(end, window_end):
    assert employment_window_ends_on(end, p=P) == window_end


def test_small_enterprise_amounts():
    assert small_enterprise_subsidy_amount(stage="hire", p=P) == Decimal("300.00")
    assert small_enterprise_subsidy_amount(stage="upgrade", p=P) == Decimal("300.00")
    with pytest.raises(ValueError):
        small_enterprise_subsidy_amount(stage="other", p=P)
