"""What the clerk's attendance page shows of self check-in: the session's current code and, for
each trainee on the roster, their check-in beside the clerk's own mark."""

from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone

from checkin import policy, services
from checkin.models import CheckIn
from courses.models import AttendanceRecord, Session


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


def session_panel(session: Session, *, now=None) -> SessionPanel:
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
