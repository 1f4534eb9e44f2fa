"""`manage.py seed_demo`: the demo county of SPEC.md §6, for demonstrations.

Refuses to run unless DEBUG is on. Two policy years are planned by `tools.demo_data`
without reading the database: 2018, closed and archived, and the live year around the day the
demo is first built (kept from then on: it is the day the live year's draft application was made,
so a later run plans the same year). Each step below then looks every row up by its natural key
and creates only what is missing, so a second run creates nothing and a half-seeded database is
completed, never duplicated. Everything is written in one transaction.

Rows are inserted with bulk_create, which skips simple_history's signals, so each step also
writes the history rows itself, dated when the demo says the thing happened (never later than
now); auto_now fields (登记时间, 记录时间, 生成时间) are set back to the demo's dates the same way.
"""

import hashlib
import random
import time as clock
from collections import Counter, defaultdict
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group, Permission
from django.core.files.base import ContentFile
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from accounts.models import UserProfile
from certification.models import Assessment, Certificate, EmploymentRecord, EvaluationBody, EvaluationPlan
from checkin.models import CheckIn, SessionPhoto
from courses.models import (
    AttendanceRecord,
    CertificateKind,
    ClassStatus,
    ClassTransition,
    Enrolment,
    Occupation,
    ParallelClassApproval,
    Session,
    SkillLevel,
    Textbook,
    TrainingClass,
    Voucher,
)
from courses.policy import attendance_rate, meets_attendance
from courses.selectors import AttendanceSheet
from institutions.models import Inspection, InstitutionYear, TrainingInstitution
from programme.models import CalendarDay, PolicyYear, TargetLine, Township, TownshipTarget
from reporting.flags import detect_flags
from subsidies.enterprise_size import classify_enterprise
from subsidies.models import ClaimLine, ClaimStatus, SmallEnterpriseSubsidy, SubsidyClaim
from subsidies.policy import (
    employment_window_ends_on,
    small_enterprise_subsidy_amount,
    split_instalments,
    training_subsidy,
)
from tools import demo_data as demo
from trainees.models import CategoryMembership, Trainee
from trainees.policy import parse_id_number

BATCH = 500
FULL, ROWS = "full", "rows"  # how insert() validates


def at(day, hour=9, minute=0):
    """An aware datetime in the project's time zone (Asia/Shanghai)."""
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


def chunks(values, size=BATCH):
    values = list(values)
    for start in range(0, len(values), size):
        yield values[start:start + size]


def chinese_date(day):
    return f"{day.year}年{day.month}月{day.day}日"


def planned_lines(planned_class, instalment, status, p):
    """The trainees a claim pays (R7): the first instalment everyone certified; the second those
    employed within the window (verified by HR, except on a claim still in draft)."""
    window_ends = employment_window_ends_on(planned_class.end_on, p=p)
    lines = []
    for enrolment in planned_class.enrolments:
        if not enrolment.certificate_number:
            continue
        job = enrolment.employment
        if instalment == "second" and not (
            job and job["started_on"] <= window_ends and (job["verified_on"] or status == "draft")
        ):
            continue
        lines.append(enrolment)
    return lines


def live_anchor():
    """The day the live year was first built: the creation day of its draft application (see
    demo_data.ANCHOR_CLASS), or None when there is no live year yet."""
    years = PolicyYear.objects.exclude(year=demo.ARCHIVE_YEAR).order_by("-year").values_list("year", flat=True)
    for year in years:
        created = (TrainingClass.objects.filter(code=demo.anchor_class_code(year))
                   .values_list("created_at", flat=True).first())
        if created is not None:
            return timezone.localdate(created)
    return None


def is_complete(plans):
    """Whether every planned row of the demo is already there (then the command does nothing)."""
    User = get_user_model()
    checks = [
        (User.objects.filter(username__in=[u.username for u in demo.USERS]).count(), len(demo.USERS)),
        (CalendarDay.objects.filter(day__in=[d for d, _ in demo.holidays_to_record()]).count(),
         len(demo.holidays_to_record())),
    ]
    for plan in plans:
        year = PolicyYear.objects.filter(year=plan.spec.year).first()
        if year is None:
            return False
        p = year.params()
        codes = [c.row.code for c in plan.classes]
        ids = [t.id_number for t in plan.trainees]
        enrolments = [(c, e) for c in plan.classes for e in c.enrolments]
        marks = sum(len(list(e.marks(c.marked_sessions))) for c, e in enrolments)
        certificates = [e.certificate_number for _, e in enrolments if e.certificate_number]
        lines = sum(len(planned_lines(plan.klass(c.code), c.instalment, c.status, p)) for c in plan.spec.claims)
        in_classes = {"enrolment__training_class__code__in": codes}
        checks += [
            (TrainingClass.objects.filter(code__in=codes).count(), len(codes)),
            (sum(Trainee.objects.filter(id_number__in=part).count() for part in chunks(ids)), len(ids)),
            (sum(CategoryMembership.objects.filter(trainee__id_number__in=part).count() for part in chunks(ids)),
             sum(len(t.categories) for t in plan.trainees)),
            (Enrolment.objects.filter(training_class__code__in=codes).count(), len(enrolments)),
            (AttendanceRecord.objects.filter(session__training_class__code__in=codes).count(), marks),
            (Assessment.objects.filter(**in_classes).count(), sum(1 for _, e in enrolments if e.assessment)),
            (EmploymentRecord.objects.filter(**in_classes).count(), sum(1 for _, e in enrolments if e.employment)),
            (Certificate.objects.filter(number__in=certificates).count(), len(certificates)),
            (Voucher.objects.filter(code__in=[v.code for v in plan.vouchers]).count(), len(plan.vouchers)),
            (ClaimLine.objects.filter(claim__training_class__code__in=codes).count(), lines),
            (Inspection.objects.filter(training_class__code__in=codes).count(), len(plan.spec.inspections)),
        ]
        if plan.small_enterprise_hire:
            checks.append((SmallEnterpriseSubsidy.objects.filter(hire__id_number=plan.small_enterprise_hire).count(), 2))
    return all(found >= planned for found, planned in checks)


class Seeder:
    """Writes the plans, one step per kind of thing, creating only what is missing."""

    def __init__(self, plans):
        self.plans = plans
        self.created = Counter()
        self.users = {}
        self.now = timezone.now()
        self.trainees, self.classes, self.enrolments, self.sessions, self.certificates = {}, {}, {}, {}, {}

    # -- helpers ---------------------------------------------------------------------------

    def insert(self, model, objs, *, clean=FULL):
        """Validate, bulk-insert, set auto_now fields to the demo's `_demo_at` and write each row's
        history (dated `_history_date`).

        FULL is full_clean(), as a form would. ROWS skips what costs a query per row (foreign
        keys exist, unique fields, Meta.constraints): for the thousands of rows of rosters and
        registers the database enforces those at insert, on SQLite as on PostgreSQL, while field
        validators (ID numbers, credit codes), choices, lengths and clean() still run.
        """
        objs = list(objs)
        if not objs:
            return []
        if clean:
            full = clean == FULL
            relations = [] if full else [f.name for f in model._meta.concrete_fields if f.is_relation]
            for obj in objs:
                obj.full_clean(exclude=relations, validate_unique=full, validate_constraints=full)
        created = model.objects.bulk_create(objs, batch_size=BATCH)
        self._backdate(model, created)
        history = getattr(model._meta, "simple_history_manager_attribute", None)
        if history:
            for obj in created:
                if not hasattr(obj, "_history_date") and hasattr(obj, "_demo_at"):
                    obj._history_date = obj._demo_at
                if hasattr(obj, "_history_date"):
                    obj._history_date = min(obj._history_date, self.now)
            getattr(model, history).bulk_history_create(
                created, batch_size=BATCH, default_change_reason=demo.CHANGE_REASON
            )
        self.created[str(model._meta.verbose_name)] += len(created)
        return created

    @staticmethod
    def _backdate(model, objs):
        auto = [
            f.attname for f in model._meta.concrete_fields
            if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
        ]
        if not auto:
            return
        groups = defaultdict(list)
        for obj in objs:
            if getattr(obj, "_demo_at", None):
                groups[obj._demo_at].append(obj)
        for when, members in groups.items():
            model.objects.filter(pk__in=[o.pk for o in members]).update(**dict.fromkeys(auto, when))
            for obj in members:
                for name in auto:
                    setattr(obj, name, when)

    def ensure(self, model, lookup, defaults=None, *, demo_at=None, history_at=None, clean=FULL):
        """get_or_create with full_clean() before the insert."""
        obj = model.objects.filter(**lookup).first()
        if obj is not None:
            return obj
        obj = model(**lookup, **(defaults or {}))
        if demo_at:
            obj._demo_at = demo_at
        if history_at:
            obj._history_date = history_at
        self.insert(model, [obj], clean=clean)
        return obj

    def user(self, username):
        return self.users.get(username) if username else None

    @property
    def year_classes(self):
        """The current plan's classes (as stored)."""
        return [self.classes[c.row.code] for c in self.plan.classes]

    # -- steps -----------------------------------------------------------------------------

    def run(self):
        self.seed_townships()
        self.seed_institutions()
        self.seed_evaluation_bodies()
        self.seed_users()
        self.seed_calendar()
        for plan in self.plans:
            self.plan, self.spec = plan, plan.spec
            self.seed_policy_year()
            self.seed_occupations()
            self.seed_institution_years()
            self.seed_evaluation_plans()
            self.seed_parallel_approval()
            self.seed_trainees()
            self.seed_classes()
            self.seed_transitions()
            self.seed_enrolments()
            self.seed_sessions()
            self.seed_attendance()
            self.seed_session_evidence()
            self.seed_completion()
            self.seed_assessments()
            self.seed_certificates()
            self.seed_employment()
            self.seed_vouchers()
            self.seed_claims()
            self.seed_small_enterprise_subsidies()
            self.seed_inspections()
        self.seed_anomalies()

    def seed_townships(self):
        self.townships = {}
        for row in demo.TOWNSHIPS:
            self.townships[row.name] = self.ensure(Township, {"name": row.name}, {"code": row.code, "kind": row.kind})

    def seed_institutions(self):
        self.institutions = {}
        for row in demo.INSTITUTIONS:
            self.institutions[row.name] = self.ensure(
                TrainingInstitution, {"credit_code": row.credit_code},
                {
                    "name": row.name, "kind": row.kind, "responsible_person": row.responsible_person,
                    "responsible_title": row.responsible_title, "contact_phone": row.phone,
                    "address": row.address, "township": self.townships[row.township],
                },
            )

    def seed_evaluation_bodies(self):
        self.evaluation_bodies = {}
        for row in demo.EVALUATION_BODIES:
            self.evaluation_bodies[row.name] = self.ensure(
                EvaluationBody, {"credit_code": row.credit_code},
                {"name": row.name, "kind": row.kind, "contact_person": row.contact_person,
                 "contact_phone": row.contact_phone},
            )

    def seed_users(self):
        """The demo users of SPEC.md §6, each with a profile; HR officers share one group."""
        User = get_user_model()
        group = self.ensure(Group, {"name": demo.HR_GROUP})
        permissions = Permission.objects.filter(
            Q(content_type__app_label__in=demo.HR_GROUP_APPS)
            | Q(content_type__app_label="auth", codename="view_user")
        )
        group.permissions.add(*permissions)
        password = None  # one hash for the one demo password: hashing costs half a second each
        for row in demo.USERS:
            user = User.objects.filter(username=row.username).first()
            if user is None:
                user = User(
                    username=row.username, last_name=row.last_name, first_name=row.first_name,
                    is_staff=row.is_staff, is_superuser=row.is_superuser, date_joined=at(date(2018, 5, 14)),
                )
                password = password or make_password(demo.PASSWORD)
                user.password = password
                user.full_clean()
                user.save()
                self.created[str(User._meta.verbose_name)] += 1
            self.users[row.username] = user
            party = {
                "institution": self.institutions.get(row.party) if row.role == "institution" else None,
                "township": self.townships.get(row.party) if row.role == "township" else None,
                "evaluation_body": self.evaluation_bodies.get(row.party) if row.role == "evaluator" else None,
            }
            self.ensure(UserProfile, {"user": user}, {"role": row.role, "phone": row.phone, **party})
            if row.username in demo.HR_GROUP_MEMBERS:
                user.groups.add(group)

    def seed_calendar(self):
        """The statutory holidays of a year the built-in calendar does not know yet (R19 counts
        working days), as HR records them in 工作日调整."""
        for day, note in demo.holidays_to_record():
            self.ensure(CalendarDay, {"day": day}, {"is_workday": False, "note": note})

    def seed_policy_year(self):
        """The year with the model's defaults (the plan's parameters), the demo placement reward
        (R8), the voucher pilot, its target lines (二) and township targets (五(二))."""
        self.year = self.ensure(
            PolicyYear, {"year": self.spec.year},
            {"placement_reward_amount": demo.PLACEMENT_REWARD, "is_voucher_pilot_on": True,
             "is_closed": self.spec.is_closed,
             # The archive year had neither class photos nor self check-in: those checks are off.
             **({"photos_per_session": 0, "min_check_in_share": Decimal(0)} if self.spec.is_closed else {})},
        )
        self.p = self.year.params()
        self.lines = {}
        for order, (name, unit, target) in enumerate(demo.TARGET_LINES, start=1):
            self.lines[name] = self.ensure(
                TargetLine, {"policy_year": self.year, "name": name},
                {"responsible_unit": unit, "target_count": target, "sort_order": order},
            )
        for row in demo.TOWNSHIPS:
            self.ensure(TownshipTarget, {"township": self.townships[row.name], "policy_year": self.year},
                        {"target_count": row.target})

    def seed_occupations(self):
        self.occupations = {}
        for row in demo.OCCUPATIONS:
            self.occupations[row.name] = self.ensure(
                Occupation, {"policy_year": self.year, "name": row.name},
                {
                    "code": row.code, "industry": row.industry, "is_key_trade": row.is_key_trade,
                    "certificate_kind": row.certificate_kind, "has_national_standard": row.has_national_standard,
                    "has_enterprise_specification": row.has_enterprise_specification,
                    "standard_reference": row.standard_reference,
                },
            )

    def seed_institution_years(self):
        """Six institutions on the county's list for the year (三(二)), none disqualified (三(七))."""
        for institution in self.institutions.values():
            self.ensure(
                InstitutionYear, {"institution": institution, "policy_year": self.year},
                {"is_listed": True, "tender_reference": demo.tender_reference(self.spec.year)},
            )

    def seed_evaluation_plans(self):
        """Each body's plan of the year (三(六)); only the first one's is published, so only it may
        issue skill-level certificates."""
        for row in demo.EVALUATION_BODIES:
            plan = self.ensure(
                EvaluationPlan, {"evaluation_body": self.evaluation_bodies[row.name], "policy_year": self.year},
                {"title": row.plan_title.replace(str(demo.ARCHIVE_YEAR), str(self.spec.year)),
                 "published_on": self.spec.plan_published_on if row.is_published else None},
            )
            plan.occupations.add(*(self.occupations[name] for name in row.occupations))

    def seed_parallel_approval(self):
        institution, occupation, basis = demo.PARALLEL_APPROVAL
        self.ensure(
            ParallelClassApproval,
            {"institution": self.institutions[institution], "occupation": self.occupations[occupation]},
            {"basis": basis, "approved_by": self.users["hr_approver"], "approved_on": self.spec.parallel_approved_on},
        )

    def seed_trainees(self):
        """Trainees with their categories (三(一)); birth date and sex from the ID number."""
        ids = [t.id_number for t in self.plan.trainees]
        existing = self._trainees_by_id(ids)
        new = []
        for index, planned in enumerate(self.plan.trainees):
            if planned.id_number in existing:
                continue
            info = parse_id_number(planned.id_number, today=timezone.localdate())
            trainee = Trainee(
                id_number=info.number, name=planned.name, birth_on=info.birth_on, sex=info.sex,
                phone=planned.phone, township=self.townships[planned.township], education=planned.education,
                address=planned.address, registered_by=self.user(planned.registered_by),
            )
            trainee._demo_at = at(planned.registered_on, 9 + index % 8, index * 7 % 60)
            trainee._history_user = trainee.registered_by
            new.append(trainee)
        self.insert(Trainee, new, clean=ROWS)
        year_trainees = self._trainees_by_id(ids)
        self.trainees.update(year_trainees)

        held = set(
            CategoryMembership.objects.filter(trainee__in=year_trainees.values())
            .values_list("trainee_id", "category", "held_from")
        )
        memberships = []
        for planned in self.plan.trainees:
            trainee = self.trainees[planned.id_number]
            for category, held_from, evidence in planned.categories:
                if (trainee.pk, category, held_from) not in held:
                    membership = CategoryMembership(
                        trainee=trainee, category=category, held_from=held_from, evidence=evidence
                    )
                    membership._history_date = trainee.registered_at
                    memberships.append(membership)
        self.insert(CategoryMembership, memberships, clean=ROWS)

    @staticmethod
    def _trainees_by_id(ids):
        found = {}
        for part in chunks(ids):
            found.update({t.id_number: t for t in Trainee.objects.filter(id_number__in=part)})
        return found

    def seed_classes(self):
        """Classes in every status, with workflow fields that agree with the status (SPEC.md §3)."""
        claim_paid = defaultdict(list)
        for claim in self.spec.claims:
            paid_on = demo.claim_timeline(claim.created_on, claim.status, self.p.publicity_working_days).paid_on
            if paid_on:
                claim_paid[claim.code].append(paid_on)
        for planned in self.plan.classes:
            row, occupation = planned.row, planned.occupation
            clerk = self.user(planned.clerk)
            decided = planned.decided_on
            closed_on = demo.add_working_days(max(claim_paid[row.code]), 1) if row.status == "closed" else None
            fields = {
                "policy_year": self.year, "name": planned.name, "institution": self.institutions[row.institution],
                "occupation": self.occupations[row.occupation], "target_line": self.lines[row.line],
                "training_mode": planned.institution.training_mode, "planned_start_on": planned.days[0],
                "planned_end_on": planned.end_on, "planned_days": len(planned.days),
                "total_hours": planned.total_hours, "practical_hours": planned.practical_hours,
                "capacity": row.capacity, "venue": planned.institution.building + occupation.room,
                "teachers": "\n".join(",".join(teacher) for teacher in planned.teachers),
                "roster_plan": planned.roster_plan, "status": row.status, "created_by": clerk,
                "level": SkillLevel.LEVEL_5 if occupation.certificate_kind == CertificateKind.SKILL_LEVEL else "",
                "submitted_by": clerk if planned.submitted_on else None,
                "submitted_at": at(planned.submitted_on, 10, 30) if planned.submitted_on else None,
                "decided_by": self.users["hr_approver"] if decided else None,
                "decided_at": at(decided, 15, 30) if decided else None,
                "decision_note": row.decision_note or (demo.APPROVED_NOTE if decided else ""),
                "started_on": planned.days[0] if row.status in demo.STARTED_STATUSES else None,
                "completed_on": planned.end_on if row.status in demo.COMPLETED_STATUSES else None,
                "closed_at": at(closed_on, 10) if closed_on else None,
                "cancelled_at": at(row.cancelled_on, 11) if row.cancelled_on else None,
            }
            # The history row shows the class as it stands after its latest step.
            steps = [at(planned.created_on, 16), fields["submitted_at"], fields["decided_at"],
                     fields["closed_at"], fields["cancelled_at"]]
            steps += [at(day, 17) for day in (fields["started_on"], fields["completed_on"]) if day]
            # The live year's anchor draft keeps the moment it is made: its day is the live year's today.
            is_anchor = row.code == self.spec.anchor_class
            klass = self.ensure(
                TrainingClass, {"code": row.code}, fields,
                demo_at=None if is_anchor else at(planned.created_on, 16),
                history_at=self.now if is_anchor else max(s for s in steps if s),
            )
            self.classes[row.code] = klass
            self.attach_documents(klass, planned)
            for title, publisher, first12 in occupation.textbooks:
                self.ensure(
                    Textbook, {"training_class": klass, "isbn": demo.isbn13(first12)},
                    {"title": title, "publisher": publisher},
                )

    def seed_enrolments(self):
        """Rosters (学员名册); a voucher enrolment is made by the holder (R14)."""
        existing = {
            (e.training_class_id, e.trainee_id)
            for e in Enrolment.objects.filter(training_class__in=self.year_classes)
        }
        new = []
        for planned in self.plan.classes:
            klass = self.classes[planned.row.code]
            for e in planned.enrolments:
                trainee = self.trainees[e.id_number]
                if (klass.pk, trainee.pk) in existing:
                    continue
                enrolment = Enrolment(
                    training_class=klass, trainee=trainee, source=e.source, category=e.category,
                    enrolled_on=e.enrolled_on, enrolled_by=self.user(planned.clerk),
                    is_withdrawn=bool(e.withdrawn_on), withdrawn_on=e.withdrawn_on,
                    withdrawal_reason=e.withdrawal_reason,
                )
                enrolment._history_date = at(e.withdrawn_on or e.enrolled_on, 10)
                enrolment._history_user = enrolment.enrolled_by
                new.append(enrolment)
        self.insert(Enrolment, new, clean=ROWS)
        self.enrolments.update({
            (e.training_class_id, e.trainee_id): e
            for e in Enrolment.objects.filter(training_class__in=self.year_classes)
        })

    def enrolment(self, planned_class, planned_enrolment):
        klass = self.classes[planned_class.row.code]
        return self.enrolments[(klass.pk, self.trainees[planned_enrolment.id_number].pk)]

    def seed_sessions(self):
        """Morning and afternoon blocks of the days held so far, today's included (R4, R5)."""
        def key(session):
            return session.training_class_id, session.held_on, session.starts_at

        existing = {key(s) for s in Session.objects.filter(training_class__in=self.year_classes)}
        new = []
        for planned in self.plan.classes:
            klass = self.classes[planned.row.code]
            for s in planned.sessions:
                session = Session(
                    training_class=klass, held_on=s.held_on, starts_at=s.starts_at, hours=s.hours,
                    kind=s.kind, topic=s.topic, teacher=s.teacher,
                )
                if key(session) not in existing:
                    new.append(session)
        self.insert(Session, new, clean=ROWS)
        self.sessions.update({key(s): s for s in Session.objects.filter(training_class__in=self.year_classes)})

    def seed_attendance(self):
        """One mark per enrolment and session (withdrawn trainees until they left); today's
        sessions are left for the clerk."""
        existing = set(
            AttendanceRecord.objects.filter(session__training_class__in=self.year_classes)
            .values_list("enrolment_id", "session_id")
        )
        new = []
        for planned in self.plan.classes:
            klass = self.classes[planned.row.code]
            clerk = self.user(planned.clerk)
            for e in planned.enrolments:
                enrolment = self.enrolment(planned, e)
                for s, present, hours in e.marks(planned.marked_sessions):
                    session = self.sessions[(klass.pk, s.held_on, s.starts_at)]
                    if (enrolment.pk, session.pk) in existing:
                        continue
                    record = AttendanceRecord(
                        enrolment=enrolment, session=session, is_present=present, hours_present=hours,
                        recorded_by=clerk,
                    )
                    record._demo_at = at(s.held_on, 12 if s.starts_at.hour < 12 else 18)
                    record._history_user = clerk
                    new.append(record)
        self.insert(AttendanceRecord, new, clean=ROWS)

    def seed_session_evidence(self):
        """The live year's evidence of each marked session (三(七) 实时监控、视频调阅): a class
        photo the clerk took during it, and the check-ins of most trainees marked present (a few
        forget their phone), made while the session ran. The archive year has neither."""
        if self.spec.is_closed:
            return
        rng = random.Random(self.spec.seed)
        sessions = [s for s in Session.objects.filter(training_class__in=self.year_classes, attendance__isnull=False)
                    .select_related("training_class").distinct().order_by("pk") if not s.photos.exists()]
        photos = []
        for session in sessions:
            clerk = self.user(self.plan.klass(session.training_class.code).clerk) or session.training_class.created_by
            # Drawn here without metadata, so stored as drawn (an upload goes through checkin.photos).
            image, thumbnail, width, height = demo.class_photo(session, rng)
            digest = hashlib.sha256(image).hexdigest()
            photo = SessionPhoto(session=session, width=width, height=height, sha256=digest, uploaded_by=clerk,
                                 uploaded_at=at(session.held_on, session.starts_at.hour + 1, rng.randrange(60)))
            name = f"demo-{digest[:32]}.jpg"
            photo.image.save(name, ContentFile(image), save=False)
            photo.thumbnail.save(name, ContentFile(thumbnail), save=False)
            photos.append(photo)
        self.insert(SessionPhoto, photos, clean=ROWS)
        done = set(CheckIn.objects.filter(session__training_class__in=self.year_classes)
                   .values_list("enrolment_id", "session_id"))
        check_ins = []
        for enrolment_id, session_id, held_on, starts_at in (
                AttendanceRecord.objects.filter(session__training_class__in=self.year_classes, is_present=True)
                .values_list("enrolment_id", "session_id", "session__held_on", "session__starts_at")
                .order_by("pk")):
            if (enrolment_id, session_id) in done or rng.random() < 0.08:
                continue
            check_ins.append(CheckIn(
                session_id=session_id, enrolment_id=enrolment_id,
                client_address=f"10.0.{rng.randrange(256)}.{rng.randrange(1, 255)}",
                checked_in_at=at(held_on, starts_at.hour, starts_at.minute) + timedelta(seconds=rng.randrange(20 * 60))))
        # Rows of four fields the database checks itself (one check-in per trainee and session).
        self.insert(CheckIn, check_ins, clean=None)

    @staticmethod
    def attach_documents(klass, planned):
        """The application's documents (R17): syllabus, teaching plan and assessment plan, as
        Word files (the kinds an upload may be)."""
        documents = {
            "syllabus": ("教学大纲", f"一、培训目标\n二、培训内容(理论{klass.total_hours - klass.practical_hours}课时,"
                                     f"实操{klass.practical_hours}课时)\n三、考核要求"),
            "teaching_plan": ("教学计划", "\n".join(
                f"第{i}天({day:%m月%d日}):上午理论讲授,下午实操训练" for i, day in enumerate(planned.days, 1))),
            "assessment_plan": ("考核方案", "理论考试占30%,实操考核占70%,60分及以上为合格。"),
        }
        changed = []
        for field, (title, body) in documents.items():
            if not getattr(klass, field):
                content = demo.word_document([f"{klass.code} {klass.name} {title}", *body.splitlines()])
                getattr(klass, field).save(f"{klass.code}-{title}.docx", ContentFile(content), save=False)
                changed.append(field)
        if changed:
            TrainingClass.objects.filter(pk=klass.pk).update(**{f: getattr(klass, f).name for f in changed})

    def seed_anomalies(self):
        """Plant what supervision should catch (三(七) 系统监测), then run the checks: an agent
        who registered four people of 韩店镇 under one phone number, and an institution that
        reported itself as a trainee's employer. Nothing else in the demo is flagged."""
        shared = "13835500000"
        for trainee in Trainee.objects.filter(township__name="韩店镇").order_by("pk")[:4]:
            if trainee.phone != shared:
                trainee.phone = shared
                trainee._change_reason = "载入演示数据"
                trainee.save()
        for plan in self.plans:
            if not plan.spec.anomaly_class:
                continue
            klass = self.classes[plan.spec.anomaly_class]
            enrolment = klass.enrolments.filter(is_withdrawn=False, employment__isnull=True).order_by("pk").first()
            institution = klass.institution
            if enrolment is not None and not EmploymentRecord.objects.filter(
                    enrolment__training_class=klass, is_employer_the_institution=True).exists():
                EmploymentRecord.objects.create(
                    trainee=enrolment.trainee, enrolment=enrolment, employer_name=institution.name,
                    employer_credit_code=institution.credit_code, started_on=klass.end_on + timedelta(days=20),
                    contract_months=12, evidence_kind="employer_letter", is_employer_the_institution=True,
                    recorded_by=self.user(plan.klass(klass.code).clerk),
                )
        detect_flags()

    def seed_transitions(self):
        """The audit trail of each class's steps, in the order its dates say they happened."""
        new = []
        for klass in self.year_classes:
            if klass.transitions.exists():
                continue
            clerk = klass.submitted_by or klass.created_by or self.users["hr_admin"]
            approver = klass.decided_by
            steps = []
            if klass.submitted_at:
                steps.append(("submitted", clerk, klass.submitted_at, ""))
            if klass.decided_at:
                decision = {"returned": "returned", "rejected": "rejected"}.get(klass.status, "approved")
                steps.append((decision, approver, klass.decided_at, klass.decision_note))
            if klass.started_on:
                steps.append(("in_progress", clerk, at(klass.started_on, 8), ""))
            if klass.completed_on:
                steps.append(("completed", clerk, at(klass.completed_on, 17), ""))
            if klass.closed_at:
                steps.append(("closed", approver, klass.closed_at, ""))
            if klass.cancelled_at:
                steps.append(("cancelled", clerk, klass.cancelled_at, "生源不足,机构申请撤销"))
            current = "draft"
            for target, by, when, note in steps:
                new.append(ClassTransition(training_class=klass, from_status=current, to_status=target,
                                           acted_by=by or clerk, acted_at=when, note=note))
                current = target
        ClassTransition.objects.bulk_create(new)

    def seed_completion(self):
        """What completion records (R3): each trainee's attendance rate over every scheduled
        hour and whether it meets the threshold, and the class's rate, for the completed and
        closed classes."""
        for klass in self.year_classes:
            if klass.status not in demo.COMPLETED_STATUSES:
                continue
            sheet = AttendanceSheet(klass)
            if klass.attendance_rate is None:
                klass.attendance_rate = sheet.class_standing(self.p).best_reachable_rate
                TrainingClass.objects.filter(pk=klass.pk).update(attendance_rate=klass.attendance_rate)
            pending = [e for e in sheet.active_enrolments if e.attendance_rate is None]
            for enrolment in pending:
                attended, _ = sheet.hours(enrolment)
                enrolment.attendance_rate = attendance_rate(attended_hours=attended,
                                                            scheduled_hours=sheet.scheduled_hours)
                enrolment.meets_attendance = meets_attendance(rate=enrolment.attendance_rate, p=self.p)
            Enrolment.objects.bulk_update(pending, ["attendance_rate", "meets_attendance"])

    def seed_assessments(self):
        """End-of-course results, not for withdrawn trainees or those below 85% (R3)."""
        existing = set(
            Assessment.objects.filter(enrolment__training_class__in=self.year_classes)
            .values_list("enrolment_id", flat=True)
        )
        new = []
        for planned in self.plan.classes:
            for e in planned.enrolments:
                enrolment = self.enrolment(planned, e)
                if not e.assessment or enrolment.pk in existing:
                    continue
                result, theory, practical = e.assessment
                assessment = Assessment(
                    enrolment=enrolment, result=result, theory_score=theory, practical_score=practical,
                    assessed_on=planned.end_on, recorded_by=self.user(planned.clerk),
                )
                assessment._history_date = at(planned.end_on, 17)
                new.append(assessment)
        self.insert(Assessment, new, clean=ROWS)

    def seed_certificates(self):
        """The certificate kind the occupation leads to (R12): skill levels from the evaluation
        body with the published plan, every other kind from county HR."""
        numbers = [e.certificate_number for c in self.plan.classes for e in c.enrolments if e.certificate_number]
        existing = set(Certificate.objects.filter(number__in=numbers).values_list("number", flat=True))
        evaluator = self.evaluation_bodies[demo.EVALUATOR]
        new = []
        for planned in self.plan.classes:
            occupation = self.occupations[planned.row.occupation]
            by_body = occupation.certificate_kind == CertificateKind.SKILL_LEVEL
            for e in planned.enrolments:
                if not e.certificate_number or e.certificate_number in existing:
                    continue
                enrolment = self.enrolment(planned, e)
                certificate = Certificate(
                    enrolment=enrolment, trainee=enrolment.trainee, occupation=occupation,
                    kind=occupation.certificate_kind, level=e.certificate_level, number=e.certificate_number,
                    evaluation_body=evaluator if by_body else None,
                    issuer_name=evaluator.name if by_body else demo.HR_ISSUER,
                    issued_on=planned.certificates_issued_on,
                    recorded_by=self.users["eval_body" if by_body else "hr_admin"],
                )
                certificate._history_date = at(planned.certificates_issued_on, 11)
                new.append(certificate)
        self.insert(Certificate, new, clean=ROWS)
        self.certificates.update({
            c.number: c for part in chunks(numbers) for c in Certificate.objects.filter(number__in=part)
        })

    def seed_employment(self):
        """Jobs after training (R7, R8, R11), some verified by HR."""
        existing = set(
            EmploymentRecord.objects.filter(enrolment__training_class__in=self.year_classes)
            .values_list("trainee_id", "enrolment_id")
        )
        new = []
        for planned in self.plan.classes:
            for e in planned.enrolments:
                job = e.employment
                enrolment = self.enrolment(planned, e)
                if not job or (enrolment.trainee_id, enrolment.pk) in existing:
                    continue
                verified = job["verified_on"]
                record = EmploymentRecord(
                    trainee=enrolment.trainee, enrolment=enrolment, employer_name=job["employer_name"],
                    employer_credit_code=job["employer_credit_code"], started_on=job["started_on"],
                    contract_months=job["contract_months"], evidence_kind=job["evidence_kind"],
                    is_employer_the_institution=job["employer_credit_code"] == planned.institution.credit_code,
                    recorded_by=self.user(planned.clerk),
                    verified_by=self.users["hr_reviewer"] if verified else None,
                    verified_at=at(verified, 15) if verified else None,
                )
                record._demo_at = at(job["recorded_on"], 10)
                if verified:
                    record._history_date = record.verified_at
                new.append(record)
        self.insert(EmploymentRecord, new, clean=ROWS)

    def seed_vouchers(self):
        """The year's voucher pilot (四(三), R14)."""
        existing = set(
            Voucher.objects.filter(code__in=[v.code for v in self.plan.vouchers]).values_list("code", flat=True)
        )
        new = []
        for v in self.plan.vouchers:
            if v.code in existing:
                continue
            enrolment = None
            if v.enrolment:
                code, id_number = v.enrolment
                enrolment = self.enrolments[(self.classes[code].pk, self.trainees[id_number].pk)]
            voucher = Voucher(
                code=v.code, holder=self.trainees[v.holder], township=self.townships[v.township],
                policy_year=self.year, issued_on=v.issued_on, expires_on=v.expires_on, status=v.status,
                enrolment=enrolment, redeemed_on=v.redeemed_on, issued_by=self.user(v.issued_by),
            )
            voucher._history_date = at(v.redeemed_on or v.issued_on, 14)
            new.append(voucher)
        self.insert(Voucher, new)

    def seed_claims(self):
        """Claims in every step of SPEC.md §3.7 with one line per payable trainee (R6, R7, R8):
        reviewer and approver are two people, publicity lasts the year's working days (R19)."""
        p = self.p
        for number, row in enumerate(self.spec.claims, start=11):
            planned = self.plan.klass(row.code)
            klass = self.classes[row.code]
            days = min(len({s.held_on for s in planned.sessions}), p.max_days)
            total = training_subsidy(days=days, p=p)
            first, second = split_instalments(total, p=p)
            lines = []
            vouchers = {v.enrolment_id: v for v in Voucher.objects.filter(enrolment__training_class=klass)}
            jobs = {r.enrolment_id: r for r in EmploymentRecord.objects.filter(enrolment__training_class=klass)}
            for e in planned_lines(planned, row.instalment, row.status, p):
                enrolment = self.enrolment(planned, e)
                certificate = self.certificates[e.certificate_number]
                if row.instalment == "first":
                    reason = f"取得{certificate.get_kind_display()}(编号{certificate.number}),培训{days}天"
                    amount, reward = first, Decimal("0.00")
                else:
                    job = e.employment
                    reason = (f"结业后{p.employment_window_months}个月内就业({job['employer_name']},{chinese_date(job['started_on'])}起),"
                              f"培训{days}天")
                    amount, reward = second, p.placement_reward_amount
                lines.append(ClaimLine(
                    enrolment=enrolment, instalment=row.instalment, training_days=days, total_subsidy_amount=total,
                    first_amount=first, second_amount=second, amount=amount,
                    placement_reward_amount=reward, reason=reason, certificate=certificate,
                    voucher=vouchers.get(enrolment.pk),
                    employment=jobs.get(enrolment.pk) if row.instalment == "second" else None,
                ))
            claim = self._claim(klass, planned, row, number, lines)
            done = set(
                ClaimLine.objects.filter(claim=claim, is_void=False).values_list("enrolment_id", flat=True)
            )
            missing = [line for line in lines if line.enrolment_id not in done]
            for line in missing:
                line.claim = claim
                line._history_date = at(row.created_on, 9, 30)
            self.insert(ClaimLine, missing, clean=ROWS)

    def _claim(self, klass, planned, row, number, lines):
        timeline = demo.claim_timeline(row.created_on, row.status, self.p.publicity_working_days)
        clerk = self.user(planned.clerk)

        def when(day, hour):
            return at(day, hour) if day else None

        fields = {
            "institution": klass.institution, "status": row.status,
            "total_amount": sum((line.amount + line.placement_reward_amount for line in lines), Decimal("0.00")),
            "created_by": clerk,
            "submitted_by": clerk if timeline.submitted_on else None,
            "submitted_at": when(timeline.submitted_on, 10),
            "reviewed_by": self.users["hr_reviewer"] if timeline.reviewed_on else None,
            "reviewed_at": when(timeline.reviewed_on, 15),
            "approved_by": self.users["hr_approver"] if timeline.approved_on else None,
            "approved_at": when(timeline.approved_on, 16),
            "publicity_starts_on": timeline.publicity_starts_on,
            "publicity_ends_on": timeline.publicity_ends_on,
            "paid_by": self.users["hr_admin"] if timeline.paid_on else None,
            "paid_at": when(timeline.paid_on, 11),
            "payment_reference": f"长县人社拨〔{self.spec.year}〕{number}号" if timeline.paid_on else "",
            "return_reason": row.return_reason,
        }
        steps = [fields["submitted_at"], fields["reviewed_at"], fields["approved_at"], fields["paid_at"]]
        if timeline.publicity_ends_on and row.status == "payable":
            steps.append(at(demo.add_working_days(timeline.publicity_ends_on, 1), 9))
        elif timeline.publicity_starts_on:
            steps.append(at(timeline.publicity_starts_on, 9))
        if row.return_reason:  # returned by HR three working days after it was submitted
            steps.append(at(demo.add_working_days(row.created_on, 4), 15))
        claim = (
            SubsidyClaim.objects.filter(training_class=klass, instalment=row.instalment)
            .exclude(status=ClaimStatus.REJECTED).first()
        )
        if claim is None:
            claim = SubsidyClaim(training_class=klass, instalment=row.instalment, **fields)
            claim._demo_at = at(row.created_on, 9, 30)
            claim._history_date = max([s for s in steps if s] + [claim._demo_at])
            self.insert(SubsidyClaim, [claim])
        return claim

    def seed_small_enterprise_subsidies(self):
        """R15 《实施方案》四(四): a small enterprise hires a welder of the archive's first class on
        a 12-month contract (300 yuan) and claims 300 more for the certificate he then obtained;
        both paid, the enterprise classified small (工信部联企业〔2011〕300号) from its figures for
        the year before the contract, filed with their evidence."""
        if not self.plan.small_enterprise_hire:
            return
        code, contract_on = self.spec.small_enterprise
        hire = self.trainees[self.plan.small_enterprise_hire]
        enterprise, credit_code = demo.SMALL_ENTERPRISE
        figures_year = contract_on.year - 1
        size = classify_enterprise(**demo.SMALL_ENTERPRISE_SIZE, assets_10k=None).size
        certificate = Certificate.objects.filter(trainee=hire, enrolment__training_class__code=code).first()
        rows = [
            ("hire", None, contract_on + timedelta(days=21)),
            ("upgrade", certificate, certificate.issued_on + timedelta(days=35)),
        ]
        for number, (stage, certificate_, paid_on) in enumerate(rows, start=1):
            submitted_on = paid_on - timedelta(days=18)
            self.ensure(
                SmallEnterpriseSubsidy, {"enterprise_credit_code": credit_code, "hire": hire, "stage": stage},
                {
                    "enterprise_name": enterprise, "policy_year": self.year, **demo.SMALL_ENTERPRISE_SIZE,
                    "figures_year": figures_year, "enterprise_size": size,
                    "size_evidence": ContentFile(demo.small_enterprise_evidence(figures_year),
                                                 name=f"{figures_year}年度企业规模情况说明.docx"),
                    "contract_starts_on": contract_on, "contract_months": 12, "certificate": certificate_,
                    "amount": small_enterprise_subsidy_amount(stage=stage, p=self.p), "status": "paid",
                    "submitted_by": self.users["hr_admin"], "submitted_at": at(submitted_on, 10),
                    "reviewed_by": self.users["hr_reviewer"], "reviewed_at": at(submitted_on + timedelta(days=5), 15),
                    "approved_by": self.users["hr_approver"], "approved_at": at(submitted_on + timedelta(days=8), 16),
                    "paid_at": at(paid_on, 11), "payment_reference": f"长县人社小微〔{self.spec.year}〕{number}号",
                },
                history_at=at(paid_on, 11),
            )

    def seed_inspections(self):
        """督导检查 by HR (三(七))."""
        for code, method, inspected_on, findings, follow_up, compliant in self.spec.inspections:
            klass = self.classes[code]
            self.ensure(
                Inspection,
                {"institution": klass.institution, "training_class": klass, "inspected_on": inspected_on,
                 "method": method},
                {"findings": findings, "follow_up": follow_up, "is_compliant": compliant,
                 "inspector": self.users["hr_reviewer"]},
                demo_at=at(inspected_on, 17),
            )


class Command(BaseCommand):
    help = ("载入长治县全民技能提升工程演示数据:已结束的2018年度和围绕今天的当前年度"
            "(仅限调试模式;可重复运行,已有数据不会重复创建)。")

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError("演示数据只能在调试模式下载入(DEBUG=true),生产环境禁止运行。")
        started = clock.monotonic()
        if PolicyYear.objects.filter(year=demo.ARCHIVE_YEAR, is_closed=False).exists():
            raise CommandError(f"数据库中的{demo.ARCHIVE_YEAR}年度尚未结束,不是本演示的归档年度(可能是旧版演示数据):"
                               "请删除数据库(db.sqlite3)和 media/ 目录后重新运行 make run。")
        today = live_anchor() or timezone.localdate()
        plans = demo.build_plans(today)
        if is_complete(plans):
            self.stdout.write("演示数据已存在,未作任何改动。")
        else:
            seeder = Seeder(plans)
            with transaction.atomic():
                seeder.run()
            created = ",".join(f"{name} {count}" for name, count in seeder.created.items())
            self.stdout.write(self.style.SUCCESS(f"已载入演示数据,新建 {sum(seeder.created.values())} 条记录:"))
            self.stdout.write(f"  {created}")
        self.write_summary(plans)
        self.stdout.write(f"用时 {clock.monotonic() - started:.1f} 秒。")

    def write_summary(self, plans):
        live = plans[-1].spec
        self.stdout.write(
            f"{demo.ARCHIVE_YEAR}年度已结束(全部结算归档);{live.year}年度进行中,演示数据以"
            f"{chinese_date(live.today)}为今天"
            + ("" if live.today == timezone.localdate() else "(删除数据库后重新载入可改为今天)") + "。"
        )
        statuses = dict(TrainingClass.objects.values_list("status").annotate(n=Count("pk")))
        claims = dict(SubsidyClaim.objects.values_list("status").annotate(n=Count("pk")))
        by_status = "、".join(f"{label} {statuses[value]}" for value, label in ClassStatus.choices if value in statuses)
        by_claim = "、".join(f"{label} {claims[value]}" for value, label in ClaimStatus.choices if value in claims)
        users = ", ".join(u.username for u in demo.USERS)
        self.stdout.write(
            f"乡镇 {Township.objects.count()} 个,培训机构 {TrainingInstitution.objects.count()} 家,"
            f"学员 {Trainee.objects.count()} 人,培训班 {TrainingClass.objects.count()} 个({by_status}),"
            f"考勤记录 {AttendanceRecord.objects.count()} 条,证书 {Certificate.objects.count()} 本,"
            f"就业记录 {EmploymentRecord.objects.count()} 条,培训券 {Voucher.objects.count()} 张,"
            f"补贴申领 {SubsidyClaim.objects.count()} 笔({by_claim})。"
        )
        self.stdout.write(f"演示用户:{users},密码均为 {demo.PASSWORD}。")
