"""R11 (《实施方案》三(七)) as pure functions: rates rounded once, when the year's figures are
final, and which employment counts. No database."""

import datetime
from dataclasses import replace
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from common.numbers import rate_text
from programme.policy import PolicyParams
from reporting.policy import (
    annual_figures_status,
    counts_as_employed,
    ensure_figures_final,
    institution_performance,
    performance_rate,
)

P = PolicyParams(year=2018)
D = datetime.date


@pytest.mark.parametrize(
    ("part", "whole", "rate", "text"),
    [(2, 7, Decimal("0.285"), "28.5%"), (1, 3, Decimal("0.333"), "33.3%"), (8, 10, Decimal("0.800"), "80.0%"),
     (7999, 10000, Decimal("0.799"), "79.9%"), (3, 10, Decimal("0.300"), "30.0%"), (0, 5, Decimal("0"), "0.0%"),
     (5, 5, Decimal("1"), "100.0%"), (0, 0, None, "—")],
)
def test_a_rate_is_rounded_once_to_what_the_pages_write(part, whole, rate, text):
    """A rate is kept to a tenth of a percent, rounded down: the stored value is the written
    one, so writing it again never changes it (28.571…% is 0.285 and "28.5%")."""
    value = performance_rate(part, whole)
    assert value == rate
    assert rate_text(value) == text
    if value is not None:
        assert value == value.quantize(Decimal("0.001"))


def test_the_reason_writes_the_rate_the_table_shows():
    """2 employed of 7 completed: the table cell and the reason say the same "28.5%"."""
    result = institution_performance(completed=7, certified=7, employed=2, p=P)
    assert result.employment_rate == Decimal("0.285")
    assert result.employment_rate_text == rate_text(result.employment_rate) == "28.5%"
    assert result.reasons == ("就业率28.5%低于30%",)


@pytest.mark.parametrize(
    ("completed", "certified", "employed", "keeps", "reasons"),
    [
        (10, 8, 3, True, ()),  # exactly 80 % and exactly 30 %
        (1000, 800, 300, True, ()),
        (1000, 799, 300, False, ("培训合格率79.9%低于80%",)),
        (1000, 800, 299, False, ("就业率29.9%低于30%",)),
        # 79.99 % does not reach 80 % and is never written "80.0%" beside "低于80%"
        (10000, 7999, 3000, False, ("培训合格率79.9%低于80%",)),
        (10000, 8000, 2999, False, ("就业率29.9%低于30%",)),
        (0, 0, 0, True, ()),
    ],
)
def test_thresholds_at_the_boundary(completed, certified, employed, keeps, reasons):
    """At exactly 80 % certified and 30 % employed an institution keeps eligibility; below
    either it loses it, and the reason writes the rate as the table does."""
    result = institution_performance(completed=completed, certified=certified, employed=employed, p=P)
    assert result.keeps_eligibility is keeps
    assert result.reasons == reasons
    shown = {"培训合格率": result.pass_rate_text, "就业率": result.employment_rate_text}
    assert all(any(reason.startswith(name + text) for name, text in shown.items()) for reason in reasons)


def test_the_thresholds_are_the_years_parameters():
    """A year with other thresholds judges by them and names them in the reason."""
    p = replace(P, min_pass_rate=Decimal("0.9000"), min_employment_rate=Decimal("0.3050"))
    result = institution_performance(completed=10, certified=8, employed=3, p=p)
    assert result.reasons == ("培训合格率80.0%低于90%", "就业率30.0%低于30.5%")


# --- When the figures are final ----------------------------------------------------------------

LAST_END = D(2018, 11, 30)


def status(today, *, last=LAST_END, unfinished=0, closed=True, p=P):
    return annual_figures_status(is_year_closed=closed, last_class_end_on=last, unfinished_classes=unfinished,
                                 today=today, p=p)


def test_provisional_through_the_last_day_of_the_last_window_final_the_day_after():
    """The last class ended 30 Nov 2018: its window runs to 28 Feb 2019 inclusive (employment
    starting that day counts), so the figures are provisional on 28 Feb and final on 1 Mar."""
    before = status(D(2019, 2, 27))
    last_day = status(D(2019, 2, 28))
    after = status(D(2019, 3, 1))
    for provisional in (before, last_day):
        assert provisional.is_provisional and not provisional.is_final
        assert provisional.final_on == D(2019, 3, 1)
        assert provisional.last_window_ends_on == D(2019, 2, 28)
        assert [code for code, _, _ in provisional.problems] == ["figures_provisional"]
    assert after.is_final and after.problems == ()
    with pytest.raises(ValidationError) as error:
        ensure_figures_final(last_day)
    assert error.value.code == "figures_provisional"
    assert "2019-03-01" in error.value.messages[0] and "《实施方案》三(七)" in error.value.messages[0]
    ensure_figures_final(after)


def test_the_window_is_the_years_parameter():
    """The window's length is the year's employment_window_months (R7), not a constant."""
    p = replace(P, employment_window_months=6)
    assert status(D(2019, 5, 30), p=p).is_provisional  # 30 Nov + 6 months = 30 May
    assert status(D(2019, 5, 30), p=p).final_on == D(2019, 5, 31)
    assert status(D(2019, 5, 31), p=p).is_final
    assert status(D(2018, 8, 31), last=D(2018, 5, 31)).is_provisional
    assert status(D(2018, 9, 1), last=D(2018, 5, 31)).is_final


def test_a_class_not_yet_ended_keeps_the_figures_provisional():
    """A class still running (or approved, not yet ended) keeps every figure provisional, even
    long after the other windows closed; the earliest final day counts it as ending today."""
    result = status(D(2019, 6, 1), unfinished=2)
    assert result.is_provisional
    assert [code for code, _, _ in result.problems] == ["classes_not_finished"]
    assert result.final_on == D(2019, 9, 2)
    with pytest.raises(ValidationError) as error:
        ensure_figures_final(result)
    assert error.value.code == "classes_not_finished"
    assert "2个培训班未结业" in error.value.messages[0] and "2019-09-02" in error.value.messages[0]


def test_a_year_not_closed_is_provisional():
    """Until HR closes the year the figures are provisional, whatever the windows."""
    result = status(D(2019, 6, 1), closed=False)
    assert result.is_provisional and result.final_on == D(2019, 3, 1)
    with pytest.raises(ValidationError) as error:
        ensure_figures_final(result)
    assert error.value.code == "year_not_closed"
    both = status(D(2019, 1, 1), closed=False)
    assert [code for code, _, _ in both.problems] == ["figures_provisional", "year_not_closed"]
    assert len(both.messages) == 2 and all("《实施方案》三(七)" in m for m in both.messages)


def test_a_year_without_classes_is_final_once_closed():
    assert status(D(2019, 1, 1), last=None).is_final
    assert status(D(2019, 1, 1), last=None).final_on is None


# --- Which employment counts (R23) -------------------------------------------------------------

@pytest.mark.parametrize(
    ("started_on", "is_verified", "today", "counts"),
    [
        (D(2018, 6, 4), True, D(2019, 1, 1), True),     # on the class's first day (边培训边就业)
        (D(2018, 6, 3), True, D(2019, 1, 1), False),    # before the class started
        (D(2018, 9, 13), True, D(2019, 1, 1), True),    # the window's last day
        (D(2018, 9, 14), True, D(2019, 1, 1), False),   # the day after the window
        (D(2018, 7, 1), False, D(2019, 1, 1), False),   # not verified by HR
        (D(2018, 7, 1), True, D(2018, 6, 30), False),   # not begun yet
        (D(2018, 7, 1), True, D(2018, 7, 1), True),
    ],
)
def test_which_employment_counts(started_on, is_verified, today, counts):
    """Employment counts when HR verified it, it began on or after the class start, by today,
    and by the last day of the window (class end 13 Jun -> 13 Sep)."""
    assert counts_as_employed(started_on=started_on, is_verified=is_verified, class_start_on=D(2018, 6, 4),
                              class_end_on=D(2018, 6, 13), today=today, p=P) is counts
