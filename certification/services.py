"""Assessment results, certificates and employment records: every change through here."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.scope import require_hr, scope_of
from certification import policy
from certification.models import Assessment, AssessmentResult, Certificate, EmploymentRecord, EvaluationPlan
from courses.models import Enrolment

if TYPE_CHECKING:
    from django.contrib.auth.models import User
    from django.core.files import File

    from certification.models import EvaluationBody
    from courses.models import Occupation


def _lock_enrolment(enrolment: Enrolment) -> Enrolment:
    return (
        Enrolment.objects.select_for_update(of=("self",))
        .select_related("training_class__occupation", "training_class__institution", "training_class__policy_year",
                        "trainee")
        .get(pk=enrolment.pk)
    )


@transaction.atomic
def record_assessment(enrolment: Enrolment, *, by: User, result: str, assessed_on: date,
                      theory_score: Decimal | None = None, practical_score: Decimal | None = None) -> Assessment:
    """Record (or correct) a trainee's end-of-course result; only those who met attendance (R3)."""
    enrolment = _lock_enrolment(enrolment)
    tc = enrolment.training_class
    policy.ensure_may_be_assessed(class_status=tc.status, attendance_rate=enrolment.attendance_rate,
                                  is_withdrawn=enrolment.is_withdrawn, p=tc.params())
    if assessed_on < tc.end_on:
        raise ValidationError("考核日期%(day)s早于结业日期%(end)s:请填写结业当天或以后的考核日期。",
                              code="assessment_before_class_end",
                              params={"day": assessed_on, "end": tc.end_on})
    if result != AssessmentResult.PASSED and Certificate.objects.filter(enrolment=enrolment).exists():
        raise ValidationError("该学员已发证,不能把考核结果改为不合格:如证书有误,请联系县人社局核查。", code="certificate_exists")
    assessment = Assessment.objects.filter(enrolment=enrolment).first() or Assessment(enrolment=enrolment)
    assessment.result, assessment.assessed_on = result, assessed_on
    assessment.theory_score, assessment.practical_score = theory_score, practical_score
    assessment.recorded_by = by
    assessment.full_clean()
    assessment.save()
    return assessment


def plan_covers(evaluation_body: EvaluationBody, occupation: Occupation) -> bool:
    """Whether the body has a published evaluation plan covering the occupation (R12)."""
    return EvaluationPlan.objects.filter(
        evaluation_body=evaluation_body, occupations=occupation, published_on__isnull=False
    ).exists()


@transaction.atomic
def issue_certificate(enrolment: Enrolment, *, by: User, number: str | None, issued_on: date, today: date,
                      level: str = "", evaluation_body: EvaluationBody | None = None) -> Certificate:
    """Record the certificate a trainee who passed obtained: the kind the occupation leads to,
    skill-level ones from an evaluation body with a published plan (R12)."""
    enrolment = _lock_enrolment(enrolment)
    tc = enrolment.training_class
    occupation = tc.occupation
    scope = scope_of(by)
    # 谁评价、谁发证 (三(六)): evaluation bodies record their own skill-level certificates, county
    # HR the kinds it issues; an institution never records a certificate (it triggers the 80 %).
    if occupation.certificate_kind == "skill_level":
        allowed = scope.acts_in_county(tc.county_id) or (scope.is_evaluator and evaluation_body is not None
                                  and scope.evaluation_body_id == evaluation_body.pk)
    else:
        allowed = scope.acts_in_county(tc.county_id)
    if not allowed:
        raise ValidationError(
            "该证书由%(issuer)s核发并录入(《实施方案》三(六) 谁评价、谁发证):培训机构只录入考核结果,证书编号请留空。",
            code="not_the_issuer",
            params={"issuer": "评价机构" if occupation.certificate_kind == "skill_level" else "县人社局"},
        )
    assessment = Assessment.objects.filter(enrolment=enrolment).first()
    if Certificate.objects.filter(enrolment=enrolment, occupation=occupation).exists():
        raise ValidationError("该学员本班证书已登记:如需更正,请联系县人社局。", code="certificate_exists")
    level = level or (tc.level if occupation.certificate_kind == "skill_level" else "")
    policy.ensure_certificate_matches(
        occupation_kind=occupation.certificate_kind, kind=occupation.certificate_kind, level=level,
        passed=assessment is not None and assessment.result == AssessmentResult.PASSED,
        issued_on=issued_on, class_end_on=tc.end_on, today=today,
        has_evaluation_body=evaluation_body is not None,
        body_plan_published_for_occupation=evaluation_body is not None and plan_covers(evaluation_body, occupation),
    )
    certificate = Certificate(
        enrolment=enrolment, trainee=enrolment.trainee, occupation=occupation, kind=occupation.certificate_kind,
        level=level, number=(number or "").strip(), evaluation_body=evaluation_body,
        issuer_name=evaluation_body.name if evaluation_body else policy.COUNTY_HR, issued_on=issued_on,
        recorded_by=by,
    )
    certificate.full_clean()
    certificate.save()
    return certificate


@transaction.atomic
def record_employment(enrolment: Enrolment, *, by: User, employer_name: str, started_on: date, evidence_kind: str,
                      employer_credit_code: str | None = "", contract_months: int | None = None,
                      evidence_file: File | None = None, today: date | None = None) -> EmploymentRecord:
    """Record a trainee's employment after training (entered by the institution or the
    township): it has begun by `today` (the county's date unless given) and not before the class
    started (R23); an employer that is the training institution itself is flagged."""
    enrolment = _lock_enrolment(enrolment)
    tc = enrolment.training_class
    policy.ensure_employment_started(started_on=started_on, today=today or timezone.localdate(),
                                     class_start_on=tc.started_on or tc.planned_start_on)
    institution = tc.institution
    record = EmploymentRecord(
        trainee=enrolment.trainee, enrolment=enrolment, employer_name=employer_name.strip(),
        employer_credit_code=(employer_credit_code or "").strip().upper(), started_on=started_on,
        contract_months=contract_months, evidence_kind=evidence_kind, recorded_by=by,
    )
    if evidence_file:
        record.evidence_file = evidence_file
    record.is_employer_the_institution = policy.is_employer_the_institution(
        employer_credit_code=record.employer_credit_code, employer_name=record.employer_name,
        institution_credit_code=institution.credit_code, institution_name=institution.name,
    )
    record.full_clean()
    record.save()
    return record


@transaction.atomic
def verify_employment(record: EmploymentRecord, *, by: User, note: str = "",
                      today: date | None = None) -> EmploymentRecord:
    """HR confirms the employment evidence (required before the second instalment). A record
    that needs scrutiny (the institution itself, an employer without a valid credit code: R23)
    is verified only with `note`, HR's written account of what was checked, which is stored; a
    job that has not begun by `today` is never verified."""
    record = EmploymentRecord.objects.select_for_update().get(pk=record.pk)
    enrolment = record.enrolment
    require_hr(by, action="核实就业情况", county_id=enrolment.training_class.county_id if enrolment else None)
    # One verified before R23 asked for a note, without HR's note, is verified again with one.
    if record.is_verified_for_payment:
        raise ValidationError("该就业记录已核实。", code="already_verified")
    policy.ensure_employment_started(started_on=record.started_on, today=today or timezone.localdate())
    policy.ensure_verification_note(reason=record.needs_scrutiny, note=note)
    record.verified_by, record.verified_at = by, timezone.now()
    record.verification_note = (note or "").strip()
    # Verifying changes no employer data: a code stored before its check character was checked
    # is the very case the note is for (the database still checks the note is there).
    record.full_clean(exclude=["employer_credit_code"])
    record.save()
    return record
