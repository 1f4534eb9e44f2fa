"""A county's week of classes built through the services: clean classes raise nothing, and a
back-filled class, a late-started class and a class with marks but no check-ins raise exactly
their findings (issue 14, 三(七) 系统监测)."""

import datetime
import hashlib
import itertools
import math
import uuid
from contextlib import contextmanager
from datetime import date, time
from decimal import Decimal

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone

from checkin import services as checkin
from checkin.models import SessionPhoto
from courses import services as courses
from courses.models import AttendanceRecord, ClassStatus
from institutions.models import Flag
from reporting.flags import detect_flags
from tests import factories

pytestmark = pytest.mark.django_db

MONDAY = date(2018, 6, 4)
FRIDAY = MONDAY + datetime.timedelta(days=4)
TRAINEES = 8
# The Tuesday after: every window of the Monday-Friday classes has closed (72 hours after Friday
# 18:00); the class running until today is in its morning session, whose window is open.
DETECTED_AT = datetime.datetime(2018, 6, 12, 10, tzinfo=timezone.get_default_timezone())
PHOTO_SERIAL = itertools.count()


def at(day, clock):
    return timezone.make_aware(datetime.datetime.combine(day, clock))


@pytest.fixture(autouse=True)
def own_counters(settings):
    """The check-in rate counters of this test meet no other's (Redis is not rolled back)."""
    settings.CACHES = {"default": {**settings.CACHES["default"], "KEY_PREFIX": f"test-{uuid.uuid4().hex}"}}


@contextmanager
def server_clock(moment):
    """The marks written inside the block carry `moment` as their server time: recorded_at is the
    clock at the write (auto_now), and here the clerk's moment is a day of 2018."""
    before = timezone.now()
    yield
    AttendanceRecord.objects.filter(recorded_at__gte=before).update(recorded_at=moment)


class County:
    """One policy year whose grace period (72 hours) lets a clerk type three days at once."""

    def __init__(self):
        self.year = factories.PolicyYearFactory(year=2018, attendance_grace_hours=72)
        self.officer = factories.hr_user("officer")
        self.addresses = itertools.count(1)

    def open_class(self, start_on, *, days=5, started_on=None):
        """An approved class of `days` days (08:30 and 14:00, 4 class hours each), its roster
        enrolled a week before, started on `started_on` (its planned start unless said), with the
        sessions from that day scheduled."""
        end_on = start_on + datetime.timedelta(days=days - 1)
        tc = factories.class_application(
            policy_year=self.year, planned_start_on=start_on, planned_end_on=end_on, planned_days=days,
            total_hours=8 * days, practical_hours=math.ceil(8 * days * 0.7))
        tc.clerk = factories.institution_user(tc.institution, username=f"clerk-{tc.pk}")
        courses.submit_class_application(tc, by=tc.clerk)
        courses.approve_class(tc, by=self.officer)
        for person in factories.TraineeFactory.create_batch(TRAINEES):
            courses.enrol_trainee(tc, by=tc.clerk, today=start_on - datetime.timedelta(days=7),
                                  id_number=person.id_number)
        started_on = started_on or start_on
        courses.start_class(tc, by=tc.clerk, today=started_on)
        tc.roster = list(tc.enrolments.select_related("trainee").order_by("pk"))
        tc.held = []
        for i in range(days):
            day = start_on + datetime.timedelta(days=i)
            if day >= started_on:
                for clock, kind in self.day_plan(i):
                    tc.held.append(courses.schedule_session(tc, by=tc.clerk, held_on=day, hours=Decimal(4), kind=kind,
                                                            starts_at=clock, today=started_on))
        return tc

    @staticmethod
    def day_plan(index):
        # Theory the first two mornings, practice otherwise: 80 % practical (R4, R22).
        return [(time(8, 30), "theory" if index < 2 else "practical"), (time(14), "practical")]

    def photograph(self, session, by):
        """A photo uploaded ten minutes into the session."""
        serial = next(PHOTO_SERIAL)
        data = f"课堂照片{serial}".encode()
        SessionPhoto.objects.create(
            session=session, image=ContentFile(data, name=f"p{serial}.jpg"),
            thumbnail=ContentFile(data, name=f"t{serial}.jpg"), width=1, height=1,
            sha256=hashlib.sha256(data).hexdigest(), uploaded_by=by,
            uploaded_at=at(session.held_on, session.starts_at) + datetime.timedelta(minutes=10))

    def check_in(self, session, enrolments):
        """The trainees check in on their phones in the session's first minutes, each from their
        own address, with the code on the clerk's screen."""
        for i, enrolment in enumerate(enrolments):
            now = at(session.held_on, session.starts_at) + datetime.timedelta(minutes=1 + i)
            n = next(self.addresses)
            result = checkin.check_in(code=checkin.current_code(session, now=now), name=enrolment.trainee.name,
                                      id_ending=enrolment.trainee.id_number[-4:], address=f"10.0.{n // 250}.{n % 250}",
                                      now=now)
            assert result.created

    @staticmethod
    def marks(tc, absent=()):
        return {e.pk: "缺" if e.pk in absent else "到" for e in tc.roster}

    def mark(self, tc, session, moment, absent=()):
        with server_clock(moment):
            courses.record_attendance(session, by=tc.clerk, now=moment, marks=self.marks(tc, absent))

    def hold(self, tc, session, *, mark_at=None, absent=(), photo=True, check_ins=True):
        """A session as it happens: a photo, check-ins of the present trainees but one who forgets,
        and the marks at `mark_at` (twenty minutes in unless said; none yet with mark_at=False)."""
        if photo:
            self.photograph(session, tc.clerk)
        if check_ins:
            present = [e for e in tc.roster if e.pk not in absent]
            self.check_in(session, present[:-1])
        if mark_at is not False:
            self.mark(tc, session, mark_at or at(session.held_on, session.starts_at) + datetime.timedelta(minutes=20),
                      absent)


def absent_once(tc, index):
    """The trainee who misses the `index`-th session (a real class has absences)."""
    return {tc.held[index]: (tc.roster[-1].pk,)}


@pytest.fixture
def county(db):
    return County()


def build(county):
    classes = {}

    # Clean: marked during each session, photos, most trainees checked in; one absence.
    tc = classes["clean_during"] = county.open_class(MONDAY)
    absences = absent_once(tc, 3)
    for s in tc.held:
        county.hold(tc, s, absent=absences.get(s, ()))
    courses.complete_class(tc, by=tc.clerk, today=FRIDAY)

    # Clean: the clerk marks the morning and the afternoon together at the end of each day.
    tc = classes["clean_end_of_day"] = county.open_class(MONDAY)
    absences = absent_once(tc, 6)
    for s in tc.held:
        county.hold(tc, s, mark_at=at(s.held_on, time(18, 10)), absent=absences.get(s, ()))
    courses.complete_class(tc, by=tc.clerk, today=FRIDAY)

    # Clean and still running: its session this morning has marks, but no photo or check-in yet
    # (its window is open, so nothing is missing).
    tc = classes["clean_running"] = county.open_class(FRIDAY)
    absences = absent_once(tc, 1)
    for s in tc.held[:-2]:
        county.hold(tc, s, absent=absences.get(s, ()))
    this_morning = tc.held[-2]
    assert at(this_morning.held_on, this_morning.starts_at) < DETECTED_AT
    county.hold(tc, this_morning, photo=False, check_ins=False)

    # Back-filled: photos and check-ins during the sessions, but the marks of Monday to Wednesday
    # typed on Wednesday evening and those of Thursday and Friday on Friday evening, all within
    # the 72-hour grace period.
    tc = classes["backfilled"] = county.open_class(MONDAY)
    absences = absent_once(tc, 2)
    for s in tc.held:
        county.hold(tc, s, mark_at=False, absent=absences.get(s, ()))
    for i, s in enumerate(tc.held):
        evening = MONDAY + datetime.timedelta(days=2 if i < 6 else 4)
        county.mark(tc, s, at(evening, time(18, 30 + i)), absences.get(s, ()))
    courses.complete_class(tc, by=tc.clerk, today=FRIDAY)

    # Late-started: started on Tuesday; Friday evening the clerk asks to add Monday's two
    # sessions and their marks (paper sign-in sheets), county HR approves. Those sessions have
    # no photo and no check-in; the others are held as usual.
    tc = classes["late_started"] = county.open_class(MONDAY, started_on=MONDAY + datetime.timedelta(days=1))
    absences = absent_once(tc, 4)
    for s in tc.held:
        county.hold(tc, s, absent=absences.get(s, ()))
    evening = at(FRIDAY, time(19))
    for clock, kind in county.day_plan(0):
        added = courses.request_session_correction(
            tc, by=tc.clerk, now=evening, held_on=MONDAY, hours=Decimal(4), kind=kind, starts_at=clock,
            reason="开班手续延误,周一已按计划上课,有纸质签到表")
        added = courses.approve_attendance_correction(added, by=county.officer, now=evening)
        marks = courses.request_attendance_correction(
            added.session, by=tc.clerk, now=evening, marks=county.marks(tc), reason="补录周一纸质签到表的考勤")
        with server_clock(evening):
            courses.approve_attendance_correction(marks, by=county.officer, now=evening)
    courses.complete_class(tc, by=tc.clerk, today=FRIDAY)

    # Marks but no check-ins: photos, marks during the sessions, nobody checked in.
    tc = classes["no_check_ins"] = county.open_class(MONDAY)
    absences = absent_once(tc, 5)
    for s in tc.held:
        county.hold(tc, s, check_ins=False, absent=absences.get(s, ()))
    courses.complete_class(tc, by=tc.clerk, today=FRIDAY)

    for tc in classes.values():
        tc.refresh_from_db()
    return classes


def test_the_dataset_raises_exactly_the_planted_findings(county):
    classes = build(county)
    assert [c.status for c in classes.values()] == [
        ClassStatus.COMPLETED, ClassStatus.COMPLETED, ClassStatus.IN_PROGRESS, ClassStatus.COMPLETED,
        ClassStatus.COMPLETED, ClassStatus.COMPLETED]

    detect_flags(now=DETECTED_AT)

    by_class = {name: set() for name in classes}
    names = {str(tc.pk): name for name, tc in classes.items()}
    for kind, key in Flag.objects.values_list("kind", "key"):
        by_class[names[key]].add(kind)
    assert by_class == {
        "clean_during": set(),
        "clean_end_of_day": set(),
        "clean_running": set(),
        # Three dates typed in one sitting on Wednesday evening.
        "backfilled": {"backfilled_attendance"},
        # 16 of its 80 marks came from corrections (20 % > 10 %), and Monday's two sessions have no
        # photo; its check-ins stay above half (55 of the 79 present marks).
        "late_started": {"correction_share", "sessions_without_photo"},
        "no_check_ins": {"few_check_ins"},
    }
    summaries = {(names[f.key], f.kind): f.summary for f in Flag.objects.all()}
    backfilled, late, silent = classes["backfilled"], classes["late_started"], classes["no_check_ins"]
    assert summaries["backfilled", "backfilled_attendance"] == (
        f"{backfilled.code}:3个不同日期课次的考勤在2018-06-06 18:30至18:35一次录入")
    assert summaries["late_started", "correction_share"] == (
        f"{late.code}经批准更正录入的考勤16条,占全部80条的20.0%(上限10.0%)")
    assert summaries["late_started", "sessions_without_photo"] == f"{late.code}有2个已结束的课次没有现场照片"
    assert summaries["no_check_ins", "few_check_ins"] == (
        f"{silent.code}已结束课次的考勤记出勤79人次,本人自助签到的只有0人次(0.0%,下限50.0%)")
    assert {f.institution_id for f in Flag.objects.all()} == {backfilled.institution_id, late.institution_id,
                                                              silent.institution_id}

    assert detect_flags(now=DETECTED_AT) == 0
    # Once the running class's morning window has closed without its photo, that is a finding.
    running = classes["clean_running"]
    assert detect_flags(now=DETECTED_AT + datetime.timedelta(days=4)) == 1
    assert Flag.objects.filter(kind="sessions_without_photo", key=str(running.pk)).exists()
