"""R15 《实施方案》四(四) 小微企业: the national size standard (工信部联企业〔2011〕300号) as
policy/sme-size-standard-2011.md writes it, and the second 300 yuan's 取证或提升一个技能等级.
Pure: no database."""

import re
from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from subsidies.enterprise_size import (
    SIZE_STANDARDS,
    EnterpriseIndustry,
    EnterpriseSize,
    classify_enterprise,
    ensure_small_or_micro,
)
from subsidies.policy import ensure_certificate_new_or_one_level_up

# The table of policy/sme-size-standard-2011.md, copied verbatim: the module's data is checked
# against the document, not against itself.
DOCUMENT_TABLE = """
| 1 | 农、林、牧、渔业 | revenue 20,000 | revenue 500 | revenue 50 | revenue 50 |
| 2 | 工业 | employees 1,000 or revenue 40,000 | 300 employees and revenue 2,000 | 20 employees and revenue 300 | 20 employees or revenue 300 |
| 3 | 建筑业 | revenue 80,000 or assets 80,000 | revenue 6,000 and assets 5,000 | revenue 300 and assets 300 | revenue 300 or assets 300 |
| 4 | 批发业 | employees 200 or revenue 40,000 | 20 employees and revenue 5,000 | 5 employees and revenue 1,000 | 5 employees or revenue 1,000 |
| 5 | 零售业 | employees 300 or revenue 20,000 | 50 employees and revenue 500 | 10 employees and revenue 100 | 10 employees or revenue 100 |
| 6 | 交通运输业 | employees 1,000 or revenue 30,000 | 300 employees and revenue 3,000 | 20 employees and revenue 200 | 20 employees or revenue 200 |
| 7 | 仓储业 | employees 200 or revenue 30,000 | 100 employees and revenue 1,000 | 20 employees and revenue 100 | 20 employees or revenue 100 |
| 8 | 邮政业 | employees 1,000 or revenue 30,000 | 300 employees and revenue 2,000 | 20 employees and revenue 100 | 20 employees or revenue 100 |
| 9 | 住宿业 | employees 300 or revenue 10,000 | 100 employees and revenue 2,000 | 10 employees and revenue 100 | 10 employees or revenue 100 |
| 10 | 餐饮业 | employees 300 or revenue 10,000 | 100 employees and revenue 2,000 | 10 employees and revenue 100 | 10 employees or revenue 100 |
| 11 | 信息传输业 | employees 2,000 or revenue 100,000 | 100 employees and revenue 1,000 | 10 employees and revenue 100 | 10 employees or revenue 100 |
| 12 | 软件和信息技术服务业 | employees 300 or revenue 10,000 | 100 employees and revenue 1,000 | 10 employees and revenue 50 | 10 employees or revenue 50 |
| 13 | 房地产开发经营 | revenue 200,000 or assets 10,000 | revenue 1,000 and assets 5,000 | revenue 100 and assets 2,000 | revenue 100 or assets 2,000 |
| 14 | 物业管理 | employees 1,000 or revenue 5,000 | 300 employees and revenue 1,000 | 100 employees and revenue 500 | 100 employees or revenue 500 |
| 15 | 租赁和商务服务业 | employees 300 or assets 120,000 | 100 employees and assets 8,000 | 10 employees and assets 100 | 10 employees or assets 100 |
| 16 | 其他未列明行业 | employees 300 | 100 employees | 10 employees | 10 employees |
"""

KEYWORD = {"employees": "employees", "revenue": "revenue_10k", "assets": "assets_10k"}
BY_LABEL = {label: value for value, label in EnterpriseIndustry.choices}


def parse(cell):
    """'20 employees and revenue 300' -> {'employees': 20, 'revenue_10k': Decimal(300)}."""
    found = {}
    for number, word in re.findall(r"([\d,]+) (employees)", cell):
        found[KEYWORD[word]] = int(number.replace(",", ""))
    for word, number in re.findall(r"(employees|revenue|assets) ([\d,]+)", cell):
        found[KEYWORD[word]] = Decimal(number.replace(",", ""))
    return found


ROWS = []
for line in DOCUMENT_TABLE.strip().splitlines():
    _, number, name, scope, medium, small, micro, _ = (cell.strip() for cell in line.split("|"))
    ROWS.append((BY_LABEL[name], parse(scope), parse(medium), parse(small), parse(micro)))


def classify(industry, **figures):
    return classify_enterprise(industry=industry, employees=figures.get("employees"),
                               revenue_10k=figures.get("revenue_10k"), assets_10k=figures.get("assets_10k"))


def size_of(industry, **figures):
    return classify(industry, **figures).size


def one_below(figure, value):
    return value - (1 if figure == "employees" else Decimal("0.01"))


def test_the_module_holds_the_documents_16_rows():
    assert len(ROWS) == 16 == len(SIZE_STANDARDS) == len(EnterpriseIndustry.values)
    for industry, scope, medium, small, micro in ROWS:
        row = SIZE_STANDARDS[industry]
        assert dict(row.scope.items()) == scope
        assert dict(row.medium.items()) == medium
        assert dict(row.small.items()) == small == micro, industry


# The document's worked examples ---------------------------------------------------------------

def test_a_factory_with_45_employees_and_800_wan_revenue_is_small():
    result = classify("manufacturing", employees=45, revenue_10k=Decimal("800"))
    assert result.size == EnterpriseSize.SMALL and result.is_small_or_micro
    assert result.explanation == (
        "工业:从业人员45人、营业收入800万元;达到小型标准(从业人员20人及以上且营业收入300万元及以上),"
        "未达到中型标准(从业人员300人及以上且营业收入2000万元及以上),为小型企业")


@pytest.mark.parametrize("revenue", [None, Decimal("0"), Decimal("300"), Decimal("2000"), Decimal("39999.99"),
                                     Decimal("40000"), Decimal("9999999")])
def test_a_factory_with_15_employees_is_micro_whatever_its_revenue(revenue):
    result = classify("manufacturing", employees=15, revenue_10k=revenue)
    assert result.size == EnterpriseSize.MICRO
    assert "从业人员20人以下" in result.explanation and "为微型企业" in result.explanation


def test_a_factory_with_350_employees_and_3000_wan_is_medium_and_not_paid():
    result = classify("manufacturing", employees=350, revenue_10k=Decimal("3000"))
    assert result.size == EnterpriseSize.MEDIUM and not result.is_small_or_micro
    assert "达到中型标准(从业人员300人及以上且营业收入2000万元及以上)" in result.explanation


def test_a_restaurant_with_8_employees_is_micro():
    result = classify("catering", employees=8)
    assert result.size == EnterpriseSize.MICRO
    assert result.explanation == "餐饮业:从业人员8人;从业人员10人以下,为微型企业(营业收入不影响划型)"


def test_an_enterprise_with_no_figures_cannot_be_classified():
    result = classify("manufacturing")
    assert result.size == "" and result.missing == ("employees", "revenue_10k")
    assert result.explanation == "工业按从业人员和营业收入划型,缺少从业人员、营业收入,无法划型"


def test_a_figure_at_or_above_its_small_threshold_does_not_classify_alone():
    """30 employees say nothing without the revenue: it could be micro, small or medium."""
    assert classify("manufacturing", employees=30).missing == ("revenue_10k",)
    assert classify("real_estate", revenue_10k=Decimal("500")).missing == ("assets_10k",)


def test_figures_the_row_does_not_use_are_ignored():
    assert size_of("agriculture", revenue_10k=Decimal("60"), employees=5000) == EnterpriseSize.SMALL
    assert size_of("other", employees=50, revenue_10k=Decimal("1")) == EnterpriseSize.SMALL
    assert size_of("construction", revenue_10k=Decimal("400"), assets_10k=Decimal("400"), employees=1) == "small"


# Every row's boundaries -----------------------------------------------------------------------

def boundary_cases():
    for industry, scope, medium, small, _ in ROWS:
        yield industry, "at the small thresholds", small, EnterpriseSize.SMALL
        yield industry, "at the medium thresholds", medium, EnterpriseSize.MEDIUM
        yield industry, "at the scope thresholds", scope, EnterpriseSize.LARGE
        for figure in small:
            yield industry, f"{figure} one below small", {**small, figure: one_below(figure, small[figure])}, "micro"
            yield industry, f"{figure} one below medium", {**medium, figure: one_below(figure, medium[figure])}, "small"
            yield industry, f"{figure} one below scope", {**scope, figure: one_below(figure, scope[figure])}, "medium"
            yield industry, f"{figure} zero", {**medium, figure: 0}, EnterpriseSize.MICRO


@pytest.mark.parametrize(("industry", "case", "figures", "expected"), list(boundary_cases()),
                         ids=lambda v: v if isinstance(v, str) else "")
def test_every_rows_boundaries(industry, case, figures, expected):
    assert size_of(industry, **figures) == expected


def test_boundaries_cover_every_row_and_size():
    cases = list(boundary_cases())
    assert {c[0] for c in cases} == set(EnterpriseIndustry.values)
    assert {c[3] for c in cases} == set(EnterpriseSize.values)


@given(industry=st.sampled_from(EnterpriseIndustry.values), employees=st.integers(0, 5000),
       revenue=st.decimals(0, 300000, places=2), assets=st.decimals(0, 300000, places=2))
def test_the_reading_rules_hold_for_any_figures(industry, employees, revenue, assets):
    """Large iff no scope figure is below; medium iff within scope and every medium figure is at
    or above; small iff every small figure is at or above and not medium; micro otherwise."""
    figures = {"employees": employees, "revenue_10k": revenue, "assets_10k": assets}
    row = next(r for r in ROWS if r[0] == industry)
    _, scope, medium, small, _ = row
    size = size_of(industry, **figures)
    within = any(figures[f] < v for f, v in scope.items())
    is_medium = within and all(figures[f] >= v for f, v in medium.items())
    is_small = within and not is_medium and all(figures[f] >= v for f, v in small.items())
    expected = ("large" if not within else "medium" if is_medium else "small" if is_small else "micro")
    assert size == expected


def test_an_unknown_industry_or_a_negative_figure_is_a_programming_error():
    with pytest.raises(ValueError):
        classify("mining", employees=1)
    with pytest.raises(ValueError):
        classify("manufacturing", employees=-1, revenue_10k=Decimal(1))


# ensure_small_or_micro: the refusals ----------------------------------------------------------

def ensure(**overrides):
    values = {"industry": "manufacturing", "employees": 45, "revenue_10k": Decimal("800"), "assets_10k": None,
              "figures_year": 2017, "contract_year": 2018, "has_evidence": True, **overrides}
    return ensure_small_or_micro(**values)


def refusal(**overrides):
    with pytest.raises(ValidationError) as error:
        ensure(**overrides)
    (only,) = error.value.error_list
    return only.code, only.message % only.params


def test_a_small_enterprise_with_its_evidence_is_accepted():
    assert ensure().size == "small"
    assert ensure(employees=3, revenue_10k=None).size == "micro"
    assert ensure(figures_year=2018).size == "small"  # founded in the contract's year


def test_no_industry_is_refused():
    code, message = refusal(industry="")
    assert code == "enterprise_industry_missing"
    assert "无法划型" in message and "(《实施方案》四(四),工信部联企业〔2011〕300号)" in message and "请" in message


def test_missing_figures_are_refused_naming_them():
    code, message = refusal(employees=None)
    assert code == "size_figures_missing"
    assert message.startswith("无法划型:工业按从业人员和营业收入划型,缺少从业人员")
    assert "请补录企业最近一个年度的从业人员" in message and "四(四)" in message


@pytest.mark.parametrize("year", [None, 2016, 2019])
def test_figures_of_another_year_are_refused(year):
    code, message = refusal(figures_year=year)
    assert code == "size_figures_year"
    assert "2017年度" in message and "四(四)" in message and "请补录" in message


def test_figures_without_evidence_are_refused():
    code, message = refusal(has_evidence=False)
    assert code == "size_evidence_missing"
    assert "证明材料" in message and "请上传" in message and "四(四)" in message


@pytest.mark.parametrize(("figures", "size"), [
    ({"employees": 350, "revenue_10k": Decimal("3000")}, "中型企业"),
    ({"employees": 1000, "revenue_10k": Decimal("40000")}, "大型企业"),
])
def test_medium_and_large_enterprises_are_refused_with_the_figures_and_thresholds(figures, size):
    code, message = refusal(**figures)
    assert code == "enterprise_not_small_or_micro"
    assert size in message and f"从业人员{figures['employees']}人" in message
    assert "只支持小型、微型企业(《实施方案》四(四),工信部联企业〔2011〕300号)" in message


# The second 300 yuan: a new certificate or exactly one level up --------------------------------

CONTRACT = date(2018, 6, 1)


def level_refusal(level, held):
    with pytest.raises(ValidationError) as error:
        ensure_certificate_new_or_one_level_up(level=level, levels_held_before=held, occupation="焊工",
                                               contract_starts_on=CONTRACT)
    return error.value.code, error.value.message % error.value.params


@pytest.mark.parametrize("level", ["5", "4", "3", "2", "1"])
def test_a_first_certificate_in_the_occupation_is_new(level):
    assert ensure_certificate_new_or_one_level_up(level=level, levels_held_before=[], occupation="焊工",
                                                  contract_starts_on=CONTRACT) is None  # no refusal


def test_certificates_without_a_level_are_not_levels_held():
    assert ensure_certificate_new_or_one_level_up(level="5", levels_held_before=["", ""], occupation="焊工",
                                                  contract_starts_on=CONTRACT) is None  # no refusal


@pytest.mark.parametrize(("held", "level"), [(["5"], "4"), (["4"], "3"), (["3"], "2"), (["2"], "1"),
                                             (["5", "4"], "3")])
def test_one_level_above_the_highest_held_is_accepted(held, level):
    assert ensure_certificate_new_or_one_level_up(level=level, levels_held_before=held, occupation="焊工",
                                                  contract_starts_on=CONTRACT) is None  # no refusal


def test_the_same_level_is_refused():
    code, message = level_refusal("4", ["5", "4"])
    assert code == "certificate_same_level"
    assert message.startswith("该证书为中级工,与入职前(劳动合同2018-06-01起始前)已持有的焊工中级工证书同级")
    assert "(《实施方案》四(四))" in message and "取得高级工证书后再申领" in message


def test_a_lower_level_is_refused():
    code, message = level_refusal("5", ["3"])
    assert code == "certificate_lower_level"
    assert "低于入职前" in message and "焊工高级工" in message and "四(四)" in message


def test_two_levels_up_is_refused_the_plan_pays_one_level():
    """提升一个技能等级: levels are evaluated one after another; a jump means a certificate in
    between is missing from the records, so HR is asked to record it."""
    code, message = level_refusal("3", ["5"])
    assert code == "certificate_level_skipped"
    assert "提升了2个等级" in message and "提升一个技能等级" in message and "请核对" in message
    assert "补录入职前已取得的中级工" in message
