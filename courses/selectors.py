"""Which classes and roster rows a user may see (SPEC.md §1), and the figures of a class."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, cast

from django.db.models import Count, F, Q
from django.db.models.functions import Coalesce

from accounts.scope import scope_of
from courses.models import AttendanceRecord, Enrolment, Occupation, Session, TrainingClass, Voucher
from courses.policy import (
    LIVE_STATUSES,
    RUNNING_STATUSES,
    SUBSIDISED_STATUSES,
    PriorTraining,
    attendance_standing,
    level_rank,
)
from trainees.models import Trainee

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User
    from django.db.models import QuerySet

    from courses.policy import AttendanceStanding
    from programme.policy import PolicyParams

# A class's roster, sessions and marks by (enrolment id, session id), as AttendanceSheet loads them.
_Loaded = tuple[list[Enrolment], list[Session], dict[tuple[int, int], AttendanceRecord]]

# An evaluation body sees classes that run or ran, never applications or cancelled ones.
EVALUATED_STATUSES = LIVE_STATUSES


def classes_visible_to(user: User | AnonymousUser) -> QuerySet[TrainingClass]:
    """HR: every class. Institution: its own. Township: classes with one of its trainees on the
    roster. Evaluation body: approved, running or finished classes of occupations covered by its
    published evaluation plans."""
    scope = scope_of(user)
    classes = TrainingClass.objects.all()
    if scope.reads_area:
        return classes.filter(scope.area("county"))
    if scope.is_institution:
        return classes.filter(institution_id=scope.institution_id)
    # Subqueries rather than joins with DISTINCT, so callers can annotate counts safely.
    if scope.is_township:
        return classes.filter(
            # A township user always has a township (accounts_userprofile_role_matches_party).
            pk__in=Enrolment.objects.filter(trainee__township_id=cast(int, scope.township_id))
            .values("training_class_id")
        )
    if scope.is_evaluator:
        # The occupations of the body's published plans, through the plans' relation to the
        # catalogue (the plans themselves belong to certification, a layer above).
        covered = Occupation.objects.filter(
            evaluation_plans__evaluation_body_id=scope.evaluation_body_id,
            evaluation_plans__published_on__isnull=False,
        ).values("pk")
        return classes.filter(occupation_id__in=covered, status__in=EVALUATED_STATUSES)
    return classes.none()


def enrolments_visible_to(user: User | AnonymousUser) -> QuerySet[Enrolment]:
    """Roster rows: HR all; institution its classes'; township its trainees'; evaluation body
    those of the classes it may evaluate."""
    scope = scope_of(user)
    enrolments = Enrolment.objects.all()
    if scope.reads_area:
        return enrolments.filter(scope.area("training_class__county"))
    if scope.is_institution:
        return enrolments.filter(training_class__institution_id=scope.institution_id)
    if scope.is_township:
        return enrolments.filter(trainee__township_id=cast(int, scope.township_id))
    if scope.is_evaluator:
        return enrolments.filter(training_class__in=classes_visible_to(user))
    return enrolments.none()


class AttendanceSheet:
    """A class's roster, sessions and marks, loaded in three queries, with the attendance of
    R3 worked out over every scheduled session (not only those held so far).

    While the class is approved or running, whether a trainee can still reach the threshold is
    judged against the class's planned total hours (R3, R21), never the fewer sessions scheduled
    so far; once completed (or with `judge_against_plan=False`, as completion computes the final
    rates) only the delivered sessions count."""

    def __init__(self, training_class: TrainingClass, *, loaded: _Loaded | None = None,
                 judge_against_plan: bool | None = None) -> None:
        self.training_class = training_class
        if loaded is None:
            loaded = self._load([training_class])[training_class.pk]
        self.enrolments, self.sessions, self.marks = loaded
        self.scheduled_hours = sum((s.hours for s in self.sessions), Decimal(0))
        if judge_against_plan is None:
            judge_against_plan = training_class.status in RUNNING_STATUSES
        self.planned_hours = Decimal(training_class.total_hours or 0) if judge_against_plan else Decimal(0)

    @classmethod
    def for_classes(cls, classes: Iterable[TrainingClass]) -> list[AttendanceSheet]:
        """One sheet per class, all loaded in the same three queries however many classes."""
        classes = list(classes)
        loaded = cls._load(classes)
        return [cls(training_class, loaded=loaded[training_class.pk]) for training_class in classes]

    @staticmethod
    def _load(classes: Iterable[TrainingClass]) -> dict[int, _Loaded]:
        ids = [c.pk for c in classes]
        loaded: dict[int, _Loaded] = {pk: ([], [], {}) for pk in ids}
        for enrolment in (Enrolment.objects.filter(training_class_id__in=ids)
                          .select_related("trainee__township").order_by("is_withdrawn", "pk")):
            loaded[enrolment.training_class_id][0].append(enrolment)
        for session in Session.objects.filter(training_class_id__in=ids).order_by("held_on", "starts_at", "pk"):
            loaded[session.training_class_id][1].append(session)
        for mark in (AttendanceRecord.objects.filter(session__training_class_id__in=ids)
                     .only("pk", "enrolment_id", "session_id", "is_present", "hours_present", "correction_id")
                     .annotate(class_id=F("session__training_class_id"))):
            loaded[mark.class_id][2][(mark.enrolment_id, mark.session_id)] = mark
        return loaded

    @property
    def active_enrolments(self) -> list[Enrolment]:
        return [e for e in self.enrolments if not e.is_withdrawn]

    def roster_for(self, session: Session) -> list[Enrolment]:
        """Who is marked for `session`: everyone enrolled, except those withdrawn before its day."""
        # A withdrawn enrolment has its date (courses_enrolment_withdrawal_dated).
        return [e for e in self.enrolments if not e.is_withdrawn or cast(date, e.withdrawn_on) >= session.held_on]

    def unrecorded(self) -> int:
        """Marks still missing for the active trainees over the sessions already scheduled."""
        return sum(1 for s in self.sessions for e in self.active_enrolments if (e.pk, s.pk) not in self.marks)

    def hours(self, enrolment: Enrolment) -> tuple[Decimal, Decimal]:
        """(attended hours, hours of the sessions whose mark is recorded) for one enrolment."""
        attended = recorded = Decimal(0)
        for session in self.sessions:
            mark = self.marks.get((enrolment.pk, session.pk))
            if mark is None:
                continue
            recorded += session.hours
            if mark.is_present:
                attended += mark.hours_present if mark.hours_present is not None else session.hours
        return attended, recorded

    def standing(self, enrolment: Enrolment, p: PolicyParams) -> AttendanceStanding:
        attended, recorded = self.hours(enrolment)
        return attendance_standing(attended_hours=attended, recorded_hours=recorded,
                                   scheduled_hours=self.scheduled_hours, planned_hours=self.planned_hours, p=p)

    def class_standing(self, p: PolicyParams) -> AttendanceStanding:
        """The class as a whole (R3 培训班到课率): attended trainee-hours over scheduled
        trainee-hours; a withdrawn trainee counts for the sessions up to the withdrawal, so
        withdrawing absentees cannot lift the class's rate. While the class runs, each active
        trainee counts for the planned hours (or the scheduled ones, if more)."""
        attended = recorded = scheduled = Decimal(0)
        for enrolment in self.enrolments:
            if enrolment.is_withdrawn:
                sessions = [s for s in self.sessions if s.held_on <= cast(date, enrolment.withdrawn_on)]
                scheduled += sum((s.hours for s in sessions), Decimal(0))
            else:
                scheduled += max(self.scheduled_hours, self.planned_hours)
            a, r = self.hours(enrolment)
            attended, recorded = attended + a, recorded + r
        return attendance_standing(attended_hours=attended, recorded_hours=recorded, scheduled_hours=scheduled, p=p)


# A first-instalment line that is claimed: live (not removed) on a claim not rejected; committed
# once HR approved it (approved, on notice, payable, paid); dead when it can never be paid (live on
# a rejected claim, or removed by an upheld objection).
_FIRST = Q(claim_lines__instalment="first")
_CLAIMED = _FIRST & Q(claim_lines__is_void=False) & ~Q(claim_lines__claim__status="rejected")
_COMMITTED = _FIRST & Q(claim_lines__is_void=False, claim_lines__claim__status__in=[
    "approved", "publicised", "payable", "paid"])
_DEAD = _FIRST & (Q(claim_lines__is_void=False, claim_lines__claim__status="rejected")
                  | Q(claim_lines__objections__is_upheld=True))
_NOT_SUBSIDISED_RESULTS = ("failed", "absent")


def prior_trainings(trainee_ids: Iterable[int], *, exclude_class_id: int,
                    claim_for: tuple[date, int] | None = None) -> dict[int, list[PriorTraining]]:
    """R16: each trainee's other trainings, by trainee id, in one query.

    Every training on a live roster (approved, running, completed, closed) that the trainee did not
    leave is passed, so the overlap check sees it; one the trainee left after it was claimed stays
    too. Which of them `counts` as a subsidised training:
    - at enrolment (`claim_for` None): every one not settled against a subsidy, i.e. all but those
      without a claimed line that ended failed or absent at the assessment, below the attendance
      threshold, or closed without a certificate;
    - at a claim (`claim_for` = (start date, class id) of the class claimed): one HR has already
      approved for payment, whatever its dates; and one that started before this class (by date,
      then by class) and is claimed, or certified and still payable (no line refused for good). The
      earlier training is the subsidised one, whatever the order of enrolment or of the claims."""
    rows = (
        Enrolment.objects.filter(trainee_id__in=trainee_ids, training_class__status__in=SUBSIDISED_STATUSES)
        .exclude(training_class_id=exclude_class_id)
        .annotate(claimed=Count("claim_lines", filter=_CLAIMED, distinct=True),
                  committed=Count("claim_lines", filter=_COMMITTED, distinct=True),
                  dead=Count("claim_lines", filter=_DEAD, distinct=True),
                  certified=Count("certificates", distinct=True),
                  start_on=Coalesce("training_class__started_on", "training_class__planned_start_on"),
                  end_on=Coalesce("training_class__completed_on", "training_class__planned_end_on"))
        .filter(Q(is_withdrawn=False) | Q(claimed__gt=0))
        .values_list("trainee_id", "training_class_id", "training_class__code", "start_on", "end_on",
                     "training_class__policy_year_id", "training_class__occupation__code",
                     "training_class__occupation__name", "training_class__level", "training_class__status",
                     "meets_attendance", "assessment__result", "claimed", "committed", "dead", "certified")
        .order_by("trainee_id", "start_on", "training_class_id")
    )
    found: dict[int, list[PriorTraining]] = {}
    for (trainee_id, class_id, code, start_on, end_on, year, occupation_code, occupation_name, level, status,
         meets, result, claimed, committed, dead, certified) in rows:
        if claim_for is None:
            unsubsidised = (result in _NOT_SUBSIDISED_RESULTS or meets is False
                            or (status == "closed" and not certified))
            counts = bool(claimed) or not unsubsidised
        else:
            earlier = (start_on, class_id) < claim_for
            counts = bool(committed) or (earlier and (bool(claimed) or (bool(certified) and not dead)))
        found.setdefault(trainee_id, []).append(PriorTraining(
            class_code=code, start_on=start_on, end_on=end_on, year=year,
            occupation_key=occupation_code or occupation_name, level_rank=level_rank(level), counts=counts))
    return found


def vouchers_visible_to(user: User | AnonymousUser) -> QuerySet[Voucher]:
    """HR: every voucher. Township: those it issued. Institution: those redeemed on its rosters."""
    scope = scope_of(user)
    vouchers = Voucher.objects.all()
    if scope.reads_area:
        return vouchers.filter(scope.area("township__county"))
    if scope.is_township:
        # A township user always has a township (accounts_userprofile_role_matches_party).
        return vouchers.filter(township_id=cast(int, scope.township_id))
    if scope.is_institution:
        return vouchers.filter(enrolment__training_class__institution_id=scope.institution_id)
    return vouchers.none()


def trainees_visible_to(user: User | AnonymousUser) -> QuerySet[Trainee]:
    """HR and supervisors: their area's, the trainees of its townships and those on its classes'
    rosters (a person is one row province-wide). Township: its own trainees. Institution: trainees
    on its rosters. Evaluation body: trainees enrolled in classes of occupations its published plans
    cover."""
    scope = scope_of(user)
    trainees = Trainee.objects.all()
    if scope.is_whole_deployment:
        return trainees
    if scope.reads_area:
        # A UNION of the two sets, not an OR across joins (which scans a province's million rows).
        registered = Trainee.objects.filter(scope.area("township__county")).order_by().values("pk")
        rostered = Enrolment.objects.filter(scope.area("training_class__county")).order_by().values("trainee_id")
        return trainees.filter(pk__in=registered.union(rostered))
    if scope.is_township:
        return trainees.filter(township_id=scope.township_id)
    if scope.is_institution or scope.is_evaluator:
        rosters = Enrolment.objects.filter(training_class__in=classes_visible_to(user))
        return trainees.filter(pk__in=rosters.values("trainee_id"))
    return trainees.none()
