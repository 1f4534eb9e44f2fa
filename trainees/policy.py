"""Rules about trainees as people: who registers whom and what a registration holds (SPEC.md §2,
§3 学员登记), R13 (the ID number and masking live in common.personal_data).

Pure functions: values in, values out, ValidationError(code=...) on refusal. Today is passed in.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from django.core.exceptions import ValidationError

from common.personal_data import (  # noqa: F401 - the trainee's rules read them here too
    PROVINCE_CODES,
    IdNumber,
    age_on,
    looks_like_phone,
    mask_id_number,
    mask_name,
    mask_phone,
    may_see_full_id_number,
    normalise_id_number,
    normalise_phone,
    parse_id_number,
    person_label,
    phone_spellings,
)
from trainees.validators import validate_phone

# The lengths a registration may hold (SPEC.md §2 学员): the model's columns, the form and the
# spreadsheet import read them here.
NAME_MAX_CHARS = 50
PHONE_MAX_CHARS = 20
ADDRESS_MAX_CHARS = 200


def may_act_for_township(*, is_hr: bool, own_township_id: int | None, township_id: int) -> bool:
    """SPEC.md §1 (《实施方案》五(二) 乡镇责任包干): a township official registers, and changes the
    categories of, only the trainees of their own township; county HR those of every township.
    Every path of registration reads this: the screen, the spreadsheet import (its township
    column offers only these townships) and the category changes."""
    return is_hr or (own_township_id is not None and own_township_id == township_id)


def ensure_registration_details(*, name: str | None, phone: str | None, address: str | None) -> None:
    """学员登记 (SPEC.md §2 学员): a name of at most 50 characters, a phone that is a mobile or a
    landline with its area code and fits its 20 characters, an address of at most 200
    characters. Every refusal is raised at once, under the field it concerns; a value that is
    None (a cell the import could not read, already reported) or an empty optional value is not
    judged."""
    errors: dict[str, list[ValidationError]] = {}
    if len(name or "") > NAME_MAX_CHARS:
        errors["name"] = [ValidationError("姓名过长(最多%(max)d个字):请核对姓名。", code="name_too_long",
                                          params={"max": NAME_MAX_CHARS})]
    if phone:
        try:
            validate_phone(phone)
        except ValidationError as error:
            errors["phone"] = [error]
        else:
            if len(phone) > PHONE_MAX_CHARS:
                errors["phone"] = [ValidationError("联系电话过长(最多%(max)d个字符):请只填写一个号码。",
                                                   code="phone_too_long", params={"max": PHONE_MAX_CHARS})]
    if len(address or "") > ADDRESS_MAX_CHARS:
        errors["address"] = [ValidationError("住址过长(最多%(max)d字):请简写住址。", code="address_too_long",
                                             params={"max": ADDRESS_MAX_CHARS})]
    if errors:
        raise ValidationError(errors)


def category_held_from(held_from: date | None, *, today: date) -> date:
    """《实施方案》三(一): a category registered without the day it was obtained (a 失业登记 date,
    say) is held from the day it is registered."""
    return held_from or today


def ensure_working_age(*, birth_on: date, on: date, min_age: int, max_age: int | None) -> None:
    """R13 《实施方案》三(一): a trainee is of working age at enrolment (default 16 and over; an
    upper limit only where the policy year sets one)."""
    age = age_on(birth_on, on)
    if age < min_age:
        raise ValidationError(
            "学员报名当天(%(on)s)%(age)d周岁,未满%(min_age)d周岁,不属于培训对象(《实施方案》三(一)):"
            "请待学员年满%(min_age)d周岁后再报名;如身份证号填错,请核对。",
            code="under_age", params={"min_age": min_age, "age": age, "on": on},
        )
    if max_age is not None and age > max_age:
        raise ValidationError(
            "学员报名当天(%(on)s)%(age)d周岁,超过县人社局规定的%(max_age)d周岁劳动年龄上限(《实施方案》三(一)):"
            "不能报名补贴性培训;如身份证号填错,请核对。",
            code="over_age", params={"max_age": max_age, "age": age, "on": on},
        )


@dataclass(frozen=True)
class HeldCategory:
    """A category a trainee is registered in, with the dates it is held (held_until None: still)."""

    label: str
    held_from: date
    held_until: date | None = None


def ensure_eligible_category(categories: Sequence[str], *, on: date | None = None,
                             registered: Iterable[HeldCategory] = ()) -> None:
    """R13 《实施方案》三(一): a trainee belongs to at least one eligible category — on the day the
    class starts (`on`, R18). `categories` are those held that day; `registered` (HeldCategory)
    are all the trainee's categories, so a refusal can say which is registered and why it does
    not count on that day."""
    if categories:
        return
    if not registered:
        raise ValidationError(
            "学员没有登记任何培训对象类别(《实施方案》三(一)):请学员所在乡镇先在学员页面登记类别"
            "(如城镇失业人员、农村劳动力),再报名。",
            code="no_category",
        )
    reasons = []
    for held in registered:
        if on is not None and held.held_from > on:
            reasons.append(f"「{held.label}」自{held.held_from}起,晚于开班日期")
        elif on is not None and held.held_until is not None and held.held_until < on:
            reasons.append(f"「{held.label}」至{held.held_until}止,早于开班日期")
    raise ValidationError(
        "本班%(on)s开班,学员当天不属于任何培训对象类别(《实施方案》三(一)):%(reasons)s。"
        "开班时须属于培训对象类别;如类别起止日期登记有误,请学员所在乡镇更正后再报名。",
        code="no_category", params={"on": on, "reasons": ";".join(reasons) or "登记的类别当天均未生效"},
    )
