"""Subsidy rules (《实施方案》四). Pure: values in, values out; money is Decimal to the fen."""

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import cast

from django.core.exceptions import ValidationError

from common.numbers import rate_text, share_text
from courses.policy import LEVEL_NAMES, employment_window_ends_on, level_rank
from programme.calendar import add_calendar_months
from programme.policy import PolicyParams
from subsidies.enterprise_size import SizeClassification, ensure_small_or_micro

CENT = Decimal("0.01")


def training_subsidy(*, days: int, p: PolicyParams) -> Decimal:
    """R6 《实施方案》四(二): subsidy per trainee for `days` delivered training days.

    The first `p.full_rate_days` days earn `p.full_day_rate` (150 yuan), later days up to
    `p.max_days` earn `p.reduced_day_rate` (100 yuan); days past `p.max_days` earn nothing
    (R5 refuses them at application).
    """
    if days < 0:
        raise ValueError("days must not be negative")
    paid_days = min(days, p.max_days)
    full = min(paid_days, p.full_rate_days)
    reduced = max(0, paid_days - p.full_rate_days)
    return (p.full_day_rate * full + p.reduced_day_rate * reduced).quantize(CENT, ROUND_HALF_UP)


def split_instalments(total: Decimal, *, p: PolicyParams) -> tuple[Decimal, Decimal]:
    """R7 《实施方案》四(二): the first instalment is `p.first_instalment_share` (80 %) of the
    total rounded half-up to the fen; the second is the rest, so first + second = total exactly."""
    first = (total * p.first_instalment_share).quantize(CENT, ROUND_HALF_UP)
    return first, total - first


def small_enterprise_subsidy_amount(*, stage: str, p: PolicyParams) -> Decimal:
    """R15 《实施方案》四(四): 300 yuan per new hire on a contract of at least 6 months (stage
    "hire"); 300 more when the hire obtains a certificate or rises one level (stage "upgrade")."""
    if stage == "hire":
        return p.small_enterprise_hire_amount
    if stage == "upgrade":
        return p.small_enterprise_upgrade_amount
    raise ValueError(f"unknown stage {stage!r}")


# --- Claims (SPEC.md §3.7) -------------------------------------------------------------------

CLAIM_TRANSITIONS = {
    "draft": {"submitted"},
    "submitted": {"reviewed", "draft", "rejected"},
    "reviewed": {"approved", "draft", "rejected"},
    "approved": {"publicised", "rejected"},
    # A claim whose every line a re-check refuses (a fraud confirmed during the notice) can still
    # be refused as a whole before payment.
    "publicised": {"payable", "rejected"},
    "payable": {"paid", "rejected"},
    "paid": set(),
    "rejected": set(),
}


def ensure_claim_transition(current: str, target: str, *, labels: dict | None = None) -> None:
    """A claim moves draft -> submitted -> reviewed -> approved -> on public notice -> payable ->
    paid; returned to draft with a reason at review or approval, or rejected at any step before
    payment (SPEC.md §3.7)."""
    if target not in CLAIM_TRANSITIONS.get(current, set()):
        labels = labels or {}
        raise ValidationError(
            "补贴申领当前状态为「%(current)s」,不能变更为「%(target)s」:请按 提交→初审→审批→公示→拨付 的顺序办理。",
            code="illegal_transition",
            params={"current": labels.get(current, current), "target": labels.get(target, target)},
        )


def ensure_four_eyes(*, reviewer_id: int | None, approver_id: int) -> None:
    """The reviewer and the approver of a claim are two different people (SPEC.md §3.7)."""
    if reviewer_id is not None and reviewer_id == approver_id:
        raise ValidationError(
            "初审人和审批人不能是同一人(四眼原则):请由另一位县人社局工作人员审批。", code="four_eyes"
        )


def ensure_supervised_if_low_attendance(*, class_rate: Decimal, has_supervision_decision: bool,
                                        p: PolicyParams) -> None:
    """R3 《实施方案》三(五) 培训班到课率不得低于85%: a class below the threshold is
    non-compliant; its claim cannot be approved without a recorded supervision decision."""
    if class_rate < p.min_attendance_rate and not has_supervision_decision:
        raise ValidationError(
            "该班到课率为%(rate)s,低于%(min)s(《实施方案》三(五)):须先录入督导检查并在申领中关联处理意见,方可审批。",
            code="low_attendance_needs_supervision",
            params={"rate": rate_text(class_rate),
                    "min": share_text(p.min_attendance_rate)},
        )


@dataclass(frozen=True)
class LineDecision:
    """Whether a trainee is payable on a claim, and why not (code and Chinese reason)."""

    payable: bool
    code: str = ""
    reason: str = ""


def _not(code: str, reason: str) -> LineDecision:
    return LineDecision(payable=False, code=code, reason=reason)


def claim_deadline(issued_on: date, *, p: PolicyParams) -> date:
    """R18: the last day a line resting on a certificate issued on `issued_on` may be claimed."""
    return add_calendar_months(issued_on, p.claim_deadline_months)


def _too_late(issued_on: date, p: PolicyParams) -> LineDecision:
    """R18 (national practice; the plan has no clause): the certificate and the deadline it set."""
    return _not("claim_too_late", f"证书{issued_on}核发,申领期限{p.claim_deadline_months}个月已于"
                                  f"{claim_deadline(issued_on, p=p)}届满(补贴性职业技能培训通行规定),不能再申领")


def first_instalment_decision(*, is_withdrawn: bool, meets_attendance: bool | None, attendance_rate: Decimal | None,
                              certificate_issued_on: date | None, category: str, today: date, p: PolicyParams,
                              class_start_on: date | None = None,
                              r16_refusals: Sequence[ValidationError] = (), deadline_met: bool = False,
                              claimed_on: date | None = None) -> LineDecision:
    """R7 《实施方案》四(二) 对经培训取得相应证书的,先给予培训机构80%的培训补贴: the trainee is still
    on the roster, met attendance (R3), holds the certificate (R12), held an eligible category
    when the class started (R13, R18), passes R16 as judged at the claim (`r16_refusals`, from
    courses.policy.r16_refusals: overlap, yearly cap, same occupation and level, lower level), and
    the certificate is at most 12 months old (R18) on the day of the claim: today, or, for a
    line checked again after its claim was submitted within the deadline (`deadline_met`), already met;
    a claim returned and submitted again is judged on the day it was first submitted (`claimed_on`)."""
    if is_withdrawn:
        return _not("withdrawn", "已退学(退学学员不能申领补贴)")
    if not meets_attendance:
        rate = "" if attendance_rate is None else rate_text(attendance_rate)
        return _not("attendance_below_threshold",
                    f"到课率{rate}未达到{share_text(p.min_attendance_rate)}(《实施方案》三(五))")
    if certificate_issued_on is None:
        return _not("no_certificate", f"未取得证书(《实施方案》四(二) 取得相应证书后先拨付"
                                      f"{share_text(p.first_instalment_share)}):发证后再申领")
    if not category:
        held = f"开班时({class_start_on})" if class_start_on else "开班时"
        return _not("no_category", f"{held}不属于任何培训对象类别(《实施方案》三(一))")
    if r16_refusals:
        first = r16_refusals[0]
        return _not(first.code or "r16", first.messages[0])
    if not deadline_met and (claimed_on or today) > claim_deadline(certificate_issued_on, p=p):
        return _too_late(certificate_issued_on, p)
    return LineDecision(payable=True)


def second_instalment_decision(*, has_first_line: bool, employed_on: date | None, is_verified: bool,
                               class_start_on: date, class_end_on: date, certificate_issued_on: date | None,
                               today: date, p: PolicyParams, is_withdrawn: bool = False,
                               scrutiny: str = "", has_verification_note: bool = False,
                               deadline_met: bool = False, claimed_on: date | None = None) -> LineDecision:
    """R7 《实施方案》四(二) 3个月内实现就业的,再给予20%的培训补贴 (and R8's reward), with R23: the
    first instalment was approved, the trainee did not leave, employment has started (never a
    future date) between the class start and the end of the window and is verified by HR — with a
    written note where it needs scrutiny (`scrutiny`, the reason: employment at the institution
    itself or at an employer without a valid credit code) — and the claim is within 12 months of
    the certificate (R18) on the day of the claim (met already for a line checked again after its
    claim was submitted, `deadline_met`)."""
    if is_withdrawn:
        return _not("withdrawn", "已退学(退学学员不能申领补贴)")
    if not has_first_line:
        return _not("no_first_instalment", f"首期补贴未经审批、未拨付或已剔除(《实施方案》四(二) 先拨付"
                                            f"{share_text(p.first_instalment_share)}):首期申领审批后才能申领二期,"
                                            "拨付二期前首期须已拨付")
    if employed_on is None:
        return _not("not_employed", f"结业后{p.employment_window_months}个月内未登记就业:请在就业跟踪中登记")
    if employed_on > today:
        return _not("employment_not_started", f"就业日期{employed_on}晚于今天,尚未就业的不能认定"
                                              "(《实施方案》四(二)、三(七)):开始就业后再申领")
    window_ends = employment_window_ends_on(class_end_on, p=p)
    if not class_start_on <= employed_on <= window_ends:
        return _not("employment_outside_window", f"就业日期{employed_on}不在{class_start_on}至{window_ends}之内"
                                                 f"(《实施方案》四(二) 结业后{p.employment_window_months}个月内实现就业)")
    if not is_verified:
        return _not("employment_not_verified", "就业情况尚未经县人社局核实:请提交劳动合同等证明材料,待县人社局核实")
    if scrutiny and not has_verification_note:
        return _not("employment_needs_note", f"{scrutiny},须经县人社局逐条核实并写明核实意见后才能拨付"
                                             "(《实施方案》四(二)、三(七))")
    if (not deadline_met and certificate_issued_on is not None
            and (claimed_on or today) > claim_deadline(certificate_issued_on, p=p)):
        return _too_late(certificate_issued_on, p)
    return LineDecision(payable=True)


def held_by_flag_decision(*, number: int, kind: str) -> LineDecision:
    """《实施方案》三(七) 杜绝弄虚作假: a trainee or class with an open supervision flag is not paid
    until county HR has resolved the flag; the line is held (taken off this claim with the flag's
    number and kind — its findings stay with HR, who links them) and may be claimed again once the
    flag is resolved."""
    return _not("held_by_flag", f"县人社局正在核查异常提示第{number}号({kind}),暂缓拨付(《实施方案》三(七)):"
                                "核查处理后,可在以后的申领中重新申领")


def ensure_second_claim_due(*, window_ends_on: date, today: date, undecided: int) -> None:
    """The second-instalment claim is generated once the employment window has closed or every
    trainee's employment is decided (SPEC.md §3.7)."""
    if today <= window_ends_on and undecided:
        raise ValidationError(
            "就业认定期到%(end)s结束,还有%(count)d名学员的就业情况未核实:请在认定期结束后或全部核实后再生成二期申领。",
            code="second_claim_not_due", params={"end": window_ends_on, "count": undecided},
        )


# --- R19 public notice -----------------------------------------------------------------------

def add_working_days(start: date, days: int, *, is_workday: Callable[[date], bool]) -> date:
    """The `days`-th working day counting from `start` itself when it is one (R19: 公示5个工作日
    on the official calendar, 调休 included). `is_workday` is the calendar, passed in."""
    day, counted = start, 0
    while True:
        if is_workday(day):
            counted += 1
            if counted == days:
                return day
        day += timedelta(days=1)


def ensure_publicity_over(*, ends_on: date | None, today: date) -> None:
    """R19 五(三): a claim becomes payable only after its public notice has run its full course."""
    if ends_on is None or today <= ends_on:
        raise ValidationError(
            "公示期至%(end)s结束,公示期满后才能拨付(《实施方案》五(三)):请在公示期满后再办理。",
            code="publicity_not_over",
            params={"end": ends_on},
        )


def ensure_objection_in_window(*, received_on: date, starts_on: date | None, ends_on: date | None) -> None:
    """R19: objections are received during the public notice."""
    # A notice has both dates or neither.
    if starts_on is None or not starts_on <= received_on <= cast(date, ends_on):
        raise ValidationError("异议须在公示期内(%(start)s至%(end)s)提出(《实施方案》五(三)):请核对收到日期;"
                              "公示期外收到的意见请另行核查处理。", code="objection_outside_window",
                              params={"start": starts_on, "end": ends_on})


# --- R15 small and micro enterprises ---------------------------------------------------------

def ensure_certificate_new_or_one_level_up(*, level: str, levels_held_before: Iterable[str], occupation: str,
                                           contract_starts_on: date) -> None:
    """R15 《实施方案》四(四) 履行劳动合同1年内取得相应职业技能等级证书或提升一个技能等级: the
    certificate's `level` (SkillLevel value, "5" 初级工 … "1" 高级技师) is either the hire's first
    levelled certificate in `occupation` (no level held before `contract_starts_on`), or exactly
    one level above the highest of `levels_held_before` (the levels of the hire's certificates in
    the same occupation issued before the contract start).

    Two or more levels up is refused: the plan pays for 提升一个技能等级, and skill levels are
    evaluated one after another, so a jump usually means a certificate in between is missing
    from the records. Certificates without a level (培训合格证书, 专项职业能力证书) are not levels
    held: a first 职业技能等级证书 after them is a new certificate.
    """
    ranks = [rank for rank in (level_rank(held) for held in levels_held_before) if rank is not None]
    if not ranks:
        return
    # `level` is a skill level here: the caller has refused certificates without one.
    rank, held = cast(int, level_rank(level)), max(ranks)
    params = {"level": LEVEL_NAMES[rank], "held": LEVEL_NAMES[held], "occupation": occupation,
              "start": contract_starts_on, "next": LEVEL_NAMES.get(held + 1, "")}
    if rank == held:
        raise ValidationError(
            "该证书为%(level)s,与入职前(劳动合同%(start)s起始前)已持有的%(occupation)s%(held)s证书同级,"
            "既不是新取得的证书,也没有提升技能等级(《实施方案》四(四)):不能申领;取得%(next)s证书后再申领。",
            code="certificate_same_level", params=params)
    if rank < held:
        raise ValidationError(
            "该证书为%(level)s,低于入职前(劳动合同%(start)s起始前)已持有的%(occupation)s%(held)s证书,"
            "没有提升技能等级(《实施方案》四(四)):不能申领;取得%(next)s证书后再申领。",
            code="certificate_lower_level", params=params)
    if rank > held + 1:
        raise ValidationError(
            "该证书为%(level)s,入职前(劳动合同%(start)s起始前)持有的%(occupation)s最高等级为%(held)s,"
            "提升了%(steps)d个等级;《实施方案》四(四)支持的是提升一个技能等级,技能等级须逐级评价:"
            "请核对证书等级,并补录入职前已取得的%(next)s等证书;仅提升一个等级的证书才能申领。",
            code="certificate_level_skipped", params={**params, "steps": rank - held})


def ensure_small_enterprise_eligible(*, stage: str, contract_starts_on: date, contract_months: int, year: int,
                                     certificate_issued_on: date | None, has_hire_subsidy: bool,
                                     p: PolicyParams, industry: str, employees: int | None,
                                     revenue_10k: Decimal | None, assets_10k: Decimal | None,
                                     figures_year: int | None, has_size_evidence: bool,
                                     certificate_kind: str = "", certificate_level: str = "",
                                     certificate_is_the_hires: bool = True,
                                     certificate_occupation: str = "",
                                     levels_held_before: Iterable[str] = ()) -> SizeClassification:
    """R15 《实施方案》四(四): 当年 a small/micro enterprise signs a labour contract of at least 6
    months with a new hire (300 yuan); within 1 year of the contract the hire obtains a skill
    certificate or rises one level (300 more).

    Both stages need the enterprise to be small or micro by the national standard for its
    industry (工信部联企业〔2011〕300号), from its latest annual figures recorded with evidence
    (enterprise_size.ensure_small_or_micro); the upgrade stage needs the hire subsidy, the hire's
    own skill-level certificate issued within the year, new or exactly one level up
    (ensure_certificate_new_or_one_level_up). Returns the size classification to store.
    """
    if contract_starts_on.year != year:
        raise ValidationError("劳动合同须在%(year)d年当年签订(《实施方案》四(四)):请在合同签订年度申请。",
                              code="contract_not_this_year",
                              params={"year": year})
    if contract_months < p.small_enterprise_min_contract_months:
        raise ValidationError(
            "劳动合同期限为%(months)d个月,须签订%(min)d个月以上劳动合同(《实施方案》四(四)):请核对合同期限。",
            code="contract_too_short", params={"months": contract_months, "min": p.small_enterprise_min_contract_months},
        )
    size = ensure_small_or_micro(industry=industry, employees=employees, revenue_10k=revenue_10k,
                                 assets_10k=assets_10k, figures_year=figures_year,
                                 contract_year=contract_starts_on.year, has_evidence=has_size_evidence)
    if stage == "upgrade":
        if not has_hire_subsidy:
            raise ValidationError("须先申领新招用补贴,再申领取证或升级补贴(《实施方案》四(四)):请先办理新招用补贴。",
                                  code="hire_subsidy_missing")
        if not certificate_is_the_hires:
            raise ValidationError("证书持证人与新招用人员不一致(《实施方案》四(四)):请选择该新招用人员本人的证书。",
                                  code="certificate_of_another_person")
        if not (certificate_kind == "skill_level" or (certificate_kind == "qualification" and certificate_level)):
            raise ValidationError(
                "须取得相应职业技能等级证书(或提升一个技能等级)才能申领(《实施方案》四(四)):培训合格证书、"
                "专项职业能力证书不在此列。", code="certificate_not_skill_level",
            )
        deadline = add_calendar_months(contract_starts_on, p.small_enterprise_upgrade_window_months)
        if certificate_issued_on is None or not contract_starts_on <= certificate_issued_on <= deadline:
            raise ValidationError(
                "证书须在履行劳动合同%(months)d个月内(%(start)s至%(end)s)取得(《实施方案》四(四)):该证书不在此期间内,"
                "不能申领。", code="certificate_outside_year",
                params={"start": contract_starts_on, "end": deadline, "months": p.small_enterprise_upgrade_window_months},
            )
        ensure_certificate_new_or_one_level_up(level=certificate_level, levels_held_before=levels_held_before,
                                               occupation=certificate_occupation,
                                               contract_starts_on=contract_starts_on)
    return size
