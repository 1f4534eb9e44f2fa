"""Assessment results and certificates, and employment follow-up, from spreadsheets."""

from django.utils import timezone

from accounts.scope import scope_of
from certification import services
from certification.models import AssessmentResult, EvidenceKind
from common.imports import Column, ServiceRowImport
from courses.imports import ClassSheetImport
from courses.policy import FINISHED_STATUSES
from courses.selectors import enrolments_visible_to
from trainees.policy import mask_id_number


class ResultsImport(ClassSheetImport):
    """考核结果与证书 of one class: each row through record_assessment and, where a certificate
    number is given, issue_certificate (R3 gate, R12: only the issuer records certificates)."""

    title = "考核结果"

    def __init__(self, *, user, training_class, **context):
        super().__init__(user=user, training_class=training_class, **context)
        self.scope = scope_of(user)
        self.body = user.profile.evaluation_body if self.scope.is_evaluator else None
        self.roster = {e.trainee.id_number: e for e in training_class.enrolments.select_related("trainee")}
        self.columns = [
            Column("身份证号", "id_number", kind="id_number", width=22, note="本班名册中的学员;本列为文本格式。"),
            Column("姓名", "name", required=False, note="仅供核对。"),
            Column("考核结果", "result", kind="choice", choices=tuple(label for _, label in AssessmentResult.choices),
                   values=tuple(AssessmentResult.values)),
            Column("考核日期", "assessed_on", kind="date", note="不早于结业日期。"),
            Column("理论成绩", "theory_score", required=False, kind="decimal"),
            Column("实操成绩", "practical_score", required=False, kind="decimal"),
            Column("证书编号", "number", required=False,
                   note="合格且由本单位核发证书的填写(县人社局或评价机构);培训机构不填。"),
            Column("发证日期", "issued_on", required=False, kind="date"),
        ]

    def row_checks(self, item):
        found = []
        if item["id_number"] and item["id_number"] not in self.roster:
            found.append(self.error(item, "id_number", "不在本班名册中:请核对身份证号,或删除该行。"))
        if item["number"] and not item["issued_on"] and not self.cell_failed(item, "issued_on"):
            found.append(self.error(item, "issued_on", "填写了证书编号,请同时填写发证日期。"))
        return found

    def apply(self, item):
        enrolment = self.roster[item["id_number"]]
        services.record_assessment(enrolment, by=self.user, result=item["result"], assessed_on=item["assessed_on"],
                                   theory_score=item["theory_score"], practical_score=item["practical_score"])
        if item["number"] and not enrolment.certificates.exists():
            services.issue_certificate(enrolment, by=self.user, number=item["number"], issued_on=item["issued_on"],
                                       today=timezone.localdate(), evaluation_body=self.body)

    def error_column(self, code):
        return {"certificate_before_class_end": "issued_on", "certificate_in_future": "issued_on",
                "assessment_before_class_end": "assessed_on", "unique": "number", "not_the_issuer": "number",
                "certificate_exists": "number", "assessment_not_passed": "result"}.get(code, "id_number")


class EmploymentImport(ServiceRowImport):
    """就业跟踪: each row through record_employment (an employer that is the institution is flagged)."""

    title = "就业跟踪"

    @classmethod
    def for_upload(cls, *, user, target=""):
        """The user's own trainees of finished classes (institution: its classes; township: its
        people; county HR: all), for the page and for its confirmation in the background alike."""
        return cls(user=user, enrolments=enrolments_visible_to(user).filter(
            is_withdrawn=False, training_class__status__in=FINISHED_STATUSES))

    def __init__(self, *, user, enrolments, **context):
        super().__init__(user=user, **context)
        self.roster = {}
        for enrolment in enrolments.select_related("trainee", "training_class").order_by("-training_class__planned_start_on"):
            self.roster.setdefault(enrolment.trainee.id_number, enrolment)
        self.columns = [
            Column("身份证号", "id_number", kind="id_number", width=22, note="参加过培训的学员;本列为文本格式。"),
            Column("姓名", "name", required=False, note="仅供核对。"),
            Column("用人单位", "employer_name", width=24),
            Column("统一社会信用代码", "employer_credit_code", required=False, width=22),
            Column("就业日期", "started_on", kind="date", note="上岗当天;不晚于今天,不早于培训班开班日期。"),
            Column("合同期限(月)", "contract_months", required=False, kind="integer"),
            Column("证明材料", "evidence_kind", kind="choice", choices=tuple(label for _, label in EvidenceKind.choices),
                   values=tuple(EvidenceKind.values)),
        ]

    def row_checks(self, item):
        if item["id_number"] and item["id_number"] not in self.roster:
            return [self.error(item, "id_number", "该学员没有可登记就业的已结业培训记录(或不在您的管理范围内):"
                                                  "请核对身份证号,或删除该行。")]
        return []

    def apply(self, item):
        enrolment = self.roster[item["id_number"]]
        if enrolment.employment.filter(employer_name=item["employer_name"], started_on=item["started_on"]).exists():
            return "该就业记录已登记,本次不作修改。"  # the same row uploaded again changes nothing
        services.record_employment(enrolment, by=self.user, employer_name=item["employer_name"],
                                   employer_credit_code=item["employer_credit_code"] or "",
                                   started_on=item["started_on"], contract_months=item["contract_months"],
                                   evidence_kind=item["evidence_kind"])

    def error_column(self, code):
        return {"credit_code_invalid": "employer_credit_code", "employment_in_future": "started_on",
                "employment_before_class": "started_on"}.get(code, "id_number")

    def describe(self, item):
        return f"{mask_id_number(item['id_number'] or '')} {item['employer_name'] or ''}"
