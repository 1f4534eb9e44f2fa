"""Per-row invariants hold twice: full_clean() refuses with a stable code, and the database
refuses a raw insert that skipped validation (IntegrityError)."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from stdnum.cn import uscc

from accounts.models import Role, UserProfile
from certification.models import Certificate
from courses.models import AttendanceRecord, Enrolment, TrainingClass, Voucher
from institutions.validators import validate_credit_code
from subsidies.models import ClaimLine, SubsidyClaim
from tests import factories
from trainees.models import Trainee

pytestmark = pytest.mark.django_db


def error_codes(error):
    if hasattr(error, "error_dict"):
        return {e.code for errors in error.error_dict.values() for e in errors}
    return {e.code for e in error.error_list}


def assert_refused(instance, code):
    """full_clean() names the rule by code, and the database refuses the same row raw."""
    with pytest.raises(ValidationError) as error:
        instance.full_clean()
    assert code in error_codes(error.value), error_codes(error.value)
    with pytest.raises(IntegrityError), transaction.atomic():
        instance.save()


def test_practical_hours_within_total_hours():
    """A class with more practical hours than total hours is refused."""
    training_class = factories.TrainingClassFactory.build(
        policy_year=factories.PolicyYearFactory(), total_hours=80, practical_hours=81,
        institution=factories.TrainingInstitutionFactory(), occupation=factories.OccupationFactory(),
        target_line=factories.TargetLineFactory(),
    )
    assert_refused(training_class, "practical_within_total")


def test_practical_equal_to_total_is_accepted():
    training_class = factories.TrainingClassFactory(total_hours=80, practical_hours=80)
    training_class.full_clean()
    training_class.refresh_from_db()  # stored as well: the database's constraint agrees
    assert training_class.practical_hours == training_class.total_hours == 80


def test_class_status_must_be_one_of_its_values():
    training_class = factories.TrainingClassFactory()
    training_class.status = "paid"
    with pytest.raises(ValidationError) as error:
        training_class.full_clean()
    assert "invalid_choice" in error_codes(error.value)
    with pytest.raises(IntegrityError), transaction.atomic():
        TrainingClass.objects.filter(pk=training_class.pk).update(status="paid")


def test_class_end_not_before_start():
    training_class = factories.TrainingClassFactory()
    training_class.planned_end_on = training_class.planned_start_on - datetime.timedelta(days=1)
    assert_refused(training_class, "dates_ordered")


def test_one_enrolment_per_trainee_and_class():
    enrolment = factories.EnrolmentFactory()
    duplicate = Enrolment(training_class=enrolment.training_class, trainee=enrolment.trainee,
                          enrolled_on=enrolment.enrolled_on)
    assert_refused(duplicate, "one_per_trainee_and_class")


def test_withdrawal_needs_a_date():
    enrolment = factories.EnrolmentFactory()
    enrolment.is_withdrawn = True
    assert_refused(enrolment, "withdrawal_dated")


def test_one_attendance_mark_per_enrolment_and_session():
    mark = factories.AttendanceRecordFactory()
    duplicate = AttendanceRecord(enrolment=mark.enrolment, session=mark.session, is_present=False)
    assert_refused(duplicate, "one_per_enrolment_and_session")


def test_absent_mark_carries_no_hours():
    mark = factories.AttendanceRecordFactory()
    mark.is_present = False
    mark.hours_present = Decimal("2.0")
    assert_refused(mark, "hours_only_when_present")


def test_resident_id_number_is_unique():
    trainee = factories.TraineeFactory()
    duplicate = Trainee(id_number=trainee.id_number, name="另一人", township=trainee.township)
    with pytest.raises(ValidationError) as error:
        duplicate.full_clean()
    assert "unique" in error_codes(error.value)
    with pytest.raises(IntegrityError), transaction.atomic():
        duplicate.save()


def test_resident_id_number_format_enforced_by_the_database():
    """A raw insert of a malformed number is refused by the database, not only by forms."""
    township = factories.TownshipFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Trainee.objects.create(id_number="14042119900101123", name="甲", township=township,
                               birth_on=datetime.date(1990, 1, 1), sex="M")


def test_trainee_birth_date_and_sex_are_derived():
    """Saving a trainee derives birth date and sex from the ID number, never typed twice."""
    trainee = factories.TraineeFactory(id_number="11010519491231002X")
    trainee.refresh_from_db()
    assert trainee.birth_on == datetime.date(1949, 12, 31)
    assert trainee.sex == "F"


def test_trainee_full_clean_normalises_and_validates_the_id_number():
    township = factories.TownshipFactory()
    trainee = Trainee(id_number=" 11010519491231002x", name="乙", township=township)
    trainee.full_clean()
    assert trainee.id_number == "11010519491231002X"
    bad = Trainee(id_number="110105194912310021", name="丙", township=township)
    with pytest.raises(ValidationError) as error:
        bad.full_clean()
    assert "id_checksum" in error_codes(error.value)


def test_certificate_numbers_are_unique():
    certificate = factories.CertificateFactory()
    duplicate = Certificate(
        trainee=certificate.trainee, occupation=certificate.occupation, kind=certificate.kind,
        number=certificate.number, issuer_name="长治县人力资源和社会保障局", issued_on=certificate.issued_on,
    )
    with pytest.raises(ValidationError) as error:
        duplicate.full_clean()
    assert "unique" in error_codes(error.value)
    with pytest.raises(IntegrityError), transaction.atomic():
        duplicate.save()


def certificate_of(kind, level, body=None):
    certificate = factories.CertificateFactory()
    certificate.kind, certificate.level, certificate.evaluation_body = kind, level, body
    return certificate


def test_skill_level_certificate_needs_a_level():
    assert_refused(certificate_of("skill_level", "", factories.EvaluationBodyFactory()), "level_matches_kind")


def test_skill_level_certificate_needs_an_evaluation_body():
    assert_refused(certificate_of("skill_level", "5"), "level_matches_kind")


def test_skill_level_certificate_with_level_and_body_is_accepted():
    certificate = certificate_of("skill_level", "4", factories.EvaluationBodyFactory())
    certificate.full_clean()
    certificate.save()
    assert Certificate.objects.filter(pk=certificate.pk, kind="skill_level", level="4").exists()


def test_national_qualification_may_carry_a_level():
    """国家职业资格证书 such as 电工(四级) carry a level; they are issued by county HR."""
    certificate_of("qualification", "4").full_clean()
    certificate_of("qualification", "").full_clean()
    assert_refused(certificate_of("qualification", "4", factories.EvaluationBodyFactory()), "level_matches_kind")


def test_training_and_special_ability_certificates_have_no_level():
    assert_refused(certificate_of("training", "5"), "level_matches_kind")
    assert_refused(certificate_of("special_ability", "5"), "level_matches_kind")


def test_voucher_codes_are_unique():
    voucher = factories.VoucherFactory()
    duplicate = Voucher(code=voucher.code, holder=voucher.holder, township=voucher.township,
                        policy_year=voucher.policy_year, issued_on=voucher.issued_on, expires_on=voucher.expires_on)
    with pytest.raises(ValidationError) as error:
        duplicate.full_clean()
    assert "unique" in error_codes(error.value)
    with pytest.raises(IntegrityError), transaction.atomic():
        duplicate.save()


def test_redeemed_voucher_names_its_enrolment():
    voucher = factories.VoucherFactory()
    voucher.status = "redeemed"
    assert_refused(voucher, "redeemed_has_enrolment")


def test_voucher_expiry_not_before_issue():
    voucher = factories.VoucherFactory()
    voucher.expires_on = voucher.issued_on - datetime.timedelta(days=1)
    assert_refused(voucher, "expiry_after_issue")


def test_instalments_add_up_to_the_total():
    """first + second = total, to the fen (R7)."""
    line = factories.ClaimLineFactory()
    line.second_amount = Decimal("300.01")
    assert_refused(line, "instalments_add_up")


def test_line_amount_matches_its_instalment():
    line = factories.ClaimLineFactory()
    line.amount = Decimal("1500.00")
    assert_refused(line, "amount_matches_instalment")


def test_money_is_never_negative():
    line = factories.ClaimLineFactory()
    line.first_amount, line.second_amount, line.amount = Decimal("1800.00"), Decimal("-300.00"), Decimal("1800.00")
    assert_refused(line, "min_value")
    claim = factories.SubsidyClaimFactory()
    claim.total_amount = Decimal("-0.01")
    assert_refused(claim, "min_value")


def test_one_line_per_trainee_class_and_instalment():
    """A trainee's instalment is claimed once, whatever claim it sits on."""
    line = factories.ClaimLineFactory()
    duplicate = ClaimLine(
        claim=line.claim, enrolment=line.enrolment, instalment=line.instalment, training_days=10,
        total_subsidy_amount=Decimal("1500.00"), first_amount=Decimal("1200.00"),
        second_amount=Decimal("300.00"), amount=Decimal("1200.00"), reason="重复",
    )
    assert_refused(duplicate, "once_per_trainee_class_and_instalment")


def test_a_voided_line_does_not_block_a_new_one():
    line = factories.ClaimLineFactory()
    ClaimLine.objects.filter(pk=line.pk).update(is_void=True, void_reason="公示异议成立")
    again = factories.ClaimLineFactory(claim=line.claim, enrolment=line.enrolment)
    again.full_clean()
    assert ClaimLine.objects.filter(claim=line.claim, enrolment=line.enrolment, is_void=False).get() == again


def test_reviewer_and_approver_are_two_people():
    """Four eyes: one person cannot both review and approve a claim."""
    claim = factories.SubsidyClaimFactory()
    officer = factories.UserFactory()
    claim.reviewed_by = claim.approved_by = officer
    assert_refused(claim, "four_eyes")


def test_a_supplementary_claim_for_the_same_class_is_allowed():
    """Trainees certified after a make-up exam are claimed on a second claim of the same class
    and instalment; only the trainee's own line is unique."""
    claim = factories.SubsidyClaimFactory()
    supplementary = SubsidyClaim(institution=claim.institution, training_class=claim.training_class,
                                 instalment=claim.instalment)
    supplementary.full_clean()
    supplementary.save()
    assert SubsidyClaim.objects.filter(training_class=claim.training_class, instalment=claim.instalment).count() == 2


def test_profile_role_matches_its_party():
    """An institution clerk's profile must name an institution and nothing else."""
    user = factories.UserFactory()
    profile = UserProfile(user=user, role=Role.INSTITUTION, township=factories.TownshipFactory())
    assert_refused(profile, "role_matches_party")


def test_policy_year_minimum_practical_share_within_target():
    year = factories.PolicyYearFactory()
    year.min_practical_share = Decimal("0.75")
    assert_refused(year, "practical_min_within_target")


def test_policy_year_defaults_are_the_2018_values():
    """Every rule parameter of SPEC.md §4 is on the year with the 2018 default."""
    p = factories.PolicyYearFactory().params()
    assert (p.max_class_size, p.min_attendance_rate, p.min_practical_share, p.target_practical_share) == (
        50, Decimal("0.85"), Decimal("0.65"), Decimal("0.70"))
    assert (p.max_days, p.max_hours, p.max_hours_per_day, p.standard_days, p.standard_hours) == (15, 120, 8, 10, 80)
    assert (p.full_day_rate, p.reduced_day_rate, p.full_rate_days) == (Decimal("150"), Decimal("100"), 10)
    assert (p.first_instalment_share, p.employment_window_months) == (Decimal("0.80"), 3)
    assert (p.min_pass_rate, p.min_employment_rate, p.min_age) == (Decimal("0.80"), Decimal("0.30"), 16)
    assert (p.small_enterprise_hire_amount, p.small_enterprise_min_contract_months,
            p.small_enterprise_upgrade_amount, p.small_enterprise_upgrade_window_months) == (
        Decimal("300"), 6, Decimal("300"), 12)
    assert (p.max_subsidised_trainings, p.claim_deadline_months, p.publicity_working_days) == (3, 12, 5)
    assert (p.max_parallel_classes, p.max_parallel_classes_approved) == (1, 2)


def test_textbook_isbn_is_checked():
    textbook = factories.TextbookFactory()
    textbook.full_clean()
    textbook.isbn = "9787516700007"
    with pytest.raises(ValidationError) as error:
        textbook.full_clean()
    assert "isbn_invalid" in error_codes(error.value)


@pytest.mark.parametrize("base", ["N2140421MA0000001", "Y1140421MA0000002", "91140421MA0000003"])
def test_credit_codes_of_every_registration_authority_are_accepted(base):
    """Village collectives registered by agriculture (N…) and others (Y…) have valid codes too."""

    validate_credit_code(base + uscc.calc_check_digit(base))
    with pytest.raises(ValidationError):
        validate_credit_code(base + ("0" if uscc.calc_check_digit(base) != "0" else "1"))


def test_institution_credit_code_is_checked():
    institution = factories.TrainingInstitutionFactory()
    institution.full_clean()
    institution.credit_code = institution.credit_code[:-1] + ("0" if institution.credit_code[-1] != "0" else "1")
    with pytest.raises(ValidationError) as error:
        institution.full_clean()
    assert "credit_code_invalid" in error_codes(error.value)
