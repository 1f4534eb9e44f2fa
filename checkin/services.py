"""Self check-in (issue 14): a trainee, on their own phone, types or scans the session's rotating
code and confirms with their name and the last 4 characters of their ID number."""

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from checkin import policy
from checkin.models import CheckIn
from courses.models import ClassStatus, Enrolment, Session

# Counters live 2 minutes: the minute they count plus a margin for clocks a little apart.
COUNTER_SECONDS = 120


@dataclass(frozen=True)
class CheckInResult:
    check_in: CheckIn
    created: bool  # False: the trainee had already checked in to this session


def current_code(session: Session, *, now=None) -> str:
    now = now or timezone.now()
    return policy.rotating_code(secret=settings.SECRET_KEY, session_id=session.pk, step=policy.time_step(now))


def session_window(session: Session):
    return policy.session_window(held_on=session.held_on, starts_at=session.starts_at, hours=session.hours,
                                 tz=timezone.get_default_timezone())


def count_attempt(kind: str, value: str, *, now) -> int:
    """One more attempt for `kind` (address or code) in the current minute, counted in the shared
    cache (the database or Redis, never one process's memory), so that every application
    process sees the same count. `add` creates the counter only if absent and `incr` is atomic
    (Redis INCR; checkin.cache.DatabaseCache locks the row)."""
    key = f"checkin:attempts:{kind}:{value}:{int(now.timestamp()) // 60}"
    for _ in range(2):
        cache.add(key, 0, timeout=COUNTER_SECONDS)
        try:
            return cache.incr(key)
        except ValueError:  # expired between add and incr: start it again
            continue
    return cache.incr(key)


def _sessions_on_now(code: str, now):
    """Sessions of classes in progress that are on at `now` and whose current or previous code is
    `code` (a code is derived, not stored: today's sessions are checked one by one)."""
    today = timezone.localdate(now)
    step = policy.time_step(now)
    tz = timezone.get_default_timezone()
    found = []
    candidates = Session.objects.filter(
        held_on__in=[today, today - timedelta(days=1)], training_class__status=ClassStatus.IN_PROGRESS,
    ).values_list("pk", "training_class_id", "held_on", "starts_at", "hours")
    for pk, class_id, held_on, starts_at, hours in candidates:
        window = policy.session_window(held_on=held_on, starts_at=starts_at, hours=hours, tz=tz)
        if policy.is_within(moment=now, window=window) and policy.is_code_current(
                code=code, secret=settings.SECRET_KEY, session_id=pk, step=step):
            found.append((pk, class_id))
    return found


def check_in(*, code: str, name: str, id_ending: str, address: str | None, now=None) -> CheckInResult:
    """Record that the trainee named `name`, whose ID number ends in `id_ending`, is at the
    session whose code is `code`. Accepted only while the session is on, for a trainee on its
    class's roster (not withdrawn), once per trainee and session (a second time answers with the
    first check-in). Every attempt counts against the rate limits of its address and its code
    (shared cache, side effect). Refusals: ValidationError with code too_many_attempts,
    code_malformed, name_required, id_ending_malformed, code_not_current, or not_matched, whose
    message is the same whatever did not match, so it never tells who is enrolled."""
    now = now or timezone.now()
    try:
        code = policy.normalise_code(code)
    except ValidationError:
        policy.ensure_not_throttled(address_attempts=count_attempt("address", address or "-", now=now),
                                    code_attempts=0)
        raise
    policy.ensure_not_throttled(address_attempts=count_attempt("address", address or "-", now=now),
                                code_attempts=count_attempt("code", code, now=now))
    name = policy.normalise_name(name)
    id_ending = policy.normalise_id_ending(id_ending)

    sessions = _sessions_on_now(code, now)
    if not sessions:
        raise ValidationError(
            "签到码已更换或不正确,或本课次不在上课时间:请扫描老师屏幕上最新的二维码,或输入屏幕上的签到码"
            "(每%(minutes)d分钟更换)。签到只在上课时间内开放。",
            code="code_not_current", params={"minutes": policy.STEP_SECONDS // 60})
    session_of_class = {class_id: pk for pk, class_id in sessions}
    matches = list(Enrolment.objects.filter(
        training_class_id__in=session_of_class, is_withdrawn=False,
        trainee__name=name, trainee__id_number__endswith=id_ending,
    ).values_list("pk", "training_class_id")[:2])
    if len(matches) != 1:  # nobody, or two people alike in name and ID ending: the clerk decides
        raise ValidationError(policy.NOT_MATCHED, code="not_matched")
    enrolment_id, class_id = matches[0]
    with transaction.atomic():
        check_in, created = CheckIn.objects.get_or_create(
            session_id=session_of_class[class_id], enrolment_id=enrolment_id,
            defaults={"checked_in_at": now, "client_address": address},
        )
    return CheckInResult(check_in, created)
