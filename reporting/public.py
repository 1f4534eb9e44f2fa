"""The public page (《实施方案》五(三) 接受社会各界监督): what it reads, and the one thing a member
of the public may do there, object online to a line on public notice (R19).

An online objection names the line by its public reference (公示编号, `GS<claim>-<line>`: the
database keys of the claim and the line, stable and personal to nobody), gives a reason and a
contact phone, and lands in county HR's queue (the ClaimObjection admin), where it is decided
with the same `services.decide_objection` as an objection recorded at the counter.
"""

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.paginator import Page, Paginator
from django.db import transaction
from django.db.models import Count, Sum

from certification.models import EvaluationPlan
from courses.models import Occupation
from subsidies import policy
from subsidies.models import (
    ClaimLine,
    ClaimObjection,
    ClaimStatus,
    EnterpriseSubsidyStatus,
    ObjectionChannel,
    SmallEnterpriseSubsidy,
    SubsidyClaim,
)
from trainees.policy import mask_id_number, mask_name, normalise_phone
from trainees.validators import validate_phone

CLAUSE = "《实施方案》五(三)"
REASON_MIN_CHARS, REASON_MAX_CHARS = 10, 500
# An objection is a rare, considered act; five an hour from one address leaves room for a family
# sharing a connection and stops a script. Counted in the shared cache (every process sees it).
OBJECTIONS_PER_ADDRESS_PER_HOUR = 5
PUBLIC_OBJECTOR = "公众(网上)"

# The same words whatever did not match (no such reference, a line removed, a claim not or no
# longer on notice), so that the answer never tells whether a reference exists.
NOT_ON_NOTICE = ("公示编号不在公示期内或编号有误:请核对公示名单中该学员旁的公示编号(如 GS12-345),"
                 "并在公示期内提出(" + CLAUSE + ")。公示期已过的,请直接向县人社局反映。")
REASON_LENGTH = ("异议内容请写%(min)d至%(max)d个字,说明该学员哪一点与公示不符(如未参加培训、未取得证书、"
                 "重复享受补贴),便于县人社局核查(" + CLAUSE + ")。")
PHONE_INVALID = "联系电话无效:手机号应为11位,座机请带区号(如 0355-1234567)。县人社局核查时仅用于联系您,不会公开。"
TOO_MANY = ("提交次数太多,请1小时后再试(同一网络每小时最多提交%(limit)d次);急需反映的,"
            "请直接到县人社局窗口或通过电话、信函反映。")

_REFERENCE = re.compile(r"^GS([0-9]{1,12})-([0-9]{1,12})$")


# --- The public reference of a line on notice ---------------------------------------------------

def line_reference(*, claim_id: int, line_id: int) -> str:
    """公示编号 of a line: GS<claim>-<line>, e.g. GS12-345."""
    return f"GS{claim_id}-{line_id}"


def parse_reference(text: str) -> tuple[int, int] | None:
    """(claim id, line id) from a reference as typed on a phone ("gs12-345", full-width digits,
    spaces, a full-width or long dash), None when it is not one."""
    text = unicodedata.normalize("NFKC", str(text or "")).upper()
    text = re.sub(r"\s+", "", text)
    text = re.sub(r"[‐‑‒–—―－]", "-", text)
    found = _REFERENCE.match(text)
    return (int(found[1]), int(found[2])) if found else None


# --- Validation shared by the form and the service -------------------------------------------

def clean_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not REASON_MIN_CHARS <= len(reason) <= REASON_MAX_CHARS:
        raise ValidationError(REASON_LENGTH, code="reason_length",
                              params={"min": REASON_MIN_CHARS, "max": REASON_MAX_CHARS})
    return reason


def clean_phone(phone: str) -> str:
    """The phone as digits (13812345678, 03551234567); the refusal never repeats what was typed."""
    digits = normalise_phone(phone)
    try:
        if not digits:
            raise ValidationError("", code="phone_invalid")
        validate_phone(digits)
    except ValidationError:
        raise ValidationError(PHONE_INVALID, code="phone_invalid") from None
    return digits


# --- Rate limit ---------------------------------------------------------------------------------

def count_objection_attempt(*, address: str | None, now: datetime) -> int:
    """One more online objection attempt from `address` in the current hour, counted in the shared
    cache like check-in attempts (checkin.services.count_attempt): `add` then the atomic `incr`."""
    key = f"public:objections:{address or '-'}:{int(now.timestamp()) // 3600}"
    for _ in range(2):
        cache.add(key, 0, timeout=3600 + 60)
        try:
            return cache.incr(key)
        except ValueError:  # expired between add and incr: start it again
            continue
    return cache.incr(key)


def ensure_objection_not_throttled(*, address: str | None, now: datetime) -> None:
    """Counts this attempt (side effect on the shared cache) and refuses past the hourly limit
    with code too_many_objections."""
    if count_objection_attempt(address=address, now=now) > OBJECTIONS_PER_ADDRESS_PER_HOUR:
        raise ValidationError(TOO_MANY, code="too_many_objections", params={"limit": OBJECTIONS_PER_ADDRESS_PER_HOUR})


# --- The service --------------------------------------------------------------------------------

@transaction.atomic
def submit_public_objection(*, reference: str, reason: str, phone: str, today: date) -> ClaimObjection:
    """Record a member of the public's objection to the line `reference` received on `today`
    (Asia/Shanghai): accepted only for a line not removed, of a claim on public notice whose
    notice window includes `today` (R19, 五(三)). The claim row is locked, as every change to a
    claim's lines is, so the objection cannot slip in beside a decision or payment. Creates an
    undecided ClaimObjection (channel online, no recorder) for HR's queue.

    Refusals (ValidationError): reason_length, phone_invalid, not_on_notice (the same message
    whatever did not match)."""
    reason, phone = clean_reason(reason), clean_phone(phone)
    not_on_notice = ValidationError(NOT_ON_NOTICE, code="not_on_notice")
    ids = parse_reference(reference)
    if ids is None:
        raise not_on_notice
    claim_id, line_id = ids
    claim = SubsidyClaim.objects.select_for_update(of=("self",)).filter(pk=claim_id).first()
    if claim is None or claim.status != ClaimStatus.PUBLICISED:
        raise not_on_notice
    try:
        policy.ensure_objection_in_window(received_on=today, starts_on=claim.publicity_starts_on,
                                          ends_on=claim.publicity_ends_on)
    except ValidationError:
        raise not_on_notice from None
    line = ClaimLine.objects.filter(pk=line_id, claim=claim, is_void=False).first()
    if line is None:
        raise not_on_notice
    objection = ClaimObjection(line=line, channel=ObjectionChannel.ONLINE, recorded_by=None, received_on=today,
                               objector=PUBLIC_OBJECTOR, contact_phone=phone, content=reason)
    objection.full_clean()
    objection._change_reason = "公众在公示页面网上提出异议"
    objection.save()
    return objection


# --- Selectors for the public page -------------------------------------------------------------

def catalogue(year) -> list[Occupation]:
    """The year's occupation catalogue (三(三)), key trades first within each industry."""
    return list(Occupation.objects.filter(policy_year=year).order_by("industry", "-is_key_trade", "name"))


@dataclass(frozen=True)
class PublishedPlan:
    body: str
    title: str
    published_on: date
    occupations: list[str]


def published_evaluation_plans(year) -> list[PublishedPlan]:
    """The evaluation plans county HR has published for the year (三(六)), each with the
    occupations it covers. Two queries whatever the number of plans."""
    plans = (EvaluationPlan.objects.filter(policy_year=year, published_on__isnull=False)
             .select_related("evaluation_body").order_by("evaluation_body__name", "pk"))
    covered: dict[int, list[str]] = {}
    for plan_id, name in (EvaluationPlan.occupations.through.objects
                          .filter(evaluationplan__policy_year=year, evaluationplan__published_on__isnull=False)
                          .order_by("occupation__name").values_list("evaluationplan_id", "occupation__name")):
        covered.setdefault(plan_id, []).append(name)
    return [PublishedPlan(plan.evaluation_body.name, plan.title, plan.published_on, covered.get(plan.pk, []))
            for plan in plans]


@dataclass(frozen=True)
class EnterprisePaid:
    enterprise: str
    hires: int
    amount: Decimal


def small_enterprise_subsidies_paid(year, *, county=None) -> list[EnterprisePaid]:
    """Small/micro enterprise subsidies paid for the year (四(四), R15), of `county` when given,
    one row per enterprise: its name, how many hires it was paid for, and the amount. No hire is
    named."""
    subsidies = SmallEnterpriseSubsidy.objects.filter(policy_year=year, status=EnterpriseSubsidyStatus.PAID)
    if county is not None:
        subsidies = subsidies.filter(county=county)
    rows = (subsidies
            .values("enterprise_credit_code", "enterprise_name")
            .annotate(hires=Count("hire", distinct=True), amount=Sum("amount"))
            .order_by("enterprise_name", "enterprise_credit_code"))
    return [EnterprisePaid(row["enterprise_name"], row["hires"], row["amount"]) for row in rows]


def notices(year, page=1, *, today: date, per_page: int = 20, county=None) -> tuple[Page, list[dict]]:
    """Claims of `year` (of `county` when given) on public notice (R19), `per_page` claims a page:
    each with `is_open` (today inside its window: objections accepted online) and its lines not
    removed, each with the masked name and ID number, the amount and the line's public reference.
    Three queries."""
    claims = SubsidyClaim.objects.filter(status=ClaimStatus.PUBLICISED, training_class__policy_year=year)
    if county is not None:
        claims = claims.filter(training_class__county=county)
    claims = (claims.select_related("training_class__occupation", "institution").order_by("publicity_ends_on", "pk"))
    shown = Paginator(claims, per_page).get_page(page)
    found = {}
    for claim in shown:
        is_open = bool(claim.publicity_starts_on and claim.publicity_ends_on
                       and claim.publicity_starts_on <= today <= claim.publicity_ends_on)
        found[claim.pk] = {"claim": claim, "is_open": is_open, "lines": []}
    lines = (ClaimLine.objects.filter(claim__in=list(found), is_void=False)
             .values_list("pk", "claim_id", "enrolment__trainee__name", "enrolment__trainee__id_number", "amount",
                          "placement_reward_amount")
             .order_by("claim_id", "pk"))
    for pk, claim_id, name, id_number, amount, reward in lines:
        found[claim_id]["lines"].append({
            "name": mask_name(name), "id_number": mask_id_number(id_number), "amount": amount + reward,
            "reference": line_reference(claim_id=claim_id, line_id=pk),
        })
    return shown, list(found.values())
