"""Self check-in (issue 14): a trainee, on their own phone, types or scans the session's rotating
code and confirms with their name and the last 4 characters of their ID number. Class photos
(现场照片): the clerk uploads photos of a session while it happens, and county HR records a remote
inspection (视频调阅) of the class from them (《实施方案》三(七))."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.scope import require_hr, scope_of
from checkin import photos, policy
from checkin.models import CheckIn, SessionPhoto
from courses.models import ClassStatus, Enrolment, Session, TrainingClass
from courses.services import ATTENDANCE_CLOSED, STATUS_LABELS, attendance_window, county_time
from institutions.models import Inspection, InspectionMethod

if TYPE_CHECKING:
    from django.contrib.auth.models import User
    from django.core.files.uploadedfile import UploadedFile

# Counters live 2 minutes: the minute they count plus a margin for clocks a little apart.
COUNTER_SECONDS = 120


@dataclass(frozen=True)
class CheckInResult:
    check_in: CheckIn
    created: bool  # False: the trainee had already checked in to this session


def current_code(session: Session, *, now: datetime | None = None) -> str:
    now = now or timezone.now()
    return policy.rotating_code(secret=settings.SECRET_KEY, session_id=session.pk, step=policy.time_step(now))


def session_window(session: Session) -> tuple[datetime, datetime]:
    return policy.session_window(held_on=session.held_on, starts_at=session.starts_at, hours=session.hours,
                                 tz=timezone.get_default_timezone())


def count_attempt(kind: str, value: str, *, now: datetime) -> int:
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


def _sessions_on_now(code: str, now: datetime) -> list[tuple[int, int]]:
    """Sessions of classes in progress that are on at `now` and whose current or previous code is
    `code` (a code is derived, not stored: today's sessions are checked one by one)."""
    today = timezone.localdate(now)
    step = policy.time_step(now)
    tz = timezone.get_default_timezone()
    found: list[tuple[int, int]] = []
    candidates = Session.objects.filter(
        held_on__in=[today, today - timedelta(days=1)], training_class__status=ClassStatus.IN_PROGRESS,
    ).values_list("pk", "training_class_id", "held_on", "starts_at", "hours")
    for pk, class_id, held_on, starts_at, hours in candidates:
        window = policy.session_window(held_on=held_on, starts_at=starts_at, hours=hours, tz=tz)
        if policy.is_within(moment=now, window=window) and policy.is_code_current(
                code=code, secret=settings.SECRET_KEY, session_id=pk, step=step):
            found.append((pk, class_id))
    return found


def check_in(*, code: str, name: str, id_ending: str, address: str | None,
             now: datetime | None = None) -> CheckInResult:
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


# --- Class photos (现场照片) and remote inspection (视频调阅), 《实施方案》三(七) -------------------

def _ensure_may_add_photo(training_class: TrainingClass, session: Session, *, by: User, now: datetime,
                          stored: int) -> None:
    if scope_of(by).institution_id != training_class.institution_id:
        raise ValidationError("只有本班培训机构的工作人员可以上传本班的现场照片(《实施方案》三(七) 视频调阅)。",
                              code="not_class_institution")
    if training_class.status != ClassStatus.IN_PROGRESS:
        raise ValidationError(ATTENDANCE_CLOSED, code="class_not_in_progress",
                              params={"status": STATUS_LABELS[training_class.status]})
    policy.ensure_photo_window_open(now=county_time(now),
                                    window=attendance_window(session, training_class.params()))
    policy.ensure_photo_slot(stored=stored)


def _duplicate_photo() -> ValidationError:
    constraint = next(c for c in SessionPhoto._meta.constraints if c.name == "checkin_sessionphoto_one_use_per_photo")
    assert constraint.violation_error_message is not None  # the constraint names its own message
    return ValidationError(constraint.violation_error_message, code=constraint.violation_error_code)


def add_session_photo(session: Session, *, by: User, now: datetime, upload: UploadedFile) -> SessionPhoto:
    """Store a photo of `session` uploaded by `by`, a clerk of the class's institution, at `now`
    (server clock): only while the class is in progress and inside the session's R20 window
    (三(七) 实时监控), at most policy.MAX_PHOTOS_PER_SESSION per session, and never a photo
    already stored for any session (same SHA-256 of the uploaded bytes). The upload is checked and
    re-encoded by checkin.photos (no location or other metadata kept) before anything is written;
    the photo and its thumbnail are stored under generated names (a uuid4), never the uploaded
    name. The class row is locked while counting, so two uploads at once cannot pass the cap.
    Refusals: ValidationError with the codes of checkin.photos, not_class_institution,
    class_not_in_progress, attendance_not_open, attendance_window_closed, photo_limit_reached or
    one_use_per_photo. Side effect: two files written to the default storage (removed again if
    the row is refused)."""
    session = Session.objects.select_related("training_class__policy_year").get(pk=session.pk)
    # The cheap checks first, so that a closed window is said before a photo is decoded.
    _ensure_may_add_photo(session.training_class, session, by=by, now=now, stored=session.photos.count())
    processed = photos.process_photo(upload)
    with transaction.atomic():
        tc = (TrainingClass.objects.select_for_update(of=("self",)).select_related("policy_year")
              .get(pk=session.training_class_id))
        _ensure_may_add_photo(tc, session, by=by, now=now, stored=session.photos.count())
        taken_at = (timezone.make_aware(processed.taken_at, timezone.get_default_timezone())
                    if processed.taken_at else None)
        photo = SessionPhoto(session=session, width=processed.width, height=processed.height,
                             sha256=processed.sha256, taken_at=taken_at, uploaded_by=by, uploaded_at=now)
        if SessionPhoto.objects.filter(sha256=processed.sha256).exists():
            raise _duplicate_photo()
        photo.full_clean(exclude=["image", "thumbnail"])
        name = f"{uuid.uuid4().hex}.jpg"
        photo.image.save(name, ContentFile(processed.image), save=False)
        photo.thumbnail.save(name, ContentFile(processed.thumbnail), save=False)
        try:
            with transaction.atomic():
                photo.save()
        except IntegrityError:  # the same photo stored by a concurrent upload since full_clean
            _delete_files(photo)
            raise _duplicate_photo() from None
        except BaseException:
            _delete_files(photo)
            raise
    return photo


def _delete_files(photo: SessionPhoto) -> None:
    for field in (photo.image, photo.thumbnail):
        if field.name:
            field.storage.delete(field.name)


@transaction.atomic
def record_remote_inspection(training_class: TrainingClass, *, by: User, inspected_on: date, findings: str, follow_up: str = "",
                             is_compliant: bool, today: date) -> Inspection:
    """County HR records a remote inspection (视频调阅, 《实施方案》三(七)) of `training_class`, made
    from its session photos and attendance: an Inspection of method video for the class and its
    institution, with `by` as the inspector. Only county HR; the findings are required and the
    date is not in the future (`today`, Asia/Shanghai). Refusals: ValidationError with code not_hr,
    findings_required, inspected_in_future, or the model's."""
    require_hr(by, action="记录视频调阅(《实施方案》三(七) 视频调阅)")
    if not (findings or "").strip():
        raise ValidationError("请填写检查发现:写明调阅了哪些课次的照片和考勤、看到了什么"
                              "(《实施方案》三(七) 视频调阅)。", code="findings_required")
    if inspected_on > today:
        raise ValidationError("检查日期%(day)s晚于今天:请填写实际调阅的日期(《实施方案》三(七) 视频调阅)。",
                              code="inspected_in_future", params={"day": inspected_on})
    tc = TrainingClass.objects.select_related("institution").get(pk=training_class.pk)
    inspection = Inspection(institution=tc.institution, training_class=tc, inspected_on=inspected_on,
                            method=InspectionMethod.VIDEO, findings=findings.strip(),
                            follow_up=(follow_up or "").strip(), is_compliant=is_compliant, inspector=by)
    inspection.full_clean()
    inspection.save()
    return inspection
