"""The rules of self check-in (issue 14: a trainee checks in on their own phone during a session;
the check-in is evidence beside the clerk's mark, 《实施方案》三(七) 实时监控、严格考勤) and of class
photos (the clerk's photos of a session, for county HR's remote inspection, 三(七) 视频调阅; what a
photo file may be is checkin.photos).

Pure functions: plain values in, values out, ValidationError(code=...) on refusal. No ORM, no
clock (the moment is passed in), no settings (the secret is passed in).
"""

import hashlib
import hmac
import re
import unicodedata
from datetime import date, datetime, time, timedelta, tzinfo
from decimal import Decimal

from django.core.exceptions import ValidationError

from courses.policy import AttendanceWindow, is_attendance_open

# Letters and digits nobody confuses when reading them off a screen: no 0/O, 1/I/L.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 6
# The code on the clerk's screen changes every STEP_SECONDS; the one just replaced still works,
# so a trainee who read it a moment before the change is not refused.
STEP_SECONDS = 5 * 60
# A class hour (课时) of 45 minutes with its break: a 4-hour session starting 08:30 ends 12:30.
MINUTES_PER_CLASS_HOUR = 60
# Rate limits, per client address and per code typed, counted per minute: high enough for a whole
# class (at most 50, 三(五)) behind one classroom Wi-Fi address, low enough that guessing names and
# ID endings is hopeless.
ATTEMPTS_PER_ADDRESS_PER_MINUTE = 60
ATTEMPTS_PER_CODE_PER_MINUTE = 120

# The one answer for every refusal about the person, so that it never tells who is enrolled:
# not on the roster, withdrawn, wrong name and wrong ID ending all read the same.
NOT_MATCHED = ("签到未成功:姓名或身份证号后4位与本课次名册不一致。请核对后重新输入;"
               "仍不成功的,请向培训机构老师当面登记考勤。")


def time_step(moment: datetime) -> int:
    return int(moment.timestamp()) // STEP_SECONDS


def step_ends_at(step: int, tz: tzinfo) -> datetime:
    return datetime.fromtimestamp((step + 1) * STEP_SECONDS, tz)


def rotating_code(*, secret: str, session_id: int, step: int) -> str:
    """The code of a session for one time step: HMAC-SHA256 of the session and the step under the
    site's secret, written in CODE_LENGTH letters of CODE_ALPHABET. Nobody can compute another
    session's code, or a later one, from the codes they have seen."""
    digest = hmac.new(secret.encode(), f"checkin:{session_id}:{step}".encode(), hashlib.sha256).digest()
    number = int.from_bytes(digest, "big")
    letters = []
    for _ in range(CODE_LENGTH):
        number, index = divmod(number, len(CODE_ALPHABET))
        letters.append(CODE_ALPHABET[index])
    return "".join(letters)


def is_code_current(*, code: str, secret: str, session_id: int, step: int) -> bool:
    """The current step's code and the previous one are accepted."""
    return any(hmac.compare_digest(code, rotating_code(secret=secret, session_id=session_id, step=s))
               for s in (step, step - 1))


def _fold(text: str) -> str:
    # Phones type full-width characters with a Chinese input method: １２３Ｘ is 123X.
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text or ""))


def normalise_code(text: str) -> str:
    code = _fold(text).upper().replace("-", "")
    if len(code) != CODE_LENGTH or any(c not in CODE_ALPHABET for c in code):
        raise ValidationError("签到码是6位字母和数字,请按老师屏幕上显示的重新输入,或直接扫描二维码。",
                              code="code_malformed")
    return code


def normalise_name(text: str) -> str:
    name = _fold(text)
    if not name:
        raise ValidationError("请填写您的姓名(与身份证一致)。", code="name_required")
    return name


def normalise_id_ending(text: str) -> str:
    ending = _fold(text).upper()
    if not re.fullmatch(r"[0-9]{3}[0-9X]", ending):
        raise ValidationError("请填写身份证号的最后4位(数字,最后一位可能是X)。", code="id_ending_malformed")
    return ending


def session_window(*, held_on: date, starts_at: time | None, hours: Decimal, tz: tzinfo) -> tuple[datetime, datetime]:
    """When a session is on (Asia/Shanghai): from its start for its hours; a session without a start
    time is on all its day."""
    if starts_at is None:
        start = datetime.combine(held_on, time.min, tz)
        return start, start + timedelta(days=1)
    start = datetime.combine(held_on, starts_at, tz)
    return start, start + timedelta(minutes=float(hours) * MINUTES_PER_CLASS_HOUR)


def is_within(*, moment: datetime, window: tuple[datetime, datetime]) -> bool:
    return window[0] <= moment < window[1]


def ensure_not_throttled(*, address_attempts: int, code_attempts: int) -> None:
    if address_attempts > ATTEMPTS_PER_ADDRESS_PER_MINUTE or code_attempts > ATTEMPTS_PER_CODE_PER_MINUTE:
        raise ValidationError("尝试次数太多,请1分钟后再试;如急需签到,请向培训机构老师当面登记考勤。",
                              code="too_many_attempts")


# --- Class photos (现场照片, 三(七) 视频调阅) ----------------------------------------------------

# Enough for the start, the middle and the end of a session from a few angles; more is noise for
# HR's remote inspection and storage the county pays for.
MAX_PHOTOS_PER_SESSION = 12
PHOTO_CLAUSE = "《实施方案》三(七) 实时监控、视频调阅"


def ensure_photo_window_open(*, now: datetime, window: AttendanceWindow) -> None:
    """R20 (三(七) 实时监控): a photo of a session is evidence only if taken while it happens, so it
    is accepted in the session's attendance window (courses.policy.attendance_window: from its
    start until the year's grace period after its end), `now` and the window in county wall-clock
    time. The refusal codes are those of the marks; the texts say what to do about a photo."""
    if is_attendance_open(now=now, window=window):
        return
    if now < window.opens_at:
        raise ValidationError(
            "本课次%(opens)s开始,开始后才能上传现场照片(" + PHOTO_CLAUSE + "):请在上课时拍摄并上传。",
            code="attendance_not_open", params={"opens": f"{window.opens_at:%Y-%m-%d %H:%M}"},
        )
    raise ValidationError(
        "本课次现场照片已于%(closes)s截止上传(" + PHOTO_CLAUSE + "):照片须在上课期间或课后规定时间内上传,"
        "截止后不能补传。确有特殊情况的,请向县人社局书面说明。",
        code="attendance_window_closed", params={"closes": f"{window.closes_at:%Y-%m-%d %H:%M}"},
    )


def ensure_photo_slot(*, stored: int) -> None:
    """At most MAX_PHOTOS_PER_SESSION photos per session (三(七) 视频调阅)."""
    if stored >= MAX_PHOTOS_PER_SESSION:
        raise ValidationError(
            "本课次已上传%(max)d张现场照片,已达上限(" + PHOTO_CLAUSE + "):每课次最多%(max)d张,已上传的照片"
            "作为佐证不能删除或替换。",
            code="photo_limit_reached", params={"max": MAX_PHOTOS_PER_SESSION},
        )
