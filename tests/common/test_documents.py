"""Class and employment documents: only PDF, JPG/PNG, Word and Excel files of at most 5 MB whose
extension agrees with their content are stored, under a generated name, through every upload path
(the institution's class form, the employment forms, the admin); they are read back only through
/documents/, as downloads, by whoever may see the class or the employment record."""

import io
import re
import struct
import zipfile
import zlib
from pathlib import Path
from urllib.parse import quote

import pytest
from django.contrib import admin as django_admin
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import RequestFactory
from django.urls import reverse
from openpyxl import Workbook

from certification.models import EmploymentRecord, EvaluationPlan
from common.documents import MAX_DOCUMENT_BYTES, sniff, validate_document
from courses.models import ClassStatus, TrainingClass
from institutions.models import InstitutionYear
from tests import factories
from tests.courses.test_views import application_data

pytestmark = pytest.mark.django_db

ACCEPTED = "只接受 PDF、JPG/PNG 图片、Word 或 Excel 文件(不超过5MB)"
GENERATED = r"[0-9a-f]{32}"


# Files ----------------------------------------------------------------------------------------

PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n"
       b"trailer<</Root 1 0 R>>\n%%EOF\n")
HTML = b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"
SVG = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(document.cookie)"><rect width="1" height="1"/></svg>'
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 48 + b"PE\x00\x00" + b"\x00" * 200
OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xd9"


def png():
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00")) + chunk(b"IEND", b""))


def office_zip(*parts):
    """The same bytes whenever it is built (a fixed date on each part): it names parametrized
    tests, which pytest-xdist's processes must collect alike."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for part in parts:
            info = zipfile.ZipInfo(part, date_time=(2018, 6, 1, 0, 0, 0))
            info.external_attr = 0o600 << 16
            archive.writestr(info, "<?xml version='1.0'?><x/>", compress_type=zipfile.ZIP_DEFLATED)
    return buffer.getvalue()


def docx():
    return office_zip("[Content_Types].xml", "_rels/.rels", "word/document.xml")


def xlsx():
    buffer = io.BytesIO()
    Workbook().save(buffer)
    return buffer.getvalue()


def upload(name, content):
    return SimpleUploadedFile(name, content, content_type="application/octet-stream")


# What each upload path must refuse: (file name, content, refusal code).
REFUSED = {
    "html_with_script": ("教学大纲.html", HTML, "document_type_refused"),
    "svg_with_onload": ("教学大纲.svg", SVG, "document_type_refused"),
    "over_the_cap": ("教学大纲.pdf", b"%PDF-1.4\n" + b"\x00" * (6 * 1024 * 1024), "document_too_large"),
    "pdf_renamed_html": ("教学大纲.html", PDF, "document_extension_mismatch"),
    "exe_renamed_pdf": ("教学大纲.pdf", EXE, "document_type_refused"),
}


def refused_upload(case):
    name, content, _code = REFUSED[case]
    return upload(name, content)


def stored_files(settings):
    root = Path(settings.MEDIA_ROOT)
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()) if root.exists() else []


# The validator ---------------------------------------------------------------------------------

@pytest.mark.parametrize("case", sorted(REFUSED))
def test_the_validator_refuses_with_a_code_and_says_what_is_accepted(case):
    name, content, code = REFUSED[case]
    with pytest.raises(ValidationError) as refusal:
        validate_document(upload(name, content))
    assert refusal.value.code == code
    assert ACCEPTED in refusal.value.messages[0]


@pytest.mark.parametrize(("name", "content", "code"), [
    ("大纲.docx", office_zip("[Content_Types].xml", "word/document.xml", "word/vbaProject.bin"),
     "document_type_refused"),  # a macro-enabled .docm renamed
    ("表.xlsx", office_zip("xl/workbook.xml"), "document_type_refused"),  # no [Content_Types].xml
    ("大纲.docx", b"PK\x03\x04 not really a zip", "document_type_refused"),
    ("表.docx", None, "document_extension_mismatch"),  # an Excel workbook named .docx
    ("大纲.doc", PDF, "document_extension_mismatch"),
    ("大纲.pdf", OLE, "document_extension_mismatch"),
    ("大纲", PDF, "document_extension_mismatch"),
    ("大纲.pdf", b"%PDF-1.4\n" + b"\x00" * (MAX_DOCUMENT_BYTES - 8), "document_too_large"),
])
def test_the_validator_reads_content_not_names(name, content, code):
    with pytest.raises(ValidationError) as refusal:
        validate_document(upload(name, xlsx() if content is None else content))
    assert refusal.value.code == code


@pytest.mark.parametrize(("name", "content"), [
    ("大纲.pdf", PDF), ("大纲.PDF", PDF), ("照片.jpg", JPEG), ("照片.JPEG", JPEG), ("照片.png", None),
    ("大纲.docx", None), ("表.xlsx", None), ("大纲.doc", OLE), ("表.xls", OLE),
    ("大纲.pdf", b"%PDF-1.4\n" + b"\x00" * (MAX_DOCUMENT_BYTES - 9)),
])
def test_the_validator_accepts_what_a_county_office_uses(name, content):
    builders = {"png": png, "docx": docx, "xlsx": xlsx}
    file = upload(name, builders[name.rsplit(".", 1)[1]]() if content is None else content)
    validate_document(file)
    # Accepted as what it is: its bytes read as a type its extension names.
    assert any(name.rsplit(".", 1)[1].lower() in kind.extensions for kind in sniff(file)), sniff(file)


def test_the_validator_reads_only_the_first_bytes():
    class Counting(io.BytesIO):
        read_bytes = 0

        def read(self, size=-1):
            data = super().read(size)
            Counting.read_bytes += len(data)
            return data

    document = upload("大纲.pdf", b"")
    document.file = Counting(b"%PDF-1.4\n" + b"\x00" * (4 * 1024 * 1024))
    document.size = len(document.file.getvalue())
    validate_document(document)
    assert Counting.read_bytes <= 16
    assert sniff(document) and document.tell() == 0


# The upload paths ------------------------------------------------------------------------------

@pytest.fixture
def institution(policy_year):
    institution = factories.TrainingInstitutionFactory()
    InstitutionYear.objects.create(institution=institution, policy_year=policy_year)
    return institution


@pytest.fixture
def clerk_client(client, institution):
    client.force_login(factories.institution_user(institution))
    return client


@pytest.fixture
def application(policy_year):
    occupation = factories.OccupationFactory(policy_year=policy_year, certificate_kind="training")
    return occupation, factories.TargetLineFactory(policy_year=policy_year)


@pytest.mark.parametrize("case", sorted(REFUSED))
def test_the_class_application_form_refuses_the_file_and_stores_nothing(clerk_client, application, settings,
                                                                         case):
    response = clerk_client.post(reverse("courses:class-create"),
                                 application_data(*application, syllabus=refused_upload(case)))
    assert response.status_code == 200
    assert response.context["form"].has_error("syllabus", REFUSED[case][2])
    assert ACCEPTED in response.content.decode()
    assert not TrainingClass.objects.exists()
    assert stored_files(settings) == []


def test_editing_a_draft_with_a_refused_file_keeps_the_stored_one(clerk_client, institution, application, settings):
    training_class = factories.class_application(institution=institution, policy_year=application[0].policy_year)
    before, files = training_class.syllabus.name, stored_files(settings)
    response = clerk_client.post(reverse("courses:class-edit", args=[training_class.pk]),
                                 application_data(*application, syllabus=refused_upload("svg_with_onload"),
                                                  teaching_plan="", assessment_plan=""))
    assert response.status_code == 200 and ACCEPTED in response.content.decode()
    training_class.refresh_from_db()
    assert training_class.syllabus.name == before and stored_files(settings) == files


def test_the_class_application_form_stores_documents_under_generated_names(clerk_client, application, settings):
    response = clerk_client.post(reverse("courses:class-create"), application_data(
        *application, syllabus=upload("教学大纲 <script>.PNG", png()), teaching_plan=upload("../../计划.docx", docx()),
        assessment_plan=upload("考核方案.pdf", PDF)))
    assert response.status_code == 302
    training_class = TrainingClass.objects.get()
    assert re.fullmatch(rf"classes/syllabus/\d{{4}}/{GENERATED}\.png", training_class.syllabus.name)
    assert re.fullmatch(rf"classes/teaching_plan/\d{{4}}/{GENERATED}\.docx", training_class.teaching_plan.name)
    assert re.fullmatch(rf"classes/assessment_plan/\d{{4}}/{GENERATED}\.pdf", training_class.assessment_plan.name)
    assert sorted(stored_files(settings)) == sorted(
        [training_class.syllabus.name, training_class.teaching_plan.name, training_class.assessment_plan.name])
    assert (Path(settings.MEDIA_ROOT) / training_class.syllabus.name).read_bytes() == png()


@pytest.fixture
def completed_class(institution, policy_year):
    training_class = factories.TrainingClassFactory(institution=institution, policy_year=policy_year, completed=True)
    enrolment = factories.EnrolmentFactory(training_class=training_class)
    return training_class, enrolment


def employment_data(enrolment, evidence):
    return {"enrolment": enrolment.pk, "employer_name": "长治市某机械有限公司", "employer_credit_code": "",
            "started_on": "2018-07-01", "contract_months": "12", "evidence_kind": "contract", "evidence_file": evidence}


@pytest.mark.parametrize("case", sorted(REFUSED))
def test_the_institutions_employment_form_refuses_the_evidence(clerk_client, completed_class, settings, case):
    training_class, enrolment = completed_class
    response = clerk_client.post(reverse("certification:employment", args=[training_class.pk]),
                                 employment_data(enrolment, refused_upload(case)))
    assert response.status_code == 200
    assert response.context["form"].has_error("evidence_file", REFUSED[case][2])
    assert ACCEPTED in response.content.decode()
    assert not EmploymentRecord.objects.exists() and stored_files(settings) == []


@pytest.mark.parametrize("case", sorted(REFUSED))
def test_the_townships_employment_form_refuses_the_evidence(client, completed_class, settings, case):
    _training_class, enrolment = completed_class
    client.force_login(factories.township_user(enrolment.trainee.township))
    response = client.post(reverse("trainees:record-employment", args=[enrolment.trainee.pk]),
                           employment_data(enrolment, refused_upload(case)), follow=True)
    assert ACCEPTED in response.content.decode()
    assert not EmploymentRecord.objects.exists() and stored_files(settings) == []


def test_employment_evidence_is_stored_under_a_generated_name(clerk_client, client, completed_class, settings):
    training_class, enrolment = completed_class
    response = clerk_client.post(reverse("certification:employment", args=[training_class.pk]),
                                 employment_data(enrolment, upload("张三 劳动合同.jpeg", JPEG)))
    assert response.status_code == 302
    record = EmploymentRecord.objects.get()
    assert re.fullmatch(rf"employment/\d{{4}}/{GENERATED}\.jpg", record.evidence_file.name)
    assert stored_files(settings) == [record.evidence_file.name]
    page = clerk_client.get(reverse("certification:employment", args=[training_class.pk])).content.decode()
    assert reverse("documents:employmentrecord", args=[record.pk, "evidence_file"]) in page


def admin_class_data(training_class, **files):
    data = {f: getattr(training_class, f + "_id", None) or getattr(training_class, f) for f in (
        "policy_year", "code", "institution", "name", "occupation", "target_line", "training_mode", "venue",
        "teachers", "roster_plan")}
    data.update({"level": "", "planned_start_on": "2018-06-01", "planned_end_on": "2018-06-10", "planned_days": 10,
                 "total_hours": 80, "practical_hours": 56, "capacity": 40, **files})
    for prefix in ("textbooks", "sessions", "transitions"):
        data.update({f"{prefix}-TOTAL_FORMS": 0, f"{prefix}-INITIAL_FORMS": 0})
    return data


@pytest.mark.parametrize("case", sorted(REFUSED))
def test_the_admin_refuses_the_file(hr_client, settings, case):
    training_class = factories.class_application()
    before, files = training_class.syllabus.name, stored_files(settings)
    response = hr_client.post(reverse("admin:courses_trainingclass_change", args=[training_class.pk]),
                              admin_class_data(training_class, syllabus=refused_upload(case)))
    assert response.status_code == 200
    assert response.context["adminform"].form.has_error("syllabus", REFUSED[case][2])
    assert ACCEPTED in response.content.decode()
    training_class.refresh_from_db()
    assert training_class.syllabus.name == before and stored_files(settings) == files

    record = factories.EmploymentRecordFactory()
    response = hr_client.post(reverse("admin:certification_employmentrecord_change", args=[record.pk]), {
        "trainee": record.trainee_id, "enrolment": record.enrolment_id, "employer_name": "长治市某机械有限公司",
        "started_on": "2018-07-01", "contract_months": "12", "evidence_kind": "contract",
        "evidence_file": refused_upload(case)})
    assert response.status_code == 200 and ACCEPTED in response.content.decode()
    record.refresh_from_db()
    assert not record.evidence_file and stored_files(settings) == files


def test_the_admin_stores_a_plan_under_a_generated_name_and_links_to_the_view(hr_client, settings, policy_year):
    body = factories.EvaluationBodyFactory()
    occupation = factories.OccupationFactory(policy_year=policy_year)
    response = hr_client.post(reverse("admin:certification_evaluationplan_add"), {
        "evaluation_body": body.pk, "policy_year": policy_year.pk, "title": "焊工等级评价方案",
        "occupations": [occupation.pk], "document": upload("焊工方案.docx", docx()), "published_on": "2018-05-01"})
    assert response.status_code == 302
    plan = EvaluationPlan.objects.get()
    assert re.fullmatch(rf"evaluation_plans/\d{{4}}/{GENERATED}\.docx", plan.document.name)
    page = hr_client.get(reverse("admin:certification_evaluationplan_change", args=[plan.pk])).content.decode()
    assert reverse("documents:evaluationplan", args=[plan.pk, "document"]) in page
    assert "/media/" not in page


def test_the_admin_shows_a_submitted_applications_documents_through_the_view(hr_client):
    training_class = factories.class_application(status=ClassStatus.SUBMITTED)
    page = hr_client.get(reverse("admin:courses_trainingclass_change", args=[training_class.pk])).content.decode()
    for field in ("syllabus", "teaching_plan", "assessment_plan"):
        assert reverse("documents:trainingclass", args=[training_class.pk, field]) in page
    assert "/media/" not in page


# Reading documents back ------------------------------------------------------------------------

def assert_download(response, content, content_type, filename):
    assert response.status_code == 200
    assert response["Content-Type"] == content_type
    assert response["Content-Disposition"] == f"attachment; filename*=utf-8''{quote(filename)}"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]
    assert b"".join(response.streaming_content) == content


@pytest.fixture
def evaluated_class(policy_year):
    """An approved class with its documents, and an evaluation body whose published plan covers it."""
    training_class = factories.class_application(status=ClassStatus.APPROVED, policy_year=policy_year)
    body = factories.EvaluationBodyFactory()
    factories.EvaluationPlanFactory(evaluation_body=body, policy_year=policy_year).occupations.add(
        training_class.occupation)
    return training_class, body


def test_class_documents_are_downloads_for_those_who_may_open_the_class(client, hr, evaluated_class):
    training_class, body = evaluated_class
    url = reverse("documents:trainingclass", args=[training_class.pk, "syllabus"])
    assert training_class.syllabus.url == url
    for user in (hr, factories.institution_user(training_class.institution), factories.evaluator_user(body)):
        client.force_login(user)
        assert_download(client.get(url), b"%PDF-1.4 syllabus", "application/pdf",
                        f"{training_class.code}-教学大纲.pdf")
    page = client.get(reverse("courses:class-detail", args=[training_class.pk])).content.decode()
    assert url in page


def test_class_documents_are_404_to_everyone_else(client, evaluated_class):
    training_class, _body = evaluated_class
    url = reverse("documents:trainingclass", args=[training_class.pk, "teaching_plan"])
    for user in (factories.institution_user(factories.TrainingInstitutionFactory()),
                 factories.evaluator_user(factories.EvaluationBodyFactory())):
        client.force_login(user)
        assert client.get(url).status_code == 404
    client.force_login(factories.township_user(factories.TownshipFactory()))
    assert client.get(url).status_code == 403  # townships have no class pages at all
    client.logout()
    response = client.get(url)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_a_class_without_the_document_is_404(client, hr):
    training_class = factories.TrainingClassFactory()
    client.force_login(hr)
    assert client.get(reverse("documents:trainingclass", args=[training_class.pk, "syllabus"])).status_code == 404


def test_employment_evidence_is_a_download_for_hr_the_institution_and_the_township(client, hr):
    record = factories.EmploymentRecordFactory(with_evidence=True)
    url = reverse("documents:employmentrecord", args=[record.pk, "evidence_file"])
    institution = record.enrolment.training_class.institution
    for user in (hr, factories.institution_user(institution), factories.township_user(record.trainee.township)):
        client.force_login(user)
        assert_download(client.get(url), b"%PDF-1.4 contract", "application/pdf", f"就业证明-{record.pk}.pdf")
    for user in (factories.institution_user(factories.TrainingInstitutionFactory()),
                 factories.township_user(factories.TownshipFactory())):
        client.force_login(user)
        assert client.get(url).status_code == 404
    client.logout()
    assert client.get(url).status_code == 302


def test_an_evaluation_plan_is_a_download_for_hr_and_its_own_body(client, hr):
    plan = factories.EvaluationPlanFactory(with_document=True)
    url = reverse("documents:evaluationplan", args=[plan.pk, "document"])
    for user in (hr, factories.evaluator_user(plan.evaluation_body)):
        client.force_login(user)
        assert_download(client.get(url), b"%PDF-1.4 plan", "application/pdf", f"评价实施方案-{plan.pk}.pdf")
    client.force_login(factories.evaluator_user(factories.EvaluationBodyFactory()))
    assert client.get(url).status_code == 404


def test_a_file_stored_before_the_check_is_never_sent_as_a_web_page(client, hr):
    """An .html stored by the old code is sent as an opaque download, never rendered."""
    record = factories.EmploymentRecordFactory()
    name = default_storage.save("employment/2018/合同.html", ContentFile(HTML))
    EmploymentRecord.objects.filter(pk=record.pk).update(evidence_file=name)
    client.force_login(hr)
    response = client.get(reverse("documents:employmentrecord", args=[record.pk, "evidence_file"]))
    assert_download(response, HTML, "application/octet-stream", f"就业证明-{record.pk}.bin")


def test_documents_are_only_read(client, hr):
    record = factories.EmploymentRecordFactory(with_evidence=True)
    client.force_login(hr)
    assert client.post(reverse("documents:employmentrecord", args=[record.pk, "evidence_file"])).status_code == 405


def test_a_stored_document_is_shown_by_its_name_never_its_path(db):
    """The class form and the admin show 教学大纲.pdf linked to the document view, not the storage
    path (classes/syllabus/2026/<uuid>.pdf)."""

    training_class = factories.class_application()
    form_field = TrainingClass._meta.get_field("syllabus").formfield()
    html = form_field.widget.render("syllabus", training_class.syllabus)
    assert training_class.syllabus.name not in html and "教学大纲." in html
    assert training_class.syllabus.url in html
    model_admin = django_admin.site._registry[TrainingClass]
    request = RequestFactory().get("/admin/")
    request.user = factories.hr_user("docs-hr")
    admin_field = model_admin.formfield_for_dbfield(TrainingClass._meta.get_field("syllabus"), request)
    html = admin_field.widget.render("syllabus", training_class.syllabus)
    assert training_class.syllabus.name not in html and "教学大纲." in html
