"""The attendance checks of 三(七) 系统监测: back-filled marks, too many corrections, sessions
without a photo and present marks without check-ins, each at its boundaries, raised once per
class with its figures and a link to the class."""

import datetime
import hashlib
import itertools
from datetime import date, time
from decimal import Decimal

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone

from checkin.models import CheckIn, SessionPhoto
from courses.models import AttendanceCorrection, AttendanceRecord, ClassStatus, CorrectionStatus
from institutions.models import Flag
from reporting.flags import detect_flags
from tests import factories

pytestmark = pytest.mark.django_db

MONDAY = date(2018, 6, 4)
# Every session below is on or before 6-8; their windows (24 hours after the end) closed long before.
LATER = datetime.datetime(2018, 7, 1, 9, tzinfo=timezone.get_default_timezone())
PHOTO_SERIAL = itertools.count()


def at(day, hour, minute=0, second=0):
    """An aware moment on the county's clock (Asia/Shanghai)."""
    return timezone.make_aware(datetime.datetime.combine(day, time(hour, minute, second)))


@pytest.fixture
def year(db):
    return factories.PolicyYearFactory(year=2018)


@pytest.fixture
def hr_user(db):
    return factories.hr_user("monitor")


def make_class(year, trainees=12, status=ClassStatus.IN_PROGRESS):
    training_class = factories.TrainingClassFactory(policy_year=year, status=status)
    training_class.roster = factories.EnrolmentFactory.create_batch(trainees, training_class=training_class)
    return training_class


def session(training_class, day, starts_at=time(8, 30), hours=4):
    """A session of 4 class hours: from 08:30 it ends 12:30 and its marks close a day later."""
    return factories.SessionFactory(training_class=training_class, held_on=day, starts_at=starts_at,
                                    hours=Decimal(hours))


def enter(sess, moment, *, enrolments=None, absent=0, correction=None):
    """The session's marks as recorded at `moment` (server time): the first `absent` trainees absent."""
    enrolments = sess.training_class.roster if enrolments is None else enrolments
    AttendanceRecord.objects.bulk_create(
        AttendanceRecord(enrolment=e, session=sess, is_present=i >= absent, correction=correction)
        for i, e in enumerate(enrolments))
    # recorded_at is the server's clock (auto_now): set it to the moment the clerk acted.
    AttendanceRecord.objects.filter(session=sess, enrolment__in=enrolments).update(recorded_at=moment)


def approved_correction(sess, by):
    return AttendanceCorrection.objects.create(
        training_class=sess.training_class, session=sess, marks={}, reason="当天系统故障,纸质签到表补录",
        status=CorrectionStatus.APPROVED, requested_by=by, requested_at=at(sess.held_on, 20),
        decided_by=by, decided_at=at(sess.held_on, 21))


def photo(sess, by):
    serial = next(PHOTO_SERIAL)
    data = f"photo-{serial}".encode()
    return SessionPhoto.objects.create(
        session=sess, image=ContentFile(data, name=f"p{serial}.jpg"), thumbnail=ContentFile(data, name=f"t{serial}.jpg"),
        width=1, height=1, sha256=hashlib.sha256(data).hexdigest(), uploaded_by=by,
        uploaded_at=at(sess.held_on, 9))


def check_in(sess, enrolments):
    CheckIn.objects.bulk_create(CheckIn(session=sess, enrolment=e, checked_in_at=at(sess.held_on, 8, 35))
                                for e in enrolments)


def raised(kind):
    return {flag.key: flag for flag in Flag.objects.filter(kind=kind)}


def key(training_class):
    return str(training_class.pk)


# --- 补录考勤 ------------------------------------------------------------------------------------

def test_marks_recorded_once_the_window_closed_are_backfilled(year):
    """A mark recorded at the moment the window closes is late (R20 accepts marks only before it);
    one recorded a second earlier is not."""
    in_time, late = make_class(year, trainees=2), make_class(year, trainees=2)
    # 08:30-12:30 on Monday: the window closes on Tuesday at 12:30.
    enter(session(in_time, MONDAY), at(MONDAY + datetime.timedelta(days=1), 12, 29, 59))
    enter(session(late, MONDAY), at(MONDAY + datetime.timedelta(days=1), 12, 30))
    detect_flags(now=LATER)
    flags = raised("backfilled_attendance")
    assert set(flags) == {key(late)}
    flag = flags[key(late)]
    assert flag.summary == f"{late.code}:1个课次的考勤在录入期限(课次结束后24小时)过后才录入,且不是经批准的更正"
    assert flag.evidence_url == reverse("admin:courses_trainingclass_change", args=[late.pk])
    assert flag.institution == late.institution


def test_marks_written_late_by_an_approved_correction_are_not_backfilled(year, hr_user):
    training_class = make_class(year, trainees=2)
    sess = session(training_class, MONDAY)
    enter(sess, at(MONDAY, 18, 0), correction=approved_correction(sess, hr_user))
    detect_flags(now=LATER)
    assert raised("backfilled_attendance") == {}


def test_three_dates_entered_within_the_sitting_are_backfilled(year):
    """With a long grace period (10 days), sessions of three dates typed within 30 minutes of one
    another are back-filled; 30 minutes and a second apart they are two sittings."""
    year.attendance_grace_hours = 240
    year.save()
    sitting, apart = make_class(year, trainees=2), make_class(year, trainees=2)
    friday = MONDAY + datetime.timedelta(days=4)
    for i in range(3):
        enter(session(sitting, MONDAY + datetime.timedelta(days=i)), at(friday, 17, 15 * i))
        enter(session(apart, MONDAY + datetime.timedelta(days=i)), at(friday, 17, 15 * i, 1 if i == 2 else 0))
    detect_flags(now=LATER)
    flags = raised("backfilled_attendance")
    assert set(flags) == {key(sitting)}
    assert flags[key(sitting)].summary == f"{sitting.code}:3个不同日期课次的考勤在2018-06-08 17:00至17:30一次录入"


def test_sessions_of_one_date_entered_together_count_as_one_date(year):
    """A morning and an afternoon session marked together at the end of their day, day after day,
    raise nothing; even in one sitting, four sessions of two dates are two dates, not four."""
    year.attendance_grace_hours = 240
    year.save()
    daily, two_dates = make_class(year, trainees=2), make_class(year, trainees=2)
    for i in range(5):
        day = MONDAY + datetime.timedelta(days=i)
        for starts_at in (time(8, 30), time(14)):
            enter(session(daily, day, starts_at), at(day, 18, 10))
    for i in range(2):
        day = MONDAY + datetime.timedelta(days=i)
        for starts_at in (time(8, 30), time(14)):
            enter(session(two_dates, day, starts_at), at(MONDAY + datetime.timedelta(days=1), 18, 10))
    detect_flags(now=LATER)
    assert raised("backfilled_attendance") == {}
    # The year decides how many dates make a sitting suspicious.
    year.backfill_min_days = 2
    year.save()
    detect_flags(now=LATER)
    assert set(raised("backfilled_attendance")) == {key(two_dates)}


def test_a_sheet_edited_later_in_the_sitting_counts_its_last_entry(year):
    """A sheet entered on time and changed with two other dates' sheets in one sitting is part of it."""
    year.attendance_grace_hours = 240
    year.save()
    training_class = make_class(year, trainees=2)
    first, second, third = (session(training_class, MONDAY + datetime.timedelta(days=i)) for i in range(3))
    enter(first, at(MONDAY, 9))
    AttendanceRecord.objects.filter(session=first, enrolment=training_class.roster[0]).update(
        recorded_at=at(MONDAY + datetime.timedelta(days=3), 19))
    enter(second, at(MONDAY + datetime.timedelta(days=3), 19, 5))
    enter(third, at(MONDAY + datetime.timedelta(days=3), 19, 10))
    detect_flags(now=LATER)
    assert set(raised("backfilled_attendance")) == {key(training_class)}


# --- 考勤更正过多 --------------------------------------------------------------------------------

def corrected_class(year, by, *, trainees, sessions, corrected_marks):
    """A class whose first `corrected_marks` marks (session by session) came from approved corrections."""
    training_class = make_class(year, trainees=trainees)
    left = corrected_marks
    for i in range(sessions):
        sess = session(training_class, MONDAY + datetime.timedelta(days=i // 2), time(8, 30) if i % 2 == 0 else time(14))
        n = min(left, trainees)
        left -= n
        if n:
            enter(sess, at(sess.held_on, 20), enrolments=training_class.roster[:n],
                  correction=approved_correction(sess, by))
        enter(sess, at(sess.held_on, 15 if i % 2 == 0 else 17), enrolments=training_class.roster[n:])
    return training_class


def test_corrections_above_the_share_are_raised(year, hr_user):
    """10 corrected marks of 100 (10 %) are within the year's 10 %; 11 of 100 are above."""
    at_limit = corrected_class(year, hr_user, trainees=10, sessions=10, corrected_marks=10)
    above = corrected_class(year, hr_user, trainees=10, sessions=10, corrected_marks=11)
    detect_flags(now=LATER)
    flags = raised("correction_share")
    assert set(flags) == {key(above)}
    assert flags[key(above)].summary == f"{above.code}经批准更正录入的考勤11条,占全部100条的11.0%(上限10.0%)"
    assert flags[key(above)].evidence_url == reverse("admin:courses_trainingclass_change", args=[above.pk])
    assert key(at_limit) not in flags


def test_a_small_class_is_judged_from_fifty_marks(year, hr_user):
    """A tiny class with one corrected session is not judged: 49 marks are too few (7 corrected,
    14 %); 50 are enough (6 corrected, 12 %)."""
    tiny = corrected_class(year, hr_user, trainees=7, sessions=7, corrected_marks=7)
    enough = corrected_class(year, hr_user, trainees=5, sessions=10, corrected_marks=6)
    detect_flags(now=LATER)
    assert AttendanceRecord.objects.filter(session__training_class=tiny).count() == 49
    flags = raised("correction_share")
    assert set(flags) == {key(enough)}
    assert flags[key(enough)].summary.endswith("考勤6条,占全部50条的12.0%(上限10.0%)")


def test_the_share_is_the_years(year, hr_user):
    corrected_class(year, hr_user, trainees=10, sessions=10, corrected_marks=20)
    year.max_correction_share = Decimal("0.20")
    year.save()
    detect_flags(now=LATER)
    assert raised("correction_share") == {}


# --- 课次无现场照片 ------------------------------------------------------------------------------

def test_a_session_without_photo_is_raised_once_its_window_closed(year, hr_user):
    """Monday 08:30-12:30: until Tuesday 12:30 the photo may still come; from then on it is missing.
    A session with its photo, and one without marks, raise nothing."""
    training_class, pictured = make_class(year, trainees=2), make_class(year, trainees=2)
    enter(session(training_class, MONDAY), at(MONDAY, 9))
    session(training_class, MONDAY, time(14))  # no marks yet: nothing to check
    photographed = session(pictured, MONDAY)
    enter(photographed, at(MONDAY, 9))
    photo(photographed, hr_user)
    tuesday = MONDAY + datetime.timedelta(days=1)
    detect_flags(now=at(tuesday, 12, 29, 59))
    assert raised("sessions_without_photo") == {}
    detect_flags(now=at(tuesday, 12, 30))
    flags = raised("sessions_without_photo")
    assert set(flags) == {key(training_class)}
    assert flags[key(training_class)].summary == f"{training_class.code}有1个已结束的课次没有现场照片"
    assert flags[key(training_class)].evidence_url == reverse("admin:courses_trainingclass_change",
                                                              args=[training_class.pk])


def test_photos_per_session_is_the_years_and_zero_does_not_check(year, hr_user):
    training_class = make_class(year, trainees=2)
    for day in (MONDAY, MONDAY + datetime.timedelta(days=1)):
        sess = session(training_class, day)
        enter(sess, at(day, 9))
        photo(sess, hr_user)
    year.photos_per_session = 0
    year.save()
    detect_flags(now=LATER)
    assert raised("sessions_without_photo") == {}
    year.photos_per_session = 2
    year.save()
    detect_flags(now=LATER)
    assert raised("sessions_without_photo")[key(training_class)].summary == (
        f"{training_class.code}有2个已结束的课次现场照片少于2张")


# --- 出勤多而签到少 ------------------------------------------------------------------------------

def test_present_marks_without_check_ins_below_half_are_raised(year):
    """Of 10 present marks, 5 checked in is half (not below); 4 is below. Absent marks and a
    check-in of an absent trainee do not count."""
    half, below = make_class(year, trainees=11), make_class(year, trainees=11)
    for training_class, checked in ((half, 5), (below, 4)):
        sess = session(training_class, MONDAY)
        enter(sess, at(MONDAY, 9), absent=1)
        check_in(sess, training_class.roster[:1 + checked])  # the absent trainee's check-in is not a present one
    detect_flags(now=LATER)
    flags = raised("few_check_ins")
    assert set(flags) == {key(below)}
    assert flags[key(below)].summary == (
        f"{below.code}已结束课次的考勤记出勤10人次,本人自助签到的只有4人次(40.0%,下限50.0%)")


def test_check_ins_are_judged_from_ten_present_marks_of_closed_sessions(year):
    """9 present marks without a check-in are too few to judge; 10 are enough. A session whose
    window is still open is not judged yet."""
    nine, ten = make_class(year, trainees=9), make_class(year, trainees=10)
    enter(session(nine, MONDAY), at(MONDAY, 9))
    enter(session(ten, MONDAY), at(MONDAY, 9))
    tuesday = MONDAY + datetime.timedelta(days=1)
    detect_flags(now=at(tuesday, 12, 29, 59))
    assert raised("few_check_ins") == {}
    detect_flags(now=at(tuesday, 12, 30))
    assert set(raised("few_check_ins")) == {key(ten)}


def test_check_in_share_zero_does_not_check(year):
    training_class = make_class(year, trainees=12)
    enter(session(training_class, MONDAY), at(MONDAY, 9))
    year.min_check_in_share = Decimal("0")
    year.save()
    detect_flags(now=LATER)
    assert raised("few_check_ins") == {}


# --- Once per finding, a few queries for the whole county ---------------------------------------

def test_each_finding_is_raised_once_and_never_again(year, hr_user):
    """A second run adds nothing, and a class that gets worse keeps its one finding."""
    training_class = make_class(year, trainees=12)
    enter(session(training_class, MONDAY), at(MONDAY, 9) + datetime.timedelta(days=3))
    assert detect_flags(now=LATER) == 3
    assert sorted(Flag.objects.values_list("kind", flat=True)) == [
        "backfilled_attendance", "few_check_ins", "sessions_without_photo"]
    assert detect_flags(now=LATER) == 0
    enter(session(training_class, MONDAY + datetime.timedelta(days=1)), at(MONDAY, 9) + datetime.timedelta(days=4))
    assert detect_flags(now=LATER) == 0
    assert Flag.objects.count() == 3


def test_the_evidence_link_opens_the_class_for_hr(year, hr_user, client):
    training_class = make_class(year, trainees=2)
    enter(session(training_class, MONDAY), at(MONDAY, 9))
    detect_flags(now=LATER)
    client.force_login(hr_user)
    flag = Flag.objects.get(kind="sessions_without_photo")
    response = client.get(flag.evidence_url)
    assert response.status_code == 200 and training_class.code in response.content.decode()


def bad_classes(year, by, count):
    """`count` times two classes without photos or check-ins: one with late marks, one with many
    corrections (three findings each)."""
    for _ in range(count):
        late = make_class(year, trainees=12)
        enter(session(late, MONDAY), at(MONDAY, 9) + datetime.timedelta(days=3))
        corrected_class(year, by, trainees=10, sessions=10, corrected_marks=30)


def test_detect_flags_runs_the_same_few_queries_whatever_the_number_of_classes(
        year, hr_user, django_assert_num_queries):
    bad_classes(year, hr_user, 1)
    with django_assert_num_queries(QUERIES):
        assert detect_flags(now=LATER) == 6
    bad_classes(year, hr_user, 3)
    with django_assert_num_queries(QUERIES):
        assert detect_flags(now=LATER) == 18


# The known findings, the nine earlier checks (11 queries when no phone is shared), the four
# attendance checks (the years and one grouped query each, two for the check-ins), the employer
# check (the years, the distinct credit codes, the records without a valid one), the employment
# recorded in advance (one), the lower level after a higher certificate (two), the person paid in
# two counties (one; a second only for the people found), the insert, and the savepoint and its
# release around the run.
QUERIES = 31
