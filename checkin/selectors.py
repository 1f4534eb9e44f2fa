"""What the clerk's attendance page shows of self check-in (the session's current code and, for
each trainee on the roster, their check-in beside the clerk's own mark) and of class photos (the
session's photos and whether more may be uploaded); county HR's photo wall of a class (each
session's photos beside its attendance, for a remote inspection, 三(七) 视频调阅)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db.models import Count, IntegerField, OuterRef, Prefetch, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from accounts.scope import scope_of
from checkin import policy, services
from checkin.models import CheckIn, SessionPhoto
from courses.models import AttendanceRecord, ClassStatus, Enrolment, Session
from courses.policy import AttendanceWindow
from courses.services import ATTENDANCE_CLOSED, STATUS_LABELS, attendance_window, county_time

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User
    from django.db.models import QuerySet

    from courses.models import TrainingClass


@dataclass(frozen=True)
class PanelRow:
    enrolment: object
    check_in: CheckIn | None
    mark: AttendanceRecord | None


@dataclass(frozen=True)
class SessionPanel:
    session: Session
    is_open: bool
    opens_at: datetime
    closes_at: datetime
    code: str | None  # only while the session is on
    code_changes_at: datetime | None
    rows: list
    checked_in: int


def session_panel(session: Session, *, now: datetime | None = None) -> SessionPanel:
    """Three queries whatever the roster's size: roster, check-ins, marks."""
    now = now or timezone.now()
    opens_at, closes_at = services.session_window(session)
    is_open = (session.training_class.status == "in_progress"
               and policy.is_within(moment=now, window=(opens_at, closes_at)))
    roster = session.training_class.enrolments.filter(is_withdrawn=False).select_related("trainee").order_by(
        "trainee__name", "pk")
    check_ins = {c.enrolment_id: c for c in CheckIn.objects.filter(session=session)}
    marks = {m.enrolment_id: m for m in AttendanceRecord.objects.filter(session=session)}
    rows = [PanelRow(e, check_ins.get(e.pk), marks.get(e.pk)) for e in roster]
    return SessionPanel(
        session=session, is_open=is_open, opens_at=opens_at, closes_at=closes_at,
        code=services.current_code(session, now=now) if is_open else None,
        code_changes_at=policy.step_ends_at(policy.time_step(now), timezone.get_default_timezone())
        if is_open else None,
        rows=rows, checked_in=sum(1 for r in rows if r.check_in),
    )


# --- Class photos ---------------------------------------------------------------------------------

def photos_visible_to(user: User | AnonymousUser) -> QuerySet[SessionPhoto]:
    """Session photos a user may open: county HR all of them, an institution those of its own
    classes, anyone else none (a township or an evaluation body sees the attendance it needs
    elsewhere, not the classroom)."""
    scope = scope_of(user)
    photos = SessionPhoto.objects.all()
    if scope.reads_area:
        return photos.filter(scope.area("session__training_class__county"))
    if scope.is_institution:
        return photos.filter(session__training_class__institution_id=scope.institution_id)
    return photos.none()


@dataclass(frozen=True)
class PhotoPanel:
    session: Session
    photos: list
    window: AttendanceWindow
    closed_because: str | None  # why no photo may be uploaded now (R20 window, class status, cap)
    max_photos: int = policy.MAX_PHOTOS_PER_SESSION

    @property
    def can_upload(self) -> bool:
        return self.closed_because is None


def photo_panel(session: Session, *, now: datetime | None = None) -> PhotoPanel:
    """The session's photos and whether the clerk may upload another at `now`, by the checks of
    services.add_session_photo. One query (the photos) when the session comes with its class and
    policy year."""
    now = now or timezone.now()
    training_class = session.training_class
    window = attendance_window(session, training_class.params())
    photos = list(session.photos.all())
    try:
        if training_class.status != ClassStatus.IN_PROGRESS:
            raise ValidationError(ATTENDANCE_CLOSED, params={"status": STATUS_LABELS[training_class.status]})
        policy.ensure_photo_window_open(now=county_time(now), window=window)
        policy.ensure_photo_slot(stored=len(photos))
    except ValidationError as refusal:
        return PhotoPanel(session, photos, window, refusal.messages[0])
    return PhotoPanel(session, photos, window, None)


@dataclass(frozen=True)
class WallRow:
    session: Session
    present: int
    absent: int
    unrecorded: int
    corrected: int
    check_ins: int
    photos: list


def _count(queryset: QuerySet[Any], group_by: str, **outer: OuterRef) -> Coalesce:
    """How many rows of `queryset` match the outer row (`outer`: field -> OuterRef), as a
    subquery: counting in subqueries keeps several counts from multiplying each other's joins."""
    counted = (queryset.filter(**outer).order_by().values(group_by).annotate(n=Count("pk")).values("n")[:1])
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def photo_wall(training_class: TrainingClass) -> list[WallRow]:
    """Every session of the class in order, with its attendance (到, 缺, not recorded out of the
    roster of that day, marks entered by an approved correction), its self check-ins and its
    photos: two queries however many sessions and photos."""
    marks = AttendanceRecord.objects.all()
    session = {"session": OuterRef("pk")}
    roster = Enrolment.objects.filter(Q(is_withdrawn=False) | Q(withdrawn_on__gte=OuterRef("held_on")))
    sessions = (
        Session.objects.filter(training_class=training_class)
        .annotate(
            _present=_count(marks.filter(is_present=True), "session", **session),
            _absent=_count(marks.filter(is_present=False), "session", **session),
            _corrected=_count(marks.filter(correction__isnull=False), "session", **session),
            _check_ins=_count(CheckIn.objects.all(), "session", **session),
            _roster=_count(roster, "training_class", training_class=OuterRef("training_class")),
        )
        .prefetch_related(Prefetch("photos", queryset=SessionPhoto.objects.order_by("uploaded_at", "pk")))
        .order_by("held_on", "starts_at", "pk")
    )
    return [
        WallRow(session=s, present=s._present, absent=s._absent,
                unrecorded=max(s._roster - s._present - s._absent, 0), corrected=s._corrected,
                check_ins=s._check_ins, photos=list(s.photos.all()))
        for s in sessions
    ]
