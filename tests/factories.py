"""One factory per model; business states are traits."""

import datetime
from decimal import Decimal

import factory
from django.contrib.auth.models import Group, User
from factory.django import DjangoModelFactory
from stdnum.cn import uscc

from accounts.models import Role, UserProfile
from certification.models import Assessment, Certificate, EmploymentRecord, EvaluationBody, EvaluationPlan
from courses.models import (
    AttendanceRecord,
    CertificateKind,
    ClassStatus,
    ClassTransition,
    Enrolment,
    Industry,
    Occupation,
    ParallelClassApproval,
    Session,
    SessionKind,
    Textbook,
    TrainingClass,
    TrainingMode,
    Voucher,
)
from institutions.models import (
    Flag,
    Inspection,
    InspectionMethod,
    InstitutionKind,
    InstitutionYear,
    TrainingInstitution,
)
from programme.models import CalendarDay, PolicyYear, TargetLine, Township, TownshipTarget
from subsidies.models import ClaimLine, ClaimObjection, Instalment, SmallEnterpriseSubsidy, SubsidyClaim
from tests.ids import make_id_number
from trainees.models import CategoryMembership, Trainee, TraineeCategory


def credit_code(n, prefix="91140421"):
    base = f"{prefix}MA0{n:06d}"[:17]
    return base + uscc.calc_check_digit(base)


class PolicyYearFactory(DjangoModelFactory):
    class Meta:
        model = PolicyYear
        django_get_or_create = ["year"]

    year = 2018


class TargetLineFactory(DjangoModelFactory):
    class Meta:
        model = TargetLine

    policy_year = factory.SubFactory(PolicyYearFactory)
    name = factory.Sequence(lambda n: f"任务类别{n}")
    target_count = 100


class TownshipFactory(DjangoModelFactory):
    class Meta:
        model = Township

    name = factory.Sequence(lambda n: f"测试{n}镇")


class TownshipTargetFactory(DjangoModelFactory):
    class Meta:
        model = TownshipTarget

    township = factory.SubFactory(TownshipFactory)
    policy_year = factory.SubFactory(PolicyYearFactory)
    target_count = 500


class TrainingInstitutionFactory(DjangoModelFactory):
    class Meta:
        model = TrainingInstitution

    name = factory.Sequence(lambda n: f"测试职业培训学校{n}")
    kind = InstitutionKind.PRIVATE_SCHOOL
    credit_code = factory.Sequence(lambda n: credit_code(n, prefix="52140421"))
    responsible_person = "王校长"
    responsible_title = "principal"


class InstitutionYearFactory(DjangoModelFactory):
    class Meta:
        model = InstitutionYear

    institution = factory.SubFactory(TrainingInstitutionFactory)
    policy_year = factory.SubFactory(PolicyYearFactory)


class EvaluationBodyFactory(DjangoModelFactory):
    class Meta:
        model = EvaluationBody

    name = factory.Sequence(lambda n: f"测试评价中心{n}")
    kind = "talent_evaluation"
    credit_code = factory.Sequence(lambda n: credit_code(n, prefix="91140400"))


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ["username"]
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.PostGenerationMethodCall("set_password", "Test-password-2018")

    @factory.post_generation
    def saved(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class GroupFactory(DjangoModelFactory):
    class Meta:
        model = Group

    name = factory.Sequence(lambda n: f"工作组{n}")


class ProfileFactory(DjangoModelFactory):
    class Meta:
        model = UserProfile

    user = factory.SubFactory(UserFactory)
    role = Role.HR


def hr_user(username="hr_staff", **kwargs):
    user = UserFactory(username=username, is_staff=True, is_superuser=True, **kwargs)
    ProfileFactory(user=user, role=Role.HR)
    return user


def institution_user(institution, username=None):
    user = UserFactory(username=username or f"clerk{institution.pk}")
    ProfileFactory(user=user, role=Role.INSTITUTION, institution=institution)
    return user


def township_user(township, username=None):
    user = UserFactory(username=username or f"official{township.pk}")
    ProfileFactory(user=user, role=Role.TOWNSHIP, township=township)
    return user


def evaluator_user(body, username=None):
    user = UserFactory(username=username or f"evaluator{body.pk}")
    ProfileFactory(user=user, role=Role.EVALUATOR, evaluation_body=body)
    return user


class TraineeFactory(DjangoModelFactory):
    class Meta:
        model = Trainee
        skip_postgeneration_save = True

    id_number = factory.Sequence(lambda n: make_id_number(birth=f"19{70 + n % 30}0{1 + n % 9}1{n % 10}", sequence=n))
    name = factory.Sequence(lambda n: f"学员{n}")
    phone = factory.Sequence(lambda n: f"139{n:08d}")
    township = factory.SubFactory(TownshipFactory)

    @factory.post_generation
    def category(obj, create, extracted, **kwargs):
        if create:
            CategoryMembership.objects.create(
                trainee=obj, category=extracted or TraineeCategory.RURAL_LABOUR, held_from=datetime.date(2018, 1, 1)
            )


class OccupationFactory(DjangoModelFactory):
    class Meta:
        model = Occupation

    policy_year = factory.SubFactory(PolicyYearFactory)
    name = factory.Sequence(lambda n: f"工种{n}")
    industry = Industry.EQUIPMENT
    certificate_kind = CertificateKind.SKILL_LEVEL
    has_national_standard = True


class TrainingClassFactory(DjangoModelFactory):
    class Meta:
        model = TrainingClass

    policy_year = factory.SubFactory(PolicyYearFactory)
    code = factory.Sequence(lambda n: f"2018-T{n:03d}")
    name = factory.Sequence(lambda n: f"测试培训班{n}")
    institution = factory.SubFactory(TrainingInstitutionFactory)
    occupation = factory.SubFactory(OccupationFactory, policy_year=factory.SelfAttribute("..policy_year"))
    target_line = factory.SubFactory(TargetLineFactory, policy_year=factory.SelfAttribute("..policy_year"))
    training_mode = TrainingMode.DEMAND_RESERVE
    planned_start_on = datetime.date(2018, 6, 1)
    planned_end_on = datetime.date(2018, 6, 10)
    planned_days = 10
    total_hours = 80
    practical_hours = 56
    capacity = 50
    venue = "实训楼一层"
    teachers = "张老师 高级技师"
    status = ClassStatus.DRAFT

    class Params:
        documents = factory.Trait(
            roster_plan="韩店镇推荐30人,苏店镇推荐20人",
            syllabus=factory.django.FileField(filename="教学大纲.pdf", data=b"%PDF-1.4 syllabus"),
            teaching_plan=factory.django.FileField(filename="教学计划.pdf", data=b"%PDF-1.4 plan"),
            assessment_plan=factory.django.FileField(filename="考核方案.pdf", data=b"%PDF-1.4 assessment"),
        )
        completed = factory.Trait(
            status=ClassStatus.COMPLETED, started_on=datetime.date(2018, 6, 1),
            completed_on=datetime.date(2018, 6, 10),
        )


def class_application(**kwargs):
    """A draft class whose application meets every rule: documents, a textbook, an institution
    on the year's list, an occupation with a national standard (R9, R10, R17)."""
    kwargs.setdefault("documents", True)
    if "occupation" not in kwargs:
        kwargs.setdefault("occupation__certificate_kind", CertificateKind.TRAINING)
    training_class = TrainingClassFactory(**kwargs)
    TextbookFactory(training_class=training_class)
    InstitutionYear.objects.get_or_create(institution=training_class.institution,
                                          policy_year=training_class.policy_year)
    return training_class


class ClassTransitionFactory(DjangoModelFactory):
    class Meta:
        model = ClassTransition

    training_class = factory.SubFactory(TrainingClassFactory)
    from_status = ClassStatus.DRAFT
    to_status = ClassStatus.SUBMITTED
    acted_by = factory.SubFactory(UserFactory)
    acted_at = factory.LazyFunction(lambda: datetime.datetime(2018, 5, 10, 9, tzinfo=datetime.UTC))


class TextbookFactory(DjangoModelFactory):
    class Meta:
        model = Textbook

    training_class = factory.SubFactory(TrainingClassFactory)
    title = "焊工(初级)"
    publisher = "中国劳动社会保障出版社"
    isbn = "9787516700006"


class EnrolmentFactory(DjangoModelFactory):
    class Meta:
        model = Enrolment

    training_class = factory.SubFactory(TrainingClassFactory)
    trainee = factory.SubFactory(TraineeFactory)
    enrolled_on = datetime.date(2018, 5, 20)


class SessionFactory(DjangoModelFactory):
    class Meta:
        model = Session

    training_class = factory.SubFactory(TrainingClassFactory)
    held_on = datetime.date(2018, 6, 1)
    starts_at = datetime.time(8, 30)
    hours = Decimal("4.0")
    kind = SessionKind.PRACTICAL


class AttendanceRecordFactory(DjangoModelFactory):
    class Meta:
        model = AttendanceRecord

    enrolment = factory.SubFactory(EnrolmentFactory)
    session = factory.SubFactory(SessionFactory, training_class=factory.SelfAttribute("..enrolment.training_class"))
    is_present = True


class ParallelClassApprovalFactory(DjangoModelFactory):
    class Meta:
        model = ParallelClassApproval

    institution = factory.SubFactory(TrainingInstitutionFactory)
    occupation = factory.SubFactory(OccupationFactory)
    basis = "两个实训车间,焊工教师6名"
    approved_by = factory.SubFactory(UserFactory)
    approved_on = datetime.date(2018, 5, 1)


class EvaluationPlanFactory(DjangoModelFactory):
    class Meta:
        model = EvaluationPlan

    evaluation_body = factory.SubFactory(EvaluationBodyFactory)
    policy_year = factory.SubFactory(PolicyYearFactory)
    title = "职业技能等级评价实施方案"
    published_on = datetime.date(2018, 5, 1)

    class Params:
        with_document = factory.Trait(
            document=factory.django.FileField(filename="评价实施方案.pdf", data=b"%PDF-1.4 plan"),
        )


class AssessmentFactory(DjangoModelFactory):
    class Meta:
        model = Assessment

    enrolment = factory.SubFactory(EnrolmentFactory)
    result = "passed"
    assessed_on = datetime.date(2018, 6, 10)


class CertificateFactory(DjangoModelFactory):
    class Meta:
        model = Certificate

    enrolment = factory.SubFactory(EnrolmentFactory)
    trainee = factory.SelfAttribute("enrolment.trainee")
    occupation = factory.SelfAttribute("enrolment.training_class.occupation")
    kind = CertificateKind.TRAINING
    level = ""
    number = factory.Sequence(lambda n: f"18140421{n:05d}")
    issuer_name = "长治县人力资源和社会保障局"
    issued_on = datetime.date(2018, 6, 20)


class EmploymentRecordFactory(DjangoModelFactory):
    class Meta:
        model = EmploymentRecord

    enrolment = factory.SubFactory(EnrolmentFactory)
    trainee = factory.SelfAttribute("enrolment.trainee")
    employer_name = "长治市某机械有限公司"
    started_on = datetime.date(2018, 7, 1)
    contract_months = 12
    evidence_kind = "contract"

    class Params:
        with_evidence = factory.Trait(
            evidence_file=factory.django.FileField(filename="劳动合同.pdf", data=b"%PDF-1.4 contract"),
        )


class VoucherFactory(DjangoModelFactory):
    class Meta:
        model = Voucher

    code = factory.Sequence(lambda n: f"QJ2018-{n:06d}")
    holder = factory.SubFactory(TraineeFactory)
    township = factory.SelfAttribute("holder.township")
    policy_year = factory.SubFactory(PolicyYearFactory)
    issued_on = datetime.date(2018, 5, 1)
    expires_on = datetime.date(2018, 12, 31)


class SubsidyClaimFactory(DjangoModelFactory):
    class Meta:
        model = SubsidyClaim

    training_class = factory.SubFactory(TrainingClassFactory, completed=True)
    institution = factory.SelfAttribute("training_class.institution")
    instalment = Instalment.FIRST


class ClaimLineFactory(DjangoModelFactory):
    class Meta:
        model = ClaimLine

    claim = factory.SubFactory(SubsidyClaimFactory)
    enrolment = factory.SubFactory(EnrolmentFactory, training_class=factory.SelfAttribute("..claim.training_class"))
    instalment = factory.SelfAttribute("claim.instalment")
    training_days = 10
    total_subsidy_amount = Decimal("1500.00")
    first_amount = Decimal("1200.00")
    second_amount = Decimal("300.00")
    amount = Decimal("1200.00")
    reason = "取得证书,培训10天"


class SmallEnterpriseSubsidyFactory(DjangoModelFactory):
    class Meta:
        model = SmallEnterpriseSubsidy

    enterprise_name = "长治县某小微企业"
    enterprise_credit_code = factory.Sequence(lambda n: credit_code(n, prefix="92140421"))
    hire = factory.SubFactory(TraineeFactory)
    policy_year = factory.SubFactory(PolicyYearFactory)
    # R15: a small 工业 enterprise by its 2017 figures (工信部联企业〔2011〕300号), with their evidence.
    industry = "manufacturing"
    employees = 45
    revenue_10k = Decimal("800.00")
    figures_year = 2017
    size_evidence = factory.django.FileField(filename="2017年度财务报表.pdf", data=b"%PDF-1.4 annual report")
    contract_starts_on = datetime.date(2018, 6, 1)
    contract_months = 12
    stage = "hire"
    amount = Decimal("300.00")


class InspectionFactory(DjangoModelFactory):
    class Meta:
        model = Inspection

    institution = factory.SubFactory(TrainingInstitutionFactory)
    inspected_on = datetime.date(2018, 6, 5)
    method = InspectionMethod.ON_SITE
    findings = "考勤与现场人数一致"
    inspector = factory.SubFactory(UserFactory)


class ClaimObjectionFactory(DjangoModelFactory):
    class Meta:
        model = ClaimObjection

    line = factory.SubFactory(ClaimLineFactory)
    received_on = datetime.date(2018, 9, 5)
    content = "该学员培训期间在外地务工"
    recorded_by = factory.SubFactory(UserFactory)


class CalendarDayFactory(DjangoModelFactory):
    class Meta:
        model = CalendarDay

    day = factory.Sequence(lambda n: datetime.date(2027, 1, 1) + datetime.timedelta(days=n))
    is_workday = False
    note = "元旦"


class FlagFactory(DjangoModelFactory):
    class Meta:
        model = Flag

    kind = "shared_phone"
    key = factory.Sequence(lambda n: f"1391111{n:04d}")
    summary = "电话139****1111登记了4名学员"
