"""The national size standard for small and medium enterprises (工信部联企业〔2011〕300号
《中小企业划型标准规定》), as R15 needs it: 《实施方案》四(四) supports 小微企业 only.

The table is `policy/sme-size-standard-2011.md`, one row per industry. A row names up to two
figures — employees (从业人员, people), operating revenue (营业收入) or total assets (资产总额), the
money in 万元 — and four readings of them:

- within scope (中小微型): below *either* scope figure, else large (大型);
- medium (中型): at or above *both* medium figures;
- small (小型): at or above *both* small figures, and not medium;
- micro (微型): below *either* small figure.

A row with one figure uses it alone. Pure: values in, values out; no ORM, no clock.
"""

from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db.models import TextChoices

STANDARD = "工信部联企业〔2011〕300号"
CLAUSE = f"《实施方案》四(四),{STANDARD}"


class EnterpriseIndustry(TextChoices):
    """The 16 industries of the size standard (工信部联企业〔2011〕300号 第四条)."""

    AGRICULTURE = "agriculture", "农、林、牧、渔业"
    MANUFACTURING = "manufacturing", "工业"
    CONSTRUCTION = "construction", "建筑业"
    WHOLESALE = "wholesale", "批发业"
    RETAIL = "retail", "零售业"
    TRANSPORT = "transport", "交通运输业"
    WAREHOUSING = "warehousing", "仓储业"
    POSTAL = "postal", "邮政业"
    ACCOMMODATION = "accommodation", "住宿业"
    CATERING = "catering", "餐饮业"
    INFORMATION_TRANSMISSION = "information_transmission", "信息传输业"
    SOFTWARE_IT = "software_it", "软件和信息技术服务业"
    REAL_ESTATE = "real_estate", "房地产开发经营"
    PROPERTY_MANAGEMENT = "property_management", "物业管理"
    LEASING_BUSINESS = "leasing_business", "租赁和商务服务业"
    OTHER = "other", "其他未列明行业"


class EnterpriseSize(TextChoices):
    """The size classes of the standard; only small and micro are paid by R15."""

    LARGE = "large", "大型(不属于中小微型企业)"
    MEDIUM = "medium", "中型"
    SMALL = "small", "小型"
    MICRO = "micro", "微型"


SMALL_OR_MICRO = frozenset({EnterpriseSize.SMALL, EnterpriseSize.MICRO})

# The figures a row may use: the keyword of classify_enterprise, its name and unit.
FIGURES = {
    "employees": ("从业人员", "人"),
    "revenue_10k": ("营业收入", "万元"),
    "assets_10k": ("资产总额", "万元"),
}


@dataclass(frozen=True)
class Thresholds:
    """One reading of a row: the figures it names (None: not used by the row)."""

    employees: int | None = None
    revenue_10k: Decimal | None = None
    assets_10k: Decimal | None = None

    def items(self) -> list[tuple[str, Decimal]]:
        return [(name, Decimal(getattr(self, name))) for name in FIGURES if getattr(self, name) is not None]


@dataclass(frozen=True)
class SizeStandard:
    """One row of the table: within scope below `scope`, medium at or above `medium`, small at or
    above `small` (micro below it)."""

    industry: str
    scope: Thresholds
    medium: Thresholds
    small: Thresholds

    @property
    def figures(self) -> tuple[str, ...]:
        """The figures the row classifies by, in FIGURES order (the same in all three readings)."""
        return tuple(name for name, _ in self.small.items())


def _thresholds(employees=None, revenue=None, assets=None) -> Thresholds:
    return Thresholds(employees, None if revenue is None else Decimal(revenue),
                      None if assets is None else Decimal(assets))


def _row(industry, scope: dict, medium: dict, small: dict) -> SizeStandard:
    return SizeStandard(industry, _thresholds(**scope), _thresholds(**medium), _thresholds(**small))


_I = EnterpriseIndustry
# policy/sme-size-standard-2011.md rows 1-16, in its order: scope (below either), medium (at or
# above both), small (at or above both; micro below either). revenue and assets in 万元.
SIZE_STANDARDS: dict[str, SizeStandard] = {row.industry: row for row in [
    _row(_I.AGRICULTURE, dict(revenue=20000), dict(revenue=500), dict(revenue=50)),
    _row(_I.MANUFACTURING, dict(employees=1000, revenue=40000), dict(employees=300, revenue=2000),
         dict(employees=20, revenue=300)),
    _row(_I.CONSTRUCTION, dict(revenue=80000, assets=80000), dict(revenue=6000, assets=5000),
         dict(revenue=300, assets=300)),
    _row(_I.WHOLESALE, dict(employees=200, revenue=40000), dict(employees=20, revenue=5000),
         dict(employees=5, revenue=1000)),
    _row(_I.RETAIL, dict(employees=300, revenue=20000), dict(employees=50, revenue=500),
         dict(employees=10, revenue=100)),
    _row(_I.TRANSPORT, dict(employees=1000, revenue=30000), dict(employees=300, revenue=3000),
         dict(employees=20, revenue=200)),
    _row(_I.WAREHOUSING, dict(employees=200, revenue=30000), dict(employees=100, revenue=1000),
         dict(employees=20, revenue=100)),
    _row(_I.POSTAL, dict(employees=1000, revenue=30000), dict(employees=300, revenue=2000),
         dict(employees=20, revenue=100)),
    _row(_I.ACCOMMODATION, dict(employees=300, revenue=10000), dict(employees=100, revenue=2000),
         dict(employees=10, revenue=100)),
    _row(_I.CATERING, dict(employees=300, revenue=10000), dict(employees=100, revenue=2000),
         dict(employees=10, revenue=100)),
    _row(_I.INFORMATION_TRANSMISSION, dict(employees=2000, revenue=100000), dict(employees=100, revenue=1000),
         dict(employees=10, revenue=100)),
    _row(_I.SOFTWARE_IT, dict(employees=300, revenue=10000), dict(employees=100, revenue=1000),
         dict(employees=10, revenue=50)),
    _row(_I.REAL_ESTATE, dict(revenue=200000, assets=10000), dict(revenue=1000, assets=5000),
         dict(revenue=100, assets=2000)),
    _row(_I.PROPERTY_MANAGEMENT, dict(employees=1000, revenue=5000), dict(employees=300, revenue=1000),
         dict(employees=100, revenue=500)),
    _row(_I.LEASING_BUSINESS, dict(employees=300, assets=120000), dict(employees=100, assets=8000),
         dict(employees=10, assets=100)),
    _row(_I.OTHER, dict(employees=300), dict(employees=100), dict(employees=10)),
]}


def _number(value) -> str:
    """800 not 800.00 nor 8E+2; 0.5 not 5E-1."""
    return f"{Decimal(value).normalize():f}"


def _figure(name, value) -> str:
    label, unit = FIGURES[name]
    return f"{label}{_number(value)}{unit}"


def _joined(thresholds: Thresholds, word: str, suffix: str) -> str:
    return word.join(f"{_figure(name, value)}{suffix}" for name, value in thresholds.items())


@dataclass(frozen=True)
class SizeClassification:
    """The size class (EnterpriseSize value; "" when it cannot be classified), the figures the
    row needs that are missing, and the explanation a clerk reads."""

    size: str
    explanation: str
    missing: tuple[str, ...] = ()

    @property
    def is_small_or_micro(self) -> bool:
        return self.size in SMALL_OR_MICRO


def classify_enterprise(*, industry: str, employees: int | None, revenue_10k: Decimal | None,
                        assets_10k: Decimal | None) -> SizeClassification:
    """Classify an enterprise by the national size standard for its industry (工信部联企业〔2011〕
    300号; R15 《实施方案》四(四) pays small and micro enterprises only).

    Reads the row of `industry` as policy/sme-size-standard-2011.md says: large when no scope
    figure is below its threshold; medium when every medium figure is at or above its threshold;
    small when every small figure is; micro otherwise (below either small figure). A row with one
    figure uses it alone; figures the row does not use are ignored. A figure below its small
    threshold makes the enterprise micro whatever the other figure is (the document's "with 15
    employees it is micro whatever its revenue"); otherwise, when a figure the row needs is None,
    the size is "" and `missing` names the figures. Money is in 万元.
    Raises ValueError for an unknown industry or a negative figure (the form and the database
    refuse those first).
    """
    if industry not in SIZE_STANDARDS:
        raise ValueError(f"unknown industry {industry!r}")
    row = SIZE_STANDARDS[industry]
    name = EnterpriseIndustry(industry).label
    given = {"employees": employees, "revenue_10k": revenue_10k, "assets_10k": assets_10k}
    if any(value is not None and value < 0 for value in given.values()):
        raise ValueError("size figures must not be negative")
    known = {figure: Decimal(given[figure]) for figure in row.figures if given[figure] is not None}
    missing = tuple(figure for figure in row.figures if figure not in known)
    head = f"{name}:" + "、".join(_figure(f, known[f]) for f in row.figures if f in known)
    below = "、".join(f"{_figure(f, limit)}以下" for f, limit in row.small.items() if f in known and known[f] < limit)
    if below:
        unknown = f"({'、'.join(FIGURES[f][0] for f in missing)}不影响划型)" if missing else ""
        return SizeClassification(EnterpriseSize.MICRO, f"{head};{below},为微型企业{unknown}")
    if missing:
        needed = "和".join(FIGURES[figure][0] for figure in row.figures)
        return SizeClassification(
            "", f"{name}按{needed}划型,缺少{'、'.join(FIGURES[f][0] for f in missing)},无法划型", missing)
    below_scope = [f for f, limit in row.scope.items() if known[f] < limit]
    if not below_scope:
        scope = _joined(row.scope, "或", "以下")
        return SizeClassification(
            EnterpriseSize.LARGE, f"{head};{scope}的为中小微型企业,该企业均已达到,为大型企业")
    medium = _joined(row.medium, "且", "及以上")
    if all(known[f] >= limit for f, limit in row.medium.items()):
        return SizeClassification(EnterpriseSize.MEDIUM, f"{head};达到中型标准({medium}),为中型企业")
    small = _joined(row.small, "且", "及以上")
    if all(known[f] >= limit for f, limit in row.small.items()):
        return SizeClassification(
            EnterpriseSize.SMALL, f"{head};达到小型标准({small}),未达到中型标准({medium}),为小型企业")
    raise AssertionError("unreachable: a figure below its small threshold is micro")  # pragma: no cover


def ensure_small_or_micro(*, industry: str, employees: int | None, revenue_10k: Decimal | None,
                          assets_10k: Decimal | None, figures_year: int | None, contract_year: int,
                          has_evidence: bool) -> SizeClassification:
    """R15 《实施方案》四(四) 小微企业, by 工信部联企业〔2011〕300号: the enterprise is small or micro
    for its industry, classified from its latest annual figures (the year the contract was signed
    or the year before: a new enterprise has only the current year's), recorded with their
    evidence. Returns the classification; refuses, naming what to do, when the industry, a
    figure, the year or the evidence is missing, or when the enterprise is medium or large."""
    if industry not in SIZE_STANDARDS:
        raise ValidationError(
            "未选择企业所属行业,无法划型(%(clause)s):请按企业营业执照的经营范围选择所属行业。",
            code="enterprise_industry_missing", params={"clause": CLAUSE})
    result = classify_enterprise(industry=industry, employees=employees, revenue_10k=revenue_10k,
                                 assets_10k=assets_10k)
    if result.missing:
        raise ValidationError(
            "无法划型:%(explanation)s(%(clause)s):请补录企业最近一个年度的%(missing)s,并上传证明材料。",
            code="size_figures_missing",
            params={"explanation": result.explanation, "clause": CLAUSE,
                    "missing": "、".join(FIGURES[f][0] for f in result.missing)})
    if figures_year is None or not contract_year - 1 <= figures_year <= contract_year:
        raise ValidationError(
            "划型数据须为劳动合同签订时企业最近一个年度的数据,即%(before)d年度(当年新设立的企业为%(year)d年度),"
            "%(given)s(%(clause)s):请补录%(before)d年度的数据及证明材料,并填写数据所属年度。",
            code="size_figures_year",
            params={"before": contract_year - 1, "year": contract_year, "clause": CLAUSE,
                    "given": "未填写数据所属年度" if figures_year is None else f"填写的是{figures_year}年度"})
    if not has_evidence:
        raise ValidationError(
            "划型数据没有证明材料(%(clause)s):请上传企业%(year)d年度的财务报表、纳税申报表或社保缴费人数证明等"
            "材料后再办理。",
            code="size_evidence_missing", params={"year": figures_year, "clause": CLAUSE})
    if not result.is_small_or_micro:
        raise ValidationError(
            "%(explanation)s。小微企业培训补贴只支持小型、微型企业(%(clause)s):该企业不能申领;"
            "如数据有误,请核对后补录正确的数据和证明材料。",
            code="enterprise_not_small_or_micro", params={"explanation": result.explanation, "clause": CLAUSE})
    return result
