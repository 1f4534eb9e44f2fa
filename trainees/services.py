"""Registering trainees and their categories (township portal)."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.scope import scope_of
from trainees.models import CategoryMembership, IdNumberView, Trainee
from trainees.policy import (
    IdNumber,
    category_held_from,
    ensure_registration_details,
    mask_name,
    may_act_for_township,
    may_see_full_id_number,
    parse_id_number,
)

if TYPE_CHECKING:
    from django.contrib.auth.models import User

    from programme.models import Township


class AlreadyRegistered(ValidationError):
    """The person exists: the caller shows them instead of creating a duplicate."""

    def __init__(self, trainee: Trainee, *, registering_county_id: int | None = None) -> None:
        # A person is one row province-wide: registered in another county, that county is named.
        where = trainee.township.name
        if registering_county_id is not None and trainee.township.county_id != registering_county_id:
            where = f"{trainee.township.county.name}{where}"
        super().__init__("该身份证号已在%(township)s登记(%(name)s),不能重复登记。", code="already_registered",
                         params={"township": where, "name": mask_name(trainee.name)})
        self.trainee = trainee


@transaction.atomic
def register_trainee(*, by: User, id_number: str, name: str, township: Township, category: str,
                     held_from: date | None = None, phone: str = "", education: str = "",
                     address: str = "") -> Trainee:
    """学员登记: one person one row. A person registered anywhere is found, not duplicated; a
    township official registers only for their own township. The decisions are those of
    trainees.policy (may_act_for_township, parse_id_number, ensure_registration_details,
    category_held_from), which the spreadsheet import (trainees.imports) applies row by row."""
    scope = scope_of(by)
    if not may_act_for_township(is_hr=scope.acts_in_county(township.county_id), own_township_id=scope.township_id,
                                township_id=township.pk):
        raise ValidationError("只能登记本乡镇(县人社局:本县乡镇)的学员。", code="not_own_township")
    today = timezone.localdate()
    info = parse_id_number(id_number, today=today)
    existing = Trainee.objects.select_related("township__county").filter(id_number=info.number).first()
    if existing is not None:
        raise AlreadyRegistered(existing, registering_county_id=township.county_id)
    ensure_registration_details(name=name, phone=phone, address=address)
    trainee = new_trainee(info, by=by, name=name, township=township, phone=phone, education=education,
                          address=address)
    trainee.full_clean()
    try:
        with transaction.atomic():
            trainee.save()
    except IntegrityError:
        raise AlreadyRegistered(Trainee.objects.get(id_number=info.number)) from None
    add_category(trainee, by=by, category=category, held_from=category_held_from(held_from, today=today))
    return trainee


def new_trainee(info: IdNumber, *, by: User, name: str, township: Township, phone: str | None = "",
                education: str | None = "", address: str | None = "") -> Trainee:
    """The unsaved Trainee a registration writes, on the screen or in bulk from a sheet: the
    checked ID number with the birth date and sex it gives (SPEC.md §2: never typed twice),
    blank optional fields as ""."""
    return Trainee(id_number=info.number, name=name.strip(), township=township, phone=phone or "",
                   education=education or "", address=address or "", birth_on=info.birth_on, sex=info.sex,
                   registered_by=by)


@transaction.atomic
def add_category(trainee: Trainee, *, by: User, category: str, held_from: date,
                 evidence: str = "") -> CategoryMembership:
    """Record an eligible category (三(一)) the trainee holds from `held_from`."""
    scope = scope_of(by)
    if not may_act_for_township(is_hr=scope.acts_for_township(trainee.township_id), own_township_id=scope.township_id,
                                township_id=trainee.township_id):
        raise ValidationError("只能修改本乡镇(县人社局:本县乡镇)学员的类别。", code="not_own_township")
    membership = CategoryMembership(trainee=trainee, category=category, held_from=held_from, evidence=evidence)
    membership.full_clean()
    membership.save()
    return membership


@transaction.atomic
def end_category(membership: CategoryMembership, *, by: User, held_until: date) -> CategoryMembership:
    """The trainee no longer holds the category from `held_until` (R18 keeps the history)."""
    scope = scope_of(by)
    if not may_act_for_township(is_hr=scope.acts_for_township(membership.trainee.township_id),
                                own_township_id=scope.township_id, township_id=membership.trainee.township_id):
        raise ValidationError("只能修改本乡镇(县人社局:本县乡镇)学员的类别。", code="not_own_township")
    membership.held_until = held_until
    membership.full_clean()
    membership.save()
    return membership


def reveal_id_number(trainee: Trainee, *, by: User, place: str, address: str | None = None) -> str:
    """The full ID number for the trainee's page, recorded as one `IdNumberView` (SPEC.md §2).
    Refused to anyone but county HR and the trainee's own township."""
    scope = scope_of(by)
    if not may_see_full_id_number(is_hr=scope.is_hr, viewer_township_id=scope.township_id,
                                  trainee_township_id=trainee.township_id):
        raise ValidationError("完整身份证号只向县人社局和学员所在乡镇显示(SPEC §2 个人信息保护),"
                              "如需核对请联系学员所在乡镇。", code="id_not_visible")
    IdNumberView.objects.create(trainee=trainee, viewer=by, place=place, address=address)
    return trainee.id_number
