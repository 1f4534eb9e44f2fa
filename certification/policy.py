"""Rules of assessment and certificates (R3 gate, R12) and of employment records. Pure."""

from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError

from courses import policy as course_policy
from institutions.validators import normalise_credit_code, validate_credit_code
from programme.policy import PolicyParams

COUNTY_HR = "长治县人力资源和社会保障局"


def ensure_may_be_assessed(*, class_status: str, attendance_rate: Decimal | None, is_withdrawn: bool,
                           p: PolicyParams) -> None:
    """R3 《实施方案》三(五): only trainees of a completed class who met the attendance threshold
    sit the end-of-course assessment (the threshold itself: courses.policy.ensure_may_sit_assessment,
    its one home)."""
    if class_status not in course_policy.FINISHED_STATUSES:
        raise ValidationError("培训班结业后才能录入考核结果:请先在班级页面办理结业。", code="class_not_completed")
    if is_withdrawn:
        raise ValidationError("该学员已退学,不能参加考核:请不要为其录入考核结果。", code="withdrawn")
    course_policy.ensure_may_sit_assessment(rate=attendance_rate if attendance_rate is not None else Decimal(0), p=p)


def ensure_certificate_matches(*, occupation_kind: str, kind: str, level: str, passed: bool, issued_on: date,
                               class_end_on: date, today: date, has_evaluation_body: bool,
                               body_plan_published_for_occupation: bool) -> None:
    """R12 《实施方案》三(六) 谁评价、谁发证、谁负责: the certificate is of the kind the occupation
    leads to; skill-level certificates carry one of five levels and come from an evaluation body
    whose published plan covers the occupation; others are issued by county HR; the trainee passed
    the assessment; the issue date lies between the class end date and today."""
    if not passed:
        raise ValidationError("该学员考核未合格,不能发证:如考核结果录错,请先更正考核结果。", code="assessment_not_passed")
    if kind != occupation_kind:
        raise ValidationError("证书类型须与该职业(工种)规定的证书类型一致(《实施方案》三(六)):请按规定的证书类型登记。",
                              code="certificate_kind_mismatch")
    if kind == "skill_level":
        if not level:
            raise ValidationError("职业技能等级证书须填写等级(《实施方案》三(六)):请选择初级工至高级技师中的一级。",
                                  code="level_required")
        if not has_evaluation_body or not body_plan_published_for_occupation:
            raise ValidationError(
                "职业技能等级证书须由评价实施方案已向社会公布、且覆盖该职业(工种)的评价机构核发(《实施方案》三(六)):"
                "请由该评价机构先经县人社局公布覆盖该职业(工种)的评价实施方案,再核发证书。",
                code="evaluation_plan_not_published",
            )
    elif has_evaluation_body:
        raise ValidationError("该类证书由县人社局核发(《实施方案》三(六)):请不要选择评价机构。",
                              code="issuer_not_county_hr")
    elif kind != "qualification" and level:
        raise ValidationError("该类证书不分等级(《实施方案》三(六)):请把等级留空。", code="level_not_applicable")
    if issued_on < class_end_on:
        raise ValidationError("发证日期%(day)s早于培训班结业日期%(end)s,不能登记:请核对发证日期。",
                              code="certificate_before_class_end", params={"day": issued_on, "end": class_end_on})
    if issued_on > today:
        raise ValidationError("发证日期%(day)s晚于今天:请核对发证日期,发证后再登记。", code="certificate_in_future",
                              params={"day": issued_on})


def is_employer_the_institution(*, employer_credit_code: str, employer_name: str, institution_credit_code: str,
                                institution_name: str) -> bool:
    """An employer that is the training institution itself is flagged for HR (三(七) 杜绝弄虚作假)."""
    if employer_credit_code and normalise_credit_code(employer_credit_code) == institution_credit_code:
        return True
    return "".join(employer_name.split()) == "".join(institution_name.split())


def ensure_employment_started(*, started_on: date, today: date, class_start_on: date | None = None) -> None:
    """R23 《实施方案》四(二) 3个月内实现就业: employment counts once it has begun, never on a
    future date, and only from the class start on (边培训边就业, a job taken while the class
    runs, counts). `today` is the county's date (Asia/Shanghai); `class_start_on` the day the
    class started (its planned start until it has), None for a record not tied to a class."""
    if started_on > today:
        raise ValidationError(
            "就业日期%(day)s晚于今天,尚未就业的不能登记(《实施方案》四(二) 实现就业):请在学员实际上岗后再登记,"
            "就业日期填上岗当天。", code="employment_in_future", params={"day": started_on},
        )
    if class_start_on is not None and started_on < class_start_on:
        raise ValidationError(
            "就业日期%(day)s早于培训班开班日期%(start)s,不属于培训后就业(《实施方案》四(二)):请核对就业日期;"
            "培训期间上岗的(边培训边就业),就业日期不早于开班日期。", code="employment_before_class",
            params={"day": started_on, "start": class_start_on},
        )


def is_valid_credit_code(code: str) -> bool:
    """Whether `code` is a unified social credit code (GB 32100-2015) with a correct check character."""
    try:
        validate_credit_code(code)
    except ValidationError:
        return False
    return True


def employment_needs_scrutiny(*, employer_is_institution: bool, credit_code: str) -> str:
    """R23 《实施方案》四(二)、三(七) 杜绝弄虚作假: employment at the training institution itself,
    or at an employer without a valid unified social credit code (not shown to be a real unit),
    is not payable until county HR has verified it with a written note. Returns why the record
    needs that scrutiny, or "" when the ordinary verification suffices."""
    if employer_is_institution:
        return "用人单位即培训机构本身"
    if not (credit_code or "").strip():
        return "用人单位未填写统一社会信用代码"
    if not is_valid_credit_code(credit_code):
        return "用人单位统一社会信用代码校验不通过"
    return ""


def ensure_verification_note(*, reason: str, note: str) -> None:
    """R23 《实施方案》四(二)、三(七): a record that needs scrutiny (`reason` from
    employment_needs_scrutiny) is verified only with HR's written note of what was checked."""
    if reason and not (note or "").strip():
        raise ValidationError(
            "该就业记录%(reason)s,须由县人社局核实并写明核实说明后才能计入(《实施方案》四(二)、三(七) 杜绝弄虚作假):"
            "请逐条打开该记录,写明核实情况(如实地走访、社保缴费记录或劳动合同核对的结果)后再核实。",
            code="verification_note_required", params={"reason": reason},
        )
