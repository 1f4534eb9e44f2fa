"""The rules of training classes (SPEC.md §4: R1-R5, R9, R10, R16, R17; R13 lives in
trainees.policy). Pure functions: plain values and PolicyParams in, values out,
ValidationError(code=...) on refusal. No ORM, no clock (today is passed in), no settings.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import ROUND_DOWN, Decimal
from typing import cast

from django.core.exceptions import ValidationError

from common.numbers import share_text
from programme.calendar import add_calendar_months
from programme.policy import PolicyParams

PLAN = "《实施方案》"


_percent = share_text


# --- Class status -------------------------------------------------------------------------

TRANSITIONS = {
    "draft": {"submitted", "cancelled"},
    "submitted": {"approved", "returned", "rejected", "cancelled"},
    "returned": {"submitted", "cancelled"},
    "approved": {"in_progress", "cancelled"},
    "in_progress": {"completed", "cancelled"},
    "completed": {"closed"},
    "rejected": set(),
    "closed": set(),
    "cancelled": set(),
}
# The groups of the state machine above, declared once beside it and read everywhere else.
EDITABLE_STATUSES = frozenset({"draft", "returned"})
ENROLLING_STATUSES = frozenset({"approved", "in_progress"})
# Classes that occupy an institution's venue and teachers for an occupation (R2), and are still to end.
RUNNING_STATUSES = frozenset({"approved", "in_progress"})
# Classes that have ended as taught: results, certificates, claims, the year's figures (R3, R7, R11).
FINISHED_STATUSES = frozenset({"completed", "closed"})
# Classes on a live roster: approved, running or finished (R16, the supervision checks, evaluators).
LIVE_STATUSES = RUNNING_STATUSES | FINISHED_STATUSES
# Classes whose roster counts toward a trainee's subsidised trainings (R16).
SUBSIDISED_STATUSES = LIVE_STATUSES


def ensure_transition(current: str, target: str, *, labels: dict | None = None) -> None:
    """Class status moves only along SPEC.md §3.3: draft -> submitted -> approved | returned |
    rejected -> in progress -> completed -> closed; cancelled from any state before completion."""
    if target not in TRANSITIONS.get(current, set()):
        labels = labels or {}
        raise ValidationError(
            "培训班当前状态为「%(current)s」,不能变更为「%(target)s」:请按 草稿→提交→批准→开班→结业 的顺序办理。",
            code="illegal_transition",
            params={"current": labels.get(current, current), "target": labels.get(target, target)},
        )


# --- R1 class size ------------------------------------------------------------------------

def ensure_capacity_within_limit(*, capacity: int, p: PolicyParams) -> None:
    """R1 《实施方案》三(五): 培训班的班容量控制在50人以内 — capacity above N is refused."""
    if capacity > p.max_class_size:
        raise ValidationError(
            "培训班人数不得超过%(limit)d人(《实施方案》三(五)):请把计划人数改为%(limit)d人以内,或分成两个班。",
            code="capacity_over_limit", params={"limit": p.max_class_size, "capacity": capacity},
        )


def ensure_seat_available(*, enrolled: int, capacity: int, p: PolicyParams) -> None:
    """R1 《实施方案》三(五): a class holds at most min(capacity, N) trainees (withdrawn excluded)."""
    limit = min(capacity, p.max_class_size)
    if enrolled >= limit:
        raise ValidationError(
            "本班已满%(limit)d人,不能再报名(《实施方案》三(五) 班容量控制在%(max)d人以内):请为学员选择其他班级,"
            "或待本班有学员退学后再报名。",
            code="class_full", params={"limit": limit, "max": p.max_class_size},
        )


# --- R2 parallel classes ------------------------------------------------------------------

def ensure_parallel_class_allowed(*, running: int, has_parallel_approval: bool, p: PolicyParams) -> None:
    """R2 《实施方案》三(五): an institution runs one class of an occupation at a time, or two where
    HR has recorded that it has the venue, teachers, equipment and managers; a further class may
    open only after one of them has completed. `running` counts its other approved or ongoing
    classes of the occupation."""
    limit = p.max_parallel_classes_approved if has_parallel_approval else p.max_parallel_classes
    if running >= limit:
        if has_parallel_approval:
            message = ("本机构该工种已有%(running)d个班在培训,最多同时%(limit)d个班(《实施方案》三(五)):"
                       "请待其中一个班完整结业后再开班。")
        else:
            message = ("本机构该工种已有%(running)d个班在培训(《实施方案》三(五) 每班完整结束后才能继续开班):"
                       "请待该班结业后再开班;具备两班同时培训条件的,请先向县人社局申请认定。")
        raise ValidationError(message, code="parallel_classes", params={"running": running, "limit": limit})


# --- R3 attendance ------------------------------------------------------------------------

def attendance_rate(*, attended_hours: Decimal, scheduled_hours: Decimal) -> Decimal:
    """R3 《实施方案》三(五): attended trainee-hours ÷ scheduled trainee-hours, over every scheduled
    session of the class (not only those held so far), truncated to 0.01 %. No hours: 0."""
    if scheduled_hours <= 0:
        return Decimal("0.0000")
    return (Decimal(attended_hours) / Decimal(scheduled_hours)).quantize(Decimal("0.0001"), ROUND_DOWN)


def mean_attendance_rate(class_rates: Iterable[Decimal]) -> Decimal | None:
    """The attendance rate of a group of classes (an institution's, on the dashboard and its
    exports): the mean of the classes' own rates of 《实施方案》三(五) (attendance_rate, R3), each
    class weighing the same, truncated to 0.01 % as a class's rate is. None without a class."""
    rates = list(class_rates)
    if not rates:
        return None
    return (sum(rates, Decimal(0)) / len(rates)).quantize(Decimal("0.0001"), ROUND_DOWN)


def meets_attendance(*, rate: Decimal, p: PolicyParams) -> bool:
    """R3 《实施方案》三(五) 培训班到课率不得低于85%: 85.00 % meets it, 84.99 % does not."""
    return rate >= p.min_attendance_rate


@dataclass(frozen=True)
class AttendanceStanding:
    """A trainee's or a class's attendance: the rate so far over the sessions held, the final
    rate if every remaining session is attended, and whether the threshold is still reachable."""

    attended_hours: Decimal
    recorded_hours: Decimal
    scheduled_hours: Decimal
    rate_so_far: Decimal
    best_reachable_rate: Decimal
    can_still_meet: bool


def attendance_standing(*, attended_hours: Decimal | None, recorded_hours: Decimal | None,
                        scheduled_hours: Decimal | None, p: PolicyParams,
                        planned_hours: Decimal | int | None = 0) -> AttendanceStanding:
    """R3: `recorded_hours` are the hours of sessions whose attendance is recorded; the hours
    not yet recorded could all still be attended. While a class runs, "can no longer reach the
    threshold" is judged against its planned total hours (`planned_hours`), not only the
    sessions scheduled so far: one absence in the first of ten sessions leaves 90 % reachable.
    Once the class is completed, pass no `planned_hours`: the delivered sessions are final."""
    attended, recorded, scheduled = (Decimal(x or 0) for x in (attended_hours, recorded_hours, scheduled_hours))
    basis = max(scheduled, Decimal(planned_hours or 0))
    best = attendance_rate(attended_hours=attended + (basis - recorded), scheduled_hours=basis)
    return AttendanceStanding(
        attended_hours=attended,
        recorded_hours=recorded,
        scheduled_hours=basis,
        rate_so_far=attendance_rate(attended_hours=attended, scheduled_hours=recorded),
        best_reachable_rate=best,
        can_still_meet=basis > 0 and meets_attendance(rate=best, p=p),
    )


def ensure_may_sit_assessment(*, rate: Decimal, p: PolicyParams) -> None:
    """R3 《实施方案》三(五): a trainee below the attendance threshold may not sit the assessment."""
    if not meets_attendance(rate=rate, p=p):
        raise ValidationError(
            "该学员到课率为%(rate)s,低于%(min)s(《实施方案》三(五)),不能参加结业考核,也不能申领补贴:"
            "可报名参加以后的班次重新培训。",
            code="attendance_below_threshold",
            params={"rate": _percent(rate), "min": _percent(p.min_attendance_rate)},
        )


# --- R4 practical share -------------------------------------------------------------------

def practical_share_warnings(*, total_hours: int, practical_hours: int, p: PolicyParams) -> list[ValidationError]:
    """R4 《实施方案》三(五) 实操实训时间应占全部培训课时70%左右: below the minimum (65 %) is
    refused; between the minimum and the target (70 %) is allowed with a warning (returned)."""
    share = Decimal(practical_hours) / Decimal(total_hours) if total_hours else Decimal(0)
    params = {"share": _percent(share.quantize(Decimal("0.001"), ROUND_DOWN)),
              "min": _percent(p.min_practical_share), "target": _percent(p.target_practical_share)}
    if share < p.min_practical_share:
        raise ValidationError(
            "实操课时占比为%(share)s,低于%(min)s(《实施方案》三(五) 实操实训时间应占全部培训课时70%%左右):"
            "请增加实操课时。",
            code="practical_share_too_low", params=params,
        )
    if share < p.target_practical_share:
        return [ValidationError(
            "实操课时占比为%(share)s,低于%(target)s的目标(《实施方案》三(五)):可以提交,但请确认课程安排。",
            code="practical_share_below_target", params=params,
        )]
    return []


# --- R5 duration --------------------------------------------------------------------------

def ensure_duration(*, planned_days: int, total_hours: int, start_on: date, end_on: date, p: PolicyParams) -> None:
    """R5 《实施方案》四(二): training lasts about 10 days (80 class hours), at most 15 days and
    120 class hours, at most 8 class hours a day; the planned days fit between the dates."""
    errors = []
    if planned_days > p.max_days:
        errors.append(ValidationError(
            "培训天数为%(days)d天,超过最长%(max)d天(《实施方案》四(二)):请缩短培训天数。",
            code="too_many_days", params={"days": planned_days, "max": p.max_days}))
    if total_hours > p.max_hours:
        errors.append(ValidationError(
            "总课时为%(hours)d,超过最多%(max)d课时(《实施方案》四(二)):请减少课时。",
            code="too_many_hours", params={"hours": total_hours, "max": p.max_hours}))
    if planned_days and total_hours > planned_days * p.max_hours_per_day:
        errors.append(ValidationError(
            "%(days)d天安排%(hours)d课时,每天超过%(per_day)d课时(《实施方案》四(二)):"
            "请增加培训天数或减少课时。",
            code="too_many_hours_per_day",
            params={"days": planned_days, "hours": total_hours, "per_day": p.max_hours_per_day}))
    if end_on >= start_on and planned_days > (end_on - start_on).days + 1:
        errors.append(ValidationError(
            "计划培训%(days)d天,但%(start)s开班至%(end)s结业只有%(span)d天:请推后计划结业日期,或减少培训天数。",
            code="days_exceed_dates", params={"days": planned_days, "span": (end_on - start_on).days + 1, "start": start_on, "end": end_on}))
    if errors:
        raise ValidationError(errors)


def ensure_day_hours(*, hours_that_day: Decimal, p: PolicyParams) -> None:
    """R5 《实施方案》四(二): at most 8 class hours on one day (sessions of the day added up)."""
    if hours_that_day > p.max_hours_per_day:
        raise ValidationError(
            "当天课时合计%(hours)s,超过每天最多%(max)d课时(《实施方案》四(二)):请减少课时,或把课次排到其他日期。",
            code="too_many_hours_per_day", params={"hours": hours_that_day, "max": p.max_hours_per_day},
        )


def check_class_plan(*, capacity: int, planned_days: int, total_hours: int, practical_hours: int, start_on: date,
                     end_on: date, p: PolicyParams) -> list[ValidationError]:
    """The rules a class plan must meet on its own (R1, R4, R5): refusals are raised together,
    warnings (R4 below the target) are returned."""
    errors = []
    for check in (
        lambda: ensure_capacity_within_limit(capacity=capacity, p=p),
        lambda: ensure_duration(planned_days=planned_days, total_hours=total_hours, start_on=start_on,
                                end_on=end_on, p=p),
    ):
        try:
            check()
        except ValidationError as error:
            errors.extend(error.error_list)
    warnings = []
    try:
        warnings = practical_share_warnings(total_hours=total_hours, practical_hours=practical_hours, p=p)
    except ValidationError as error:
        errors.extend(error.error_list)
    if errors:
        raise ValidationError(errors)
    return warnings


# --- R9 occupation, R10 institution --------------------------------------------------------

def ensure_occupation_eligible(*, occupation_year: int, class_year: int, has_national_standard: bool,
                               has_enterprise_specification: bool) -> None:
    """R9 《实施方案》四(二)、三(三): the occupation is in that year's catalogue and has a national
    occupational standard or an enterprise job specification."""
    if occupation_year != class_year:
        raise ValidationError(
            "该职业(工种)不在%(year)d年度培训目录中(《实施方案》三(三)):请从本年度目录中选择。",
            code="occupation_not_in_catalogue", params={"year": class_year},
        )
    if not (has_national_standard or has_enterprise_specification):
        raise ValidationError(
            "该职业(工种)没有国家职业标准或企业岗位规范,不能开展补贴性培训(《实施方案》四(二)):"
            "请选择有标准或规范的职业(工种)。",
            code="occupation_without_standard",
        )


def ensure_institution_eligible(*, is_listed: bool, is_disqualified: bool, year: int) -> None:
    """R10 《实施方案》三(二)、三(七): only institutions on that year's list, and not
    disqualified for that year, may open subsidised classes."""
    if not is_listed:
        raise ValidationError(
            "本机构不在%(year)d年度县培训机构名单中,不能开办补贴性培训班(《实施方案》三(二)):"
            "如已中标入围,请联系县人社局核对名单。",
            code="institution_not_listed", params={"year": year},
        )
    if is_disqualified:
        raise ValidationError(
            "本机构已被取消%(year)d年度承担政府补贴性培训任务资格(《实施方案》三(七)),不能开班:"
            "如有异议,请向县人社局提出。",
            code="institution_disqualified", params={"year": year},
        )


# --- R16 a trainee's trainings ------------------------------------------------------------

@dataclass(frozen=True)
class PriorTraining:
    """Another class a trainee is on (not withdrawn, or withdrawn after being paid), as R16 sees it.

    `counts` says whether it is a subsidised training for the yearly cap and the occupation and
    level checks: at enrolment, every training not yet settled counts, and one that ended failed,
    absent or below the attendance threshold without a paid line does not; at a claim, only a
    training already claimed (a live first-instalment line) or certified and earlier by its dates
    counts. Overlap counts every training passed in, whatever its outcome."""

    class_code: str
    start_on: date
    end_on: date
    year: int
    occupation_key: str
    level_rank: int | None  # 1 = 初级工 … 5 = 高级技师; None where the certificate has no level
    counts: bool = True


def level_rank(level: str) -> int | None:
    """The rank of a SkillLevel value ("5" 初级工 … "1" 高级技师) as 1 … 5; None without a level."""
    return 6 - int(level) if level else None


def raise_all(errors: list[ValidationError]) -> None:
    """Raise every refusal found at once: the one error itself when there is one (its `code`
    stays readable), else one ValidationError carrying them all."""
    if len(errors) == 1:
        raise errors[0]
    if errors:
        raise ValidationError(errors)


LEVEL_NAMES: dict[int | None, str] = {1: "初级工", 2: "中级工", 3: "高级工", 4: "技师", 5: "高级技师"}
# R16 is national practice for subsidised training; the county plan has no clause for it.
SUBSIDISED_TRAINING_PRACTICE = "补贴性职业技能培训通行规定"


def r16_refusals(*, start_on: date, end_on: date, year: int, occupation_key: str, level_rank: int | None,
                 others: Iterable[PriorTraining], p: PolicyParams) -> list[ValidationError]:
    """R16 (national practice for subsidised training): a trainee is in at most one class at a
    time, gets subsidised training at most K (`p.max_subsidised_trainings`) times a year, never
    twice for the same occupation at the same level, and never for a level below one already
    subsidised in that occupation. Judged by the class dates and by what counts (`PriorTraining.
    counts`), not by the order of enrolment: a lower level is refused only after a higher one that
    started on or before this class; a training that failed or was withdrawn and never paid does not
    count, so the trainee may train again in that occupation and level. Every refusal names the
    other class and its dates; all of them are returned together (the same at enrolment and at a
    claim)."""
    others = sorted(others, key=lambda other: (other.start_on, other.class_code))
    errors = []
    overlapping = next((o for o in others if o.start_on <= end_on and start_on <= o.end_on), None)
    if overlapping is not None:
        errors.append(ValidationError(
            "该学员已报名培训班%(code)s(%(start)s至%(end)s),与本班(%(this_start)s至%(this_end)s)时间重叠"
            "(%(practice)s:同一时间只能参加一个班):请待该班结业后报名其他班次;如学员已不在该班学习,"
            "请先由该班所在机构办理退学。",
            code="trainee_in_overlapping_class",
            params={"code": overlapping.class_code, "start": overlapping.start_on, "end": overlapping.end_on,
                    "this_start": start_on, "this_end": end_on, "practice": SUBSIDISED_TRAINING_PRACTICE},
        ))
    counted = [other for other in others if other.counts]
    this_year = [other for other in counted if other.year == year]
    if len(this_year) >= p.max_subsidised_trainings:
        errors.append(ValidationError(
            "该学员%(year)d年度已参加%(count)d次补贴性培训(%(classes)s),每人每年最多%(max)d次"
            "(%(practice)s):本年度不能再报名补贴性培训,请于下一年度再报名。",
            code="yearly_training_cap",
            params={"year": year, "count": len(this_year), "max": p.max_subsidised_trainings,
                    "classes": "、".join(f"{o.class_code}({o.start_on}至{o.end_on})" for o in this_year),
                    "practice": SUBSIDISED_TRAINING_PRACTICE},
        ))
    for other in counted:
        if other.occupation_key != occupation_key:
            continue
        params = {"code": other.class_code, "start": other.start_on, "end": other.end_on,
                  "level": LEVEL_NAMES.get(other.level_rank, ""), "practice": SUBSIDISED_TRAINING_PRACTICE}
        if level_rank is None or other.level_rank is None or other.level_rank == level_rank:
            errors.append(ValidationError(
                "该学员已参加过同一职业(工种)同一等级的补贴性培训(培训班%(code)s,%(start)s至%(end)s),"
                "不能重复享受补贴(%(practice)s):请报名更高等级或其他职业(工种)的培训。",
                code="same_occupation_and_level", params=params,
            ))
            break
        if level_rank < other.level_rank and other.start_on <= start_on:
            errors.append(ValidationError(
                "该学员已参加过该职业(工种)%(level)s的补贴性培训(培训班%(code)s,%(start)s至%(end)s),"
                "不能再参加较低等级的补贴性培训(%(practice)s):请报名不低于%(level)s的培训。",
                code="lower_level_than_before", params=params,
            ))
            break
    return errors


def ensure_trainee_may_enrol(*, start_on: date, end_on: date, year: int, occupation_key: str,
                             level_rank: int | None, others: Iterable[PriorTraining], p: PolicyParams) -> None:
    """R16 at enrolment (and at a reschedule): every refusal of `r16_refusals`, raised together."""
    raise_all(r16_refusals(start_on=start_on, end_on=end_on, year=year, occupation_key=occupation_key,
                           level_rank=level_rank, others=others, p=p))


# --- R17 application documents ------------------------------------------------------------

def ensure_application_complete(*, has_roster_plan: bool, has_teachers: bool, has_syllabus: bool,
                                has_teaching_plan: bool, textbook_count: int, has_assessment_plan: bool) -> None:
    """R17 《实施方案》三(五): a class application carries its roster plan, teachers, syllabus,
    teaching plan, published textbooks and assessment plan."""
    missing = [name for name, present in (
        ("学员来源计划", has_roster_plan), ("授课教师", has_teachers), ("教学大纲", has_syllabus),
        ("教学计划", has_teaching_plan), ("正规出版的教材", textbook_count > 0), ("考核方案", has_assessment_plan),
    ) if not present]
    if missing:
        raise ValidationError(
            "开班申请材料不全,缺少:%(missing)s(《实施方案》三(五)):请在「修改申请」中补齐后再提交。",
            code="application_incomplete", params={"missing": "、".join(missing)},
        )


def ensure_level_matches_kind(*, certificate_kind: str, level: str) -> None:
    """R12 《实施方案》三(六): a class of a skill-level occupation names the level it trains for
    (初级工 … 高级技师); a national qualification may name one; special-ability and training
    certificates have no levels."""
    if certificate_kind == "skill_level" and not level:
        raise ValidationError(
            "该职业(工种)核发职业技能等级证书(《实施方案》三(六)):请选择培训等级(初级工、中级工、高级工、技师、高级技师)。",
            code="level_required",
        )
    if certificate_kind in ("special_ability", "training") and level:
        raise ValidationError(
            "该职业(工种)的证书不分等级(《实施方案》三(六)):请把培训等级留空。", code="level_not_applicable"
        )


# --- Sessions, attendance and completion ----------------------------------------------------

def ensure_session_fits(*, held_on: date, start_on: date, end_on: date, scheduled_hours: Decimal,
                        hours: Decimal, total_hours: int, scheduled_days: set, planned_days: int) -> None:
    """A session lies inside the class dates, and the sessions add up to no more than the
    approved class hours and days (R5 《实施方案》四(二))."""
    if not start_on <= held_on <= end_on:
        raise ValidationError(
            "上课日期%(day)s不在本班计划日期%(start)s至%(end)s之内:请核对日期。",
            code="session_outside_class_dates", params={"day": held_on, "start": start_on, "end": end_on},
        )
    if scheduled_hours + hours > total_hours:
        raise ValidationError(
            "排课合计%(sum)s课时,超过本班批准的%(total)d课时(《实施方案》四(二)):请减少本课次的课时。",
            code="sessions_exceed_total_hours", params={"sum": scheduled_hours + hours, "total": total_hours},
        )
    if held_on not in scheduled_days and len(scheduled_days) >= planned_days:
        raise ValidationError(
            "本班已排满%(days)d个培训日,不能再增加新的上课日期(《实施方案》四(二)):请把课次排在已有日期。",
            code="sessions_exceed_planned_days", params={"days": planned_days},
        )


def ensure_may_complete(*, today: date, end_on: date, session_count: int, unrecorded: int) -> None:
    """A class is completed (结业) only after its end date, with every session's attendance
    recorded — the attendance rate of R3 is then final."""
    if today < end_on:
        raise ValidationError(
            "本班计划%(end)s结业,结业日期之前不能办理结业:请在%(end)s以后再办理。", code="class_not_ended", params={"end": end_on}
        )
    if session_count == 0:
        raise ValidationError("本班没有任何课次,不能结业:请先录入课次和考勤。", code="no_sessions")
    if unrecorded:
        raise ValidationError(
            "还有%(count)d条考勤未记录,不能结业:请把每个课次的考勤录完。",
            code="attendance_incomplete", params={"count": unrecorded},
        )


# --- R21 a class runs as approved -----------------------------------------------------------

def ensure_enrolment_open(*, today: date, planned_end_on: date, delivered_hours: Decimal, planned_hours: int,
                          p: PolicyParams) -> None:
    """R21 《实施方案》三(五)、三(七): enrolment closes once a new trainee could no longer reach the
    R3 threshold — more than (100 % − threshold) of the planned hours already delivered (80
    planned hours at 85 %: 12 delivered hours still admit, 12.5 do not) — and never reopens
    after the planned end date."""
    if today > planned_end_on:
        raise ValidationError(
            "本班计划%(end)s结业,已过结业日期,名册不再增加学员(《实施方案》三(五)):请为学员选择正在招生的其他班级。",
            code="enrolment_closed_after_end", params={"end": planned_end_on},
        )
    delivered, planned = Decimal(delivered_hours), Decimal(planned_hours)
    allowance = planned * (1 - p.min_attendance_rate)
    if delivered > allowance:
        raise ValidationError(
            "本班已上%(delivered)s课时(计划%(planned)s课时),新报名学员到课率已不可能达到%(min)s"
            "(《实施方案》三(五) 到课率标准),报名已截止:请为学员选择其他班级。",
            code="enrolment_closed_unreachable",
            params={"delivered": delivered.normalize(), "planned": planned_hours, "allowance": allowance.normalize(),
                    "min": _percent(p.min_attendance_rate)},
        )


def ensure_may_start(*, today: date, planned_start_on: date, planned_end_on: date) -> None:
    """R21 《实施方案》三(五): an approved class starts on or after its planned start date and never
    after its planned end date — a later start is a reschedule that county HR approves."""
    if today < planned_start_on:
        raise ValidationError("本班计划%(day)s开班,不能提前开班:请在%(day)s当天或以后办理开班。",
                              code="class_not_started_yet", params={"day": planned_start_on})
    if today > planned_end_on:
        raise ValidationError(
            "本班计划%(start)s至%(end)s培训,已过计划结业日期,不能再开班(《实施方案》三(五) 按批准的计划组织培训):"
            "如需延期开班,请向县人社局申请调整培训日期,批准后再开班。",
            code="class_start_after_end", params={"start": planned_start_on, "end": planned_end_on},
        )


def ensure_reschedule_valid(*, status: str, today: date, new_start_on: date, new_end_on: date,
                            first_session_on: date | None, last_session_on: date | None) -> None:
    """R21 《实施方案》三(五): county HR moves the dates of an approved class that has not started;
    the new dates lie ahead (the end not before today) and keep the sessions already scheduled
    inside them. The plan itself (days, hours) is checked again by R5."""
    if status != "approved":
        raise ValidationError("只有已批准、尚未开班的班级可以调整培训日期。", code="reschedule_not_allowed")
    if new_end_on < today:
        raise ValidationError("调整后的结业日期%(end)s早于今天,请重新填写培训日期。",
                              code="reschedule_in_past", params={"end": new_end_on})
    # The first and the last session are both known or both None.
    if first_session_on and (first_session_on < new_start_on or cast(date, last_session_on) > new_end_on):
        raise ValidationError(
            "本班已排的课次(%(first)s至%(last)s)不在调整后的日期%(start)s至%(end)s之内:请先调整课次或日期。",
            code="reschedule_outside_sessions",
            params={"first": first_session_on, "last": last_session_on, "start": new_start_on, "end": new_end_on},
        )


# --- R22 practical share delivered ----------------------------------------------------------

def delivered_practical_share(*, practical_hours: Decimal, delivered_hours: Decimal) -> Decimal:
    """R22: practical session hours ÷ delivered session hours, truncated to 0.01 %. No hours: 0."""
    if delivered_hours <= 0:
        return Decimal("0.0000")
    return (Decimal(practical_hours) / Decimal(delivered_hours)).quantize(Decimal("0.0001"), ROUND_DOWN)


def check_delivered_practical_share(*, practical_hours: Decimal, delivered_hours: Decimal, has_hr_decision: bool,
                                    p: PolicyParams) -> list[ValidationError]:
    """R22 《实施方案》三(五) 实操实训时间应占全部培训课时70%左右, checked at completion on the hours
    actually delivered: below the minimum (R4, 65 %) completion needs county HR's recorded
    decision; below the target (70 %) it is allowed with a warning (returned)."""
    share = delivered_practical_share(practical_hours=practical_hours, delivered_hours=delivered_hours)
    params = {"share": _percent(share), "min": _percent(p.min_practical_share),
              "target": _percent(p.target_practical_share)}
    if share < p.min_practical_share:
        if not has_hr_decision:
            raise ValidationError(
                "本班实际实操课时占比为%(share)s,低于%(min)s(《实施方案》三(五) 实操实训时间应占全部培训课时70%%左右),"
                "不能直接结业:请向县人社局说明情况,由县人社局记录处理决定后再办理结业。",
                code="delivered_practical_share_too_low", params=params,
            )
        return [ValidationError("本班实际实操课时占比为%(share)s,低于%(min)s,经县人社局决定准予结业(《实施方案》三(五))。",
                                code="delivered_practical_share_decided", params=params)]
    if share < p.target_practical_share:
        return [ValidationError("本班实际实操课时占比为%(share)s,低于%(target)s的目标(《实施方案》三(五))。",
                                code="delivered_practical_share_below_target", params=params)]
    return []


# --- R20 attendance while the class happens ------------------------------------------------

@dataclass(frozen=True)
class AttendanceWindow:
    """When a session's marks may be entered, as wall-clock times in the county (naive,
    Asia/Shanghai): from `opens_at` (the session's start) until `closes_at` (its end plus the
    year's grace period)."""

    opens_at: datetime
    ends_at: datetime
    closes_at: datetime


def attendance_window(*, held_on: date, starts_at: time | None, hours: Decimal, p: PolicyParams) -> AttendanceWindow:
    """R20 《实施方案》三(七) 实时监控、严格考勤: a mark is taken from the session's start until
    `p.attendance_grace_hours` after its end.

    A session with a start time starts then and ends `hours` clock hours later (a 课时 counted as a
    full hour, so the window never closes before the lesson does); a session without a start time
    starts at 00:00 and ends at 24:00 of its day."""
    if starts_at is None:
        opens_at = datetime.combine(held_on, time(0))
        ends_at = opens_at + timedelta(days=1)
    else:
        opens_at = datetime.combine(held_on, starts_at)
        ends_at = opens_at + timedelta(hours=float(hours))
    return AttendanceWindow(opens_at, ends_at, ends_at + timedelta(hours=p.attendance_grace_hours))


def is_attendance_open(*, now: datetime, window: AttendanceWindow) -> bool:
    """R20 三(七): marks are accepted while opens_at <= now < closes_at (county wall-clock time)."""
    return window.opens_at <= now < window.closes_at


def ensure_attendance_open(*, now: datetime, window: AttendanceWindow) -> None:
    """R20 《实施方案》三(七) 实时监控、严格考勤: a mark (or a change to one) is entered while the
    session is held or within the grace period after it; before the session starts it is refused,
    after the grace period it needs a correction approved by county HR."""
    if now < window.opens_at:
        raise ValidationError(
            "本课次%(opens)s开始,开始后才能记录考勤(《实施方案》三(七) 实时监控、严格考勤):请在上课时点名记录。",
            code="attendance_not_open", params={"opens": f"{window.opens_at:%Y-%m-%d %H:%M}"},
        )
    if now >= window.closes_at:
        raise ValidationError(
            "本课次考勤已于%(closes)s截止(《实施方案》三(七) 实时监控、严格考勤),不能再直接录入或修改:"
            "请在考勤页面提交考勤更正申请,写明原因并附证明材料,经县人社局批准后生效。",
            code="attendance_window_closed", params={"closes": f"{window.closes_at:%Y-%m-%d %H:%M}"},
        )


def ensure_correction_needed(*, now: datetime, window: AttendanceWindow) -> None:
    """R20 三(七): a correction request is for a session whose window has closed; while it is open
    the clerk records the marks directly."""
    if now < window.closes_at:
        raise ValidationError(
            "本课次考勤录入截止到%(closes)s,截止前请直接在考勤页面录入或修改,无需申请更正。",
            code="correction_not_needed", params={"closes": f"{window.closes_at:%Y-%m-%d %H:%M}"},
        )


def ensure_correction_reason(reason: str) -> None:
    """R20 三(七): a correction states why the marks were not entered in time."""
    if not (reason or "").strip():
        raise ValidationError("请填写更正原因:说明考勤为何未能按时录入或需要修改。", code="correction_reason_required")


def ensure_session_not_backdated(*, held_on: date, today: date, has_started: bool) -> None:
    """R20 三(七): once a class has started, a session is not added for a day already past (its
    attendance could only be back-filled); such a session goes through a correction approved by
    county HR."""
    if has_started and held_on < today:
        raise ValidationError(
            "本班已开班,不能直接补排已过去日期(%(day)s)的课次(《实施方案》三(七) 实时监控、严格考勤):"
            "确需补排的,请在「补排原因」中写明原因后再次提交,经县人社局批准后补排,再申请更正该课次考勤。",
            code="session_backdated", params={"day": held_on},
        )



# --- R7 the employment window -------------------------------------------------------------

def employment_window_ends_on(class_end_on: date, *, p: PolicyParams) -> date:
    """R7 《实施方案》四(二) 3个月内实现就业: the last day of the employment window, counted in
    calendar months (`p.employment_window_months`) from the class end date
    (30 Nov 2018 -> 28 Feb 2019). Its home is the class's dates, which every app above reads."""
    return add_calendar_months(class_end_on, p.employment_window_months)


def ensure_voucher_usable(*, status: str, expires_on: date, holder_id: int, trainee_id: int | None,
                          is_pilot_on: bool, institution_listed: bool, today: date, code: str = "",
                          holder: str = "", redeemed_on: date | None = None, redeemed_in: str = "",
                          status_label: str = "", year: int | None = None) -> None:
    """R14 《实施方案》四(三): a voucher names its holder, is used once, only by that holder, only
    before expiry, at an institution on the county's list. `code`, `holder` (masked, as the
    screens name a person), `redeemed_on` and `redeemed_in` (the class it paid for) and
    `status_label` let a refusal say which voucher, whose, and why."""
    params = {"code": code, "holder": holder, "day": expires_on, "redeemed_on": redeemed_on,
              "redeemed_in": redeemed_in, "status": status_label or status, "year": year}
    if not is_pilot_on:
        raise ValidationError(
            "本年度未开展培训券试点(《实施方案》四(三)):请按乡镇推荐方式,填写身份证号报名。", code="voucher_pilot_off"
        )
    if status == "redeemed":
        raise ValidationError(
            "培训券%(code)s已于%(redeemed_on)s用于培训班%(redeemed_in)s,每张券只能使用一次(《实施方案》四(三)):"
            "请填写身份证号按乡镇推荐方式报名,或请持券人到乡镇另行申领。",
            code="voucher_used", params=params)
    if status != "issued":
        raise ValidationError(
            "培训券%(code)s的状态为「%(status)s」,不能使用(《实施方案》四(三)):请持券人到乡镇重新申领。",
            code="voucher_not_valid", params=params)
    if today > expires_on:
        raise ValidationError(
            "培训券%(code)s有效期至%(day)s,已过期(《实施方案》四(三)):请持券人到乡镇重新申领。",
            code="voucher_expired", params=params,
        )
    if trainee_id is not None and trainee_id != holder_id:
        raise ValidationError(
            "培训券%(code)s的持券人是%(holder)s,与填写的身份证号不是同一人,培训券只能由持券人本人使用"
            "(《实施方案》四(三)):请核对身份证号,或只填写券号为持券人报名。",
            code="voucher_not_holder", params=params)
    if not institution_listed:
        raise ValidationError(
            "本机构不在%(year)s年度县培训机构名单中,培训券只能在名单内的机构使用(《实施方案》四(三)):"
            "请持券人选择名单内的培训机构。",
            code="voucher_institution_not_listed", params=params)
