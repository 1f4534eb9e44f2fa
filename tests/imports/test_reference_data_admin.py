"""HR's reference data (occupation catalogue, townships and their targets, institutions and their
yearly eligibility, evaluation bodies and plans) imports and exports through the admin with
django-import-export: Chinese headers, preview then confirm, all or nothing, the upload guard in
front, HR only."""

import datetime
import functools
import tempfile
from io import BytesIO

import pytest
from django.contrib.admin.models import ADDITION, LogEntry
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from accounts.models import Role
from certification.models import EvaluationBody, EvaluationPlan
from certification.resources import EvaluationPlanResource
from common.resources import read_dataset
from courses.models import Occupation
from institutions.models import InstitutionYear, TrainingInstitution
from programme.models import PolicyYear, Township, TownshipTarget
from tests import factories
from tests.imports import corpus

pytestmark = pytest.mark.django_db

HAN = ("\u4e00", "\u9fff")


def xlsx(headers, rows):
    workbook = Workbook()
    workbook.active.append(list(headers))
    for row in rows:
        workbook.active.append(list(row))
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@pytest.fixture(autouse=True)
def own_tmp_folder(tmp_path, monkeypatch):
    """import-export keeps the previewed file in the temporary folder until it is confirmed."""
    folder = tmp_path / "import_export"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


@pytest.fixture
def year(db):
    return factories.PolicyYearFactory(year=2018)


# --- one entry per table: existing rows, a sheet of new rows, a sheet with one bad row ------------

def _townships(year):
    if Township.objects.exists():
        return
    factories.TownshipFactory(name="韩店镇", code="140421100000", kind="town")
    factories.TownshipFactory(name="西火镇", code="", kind="township")


def _targets(year):
    _townships(year)
    for township in Township.objects.all():
        factories.TownshipTargetFactory(township=township, policy_year=year, target_count=400)


def _occupations(year):
    factories.OccupationFactory(policy_year=year, name="焊工", code="6-18-02-04", is_key_trade=True)
    factories.OccupationFactory(policy_year=year, name="家政服务员", code="", industry="domestic",
                                certificate_kind="special_ability", standard_reference="=HYPERLINK(\"x\")")


def _institutions(year):
    _townships(year)
    factories.TrainingInstitutionFactory(name="长治县职业技术学校", kind="vocational_high",
                                         credit_code=factories.credit_code(11, prefix="12140421"),
                                         contact_phone="0355-5566778", township=Township.objects.get(name="韩店镇"))
    factories.TrainingInstitutionFactory(name="-新星培训学校", credit_code=factories.credit_code(12, prefix="52140421"),
                                         contact_phone="13912345678", address="@西街")


def _institution_years(year):
    _institutions(year)
    first, second = TrainingInstitution.objects.order_by("pk")
    factories.InstitutionYearFactory(institution=first, policy_year=year, tender_reference="长人社招〔2018〕1号")
    factories.InstitutionYearFactory(institution=second, policy_year=year, is_disqualified=True,
                                     disqualification_reason="2017年度就业率不达30%")


def _bodies(year):
    factories.EvaluationBodyFactory(name="长治市技能人才评价中心", credit_code=factories.credit_code(21, prefix="12140400"),
                                    contact_person="张主任", contact_phone="0355-1234567")
    factories.EvaluationBodyFactory(name="潞安集团", kind="enterprise", credit_code=factories.credit_code(22))


def _plans(year):
    _bodies(year)
    _occupations(year)
    first, second = EvaluationBody.objects.order_by("pk")
    plan = factories.EvaluationPlanFactory(evaluation_body=first, policy_year=year, title="2018年焊工等级评价方案")
    plan.occupations.set(Occupation.objects.all())
    factories.EvaluationPlanFactory(evaluation_body=second, policy_year=year, title="企业自主评价方案", published_on=None)


NEW_BODY = factories.credit_code(31, prefix="12140400")
NEW_INSTITUTION = factories.credit_code(41, prefix="52140421")

TABLES = {
    "township": dict(
        model=Township, app="programme", existing=_townships,
        headers=["名称", "区划代码", "类型", "所属县(市、区)"],
        new=[["苏店镇", "140421101000", "镇", "长治县"], ["荫城镇", 140421102000, "镇", "长治县"]],
        check=lambda: Township.objects.get(name="荫城镇").code == "140421102000",
        bad=["北呈乡", "", "村", "长治县"], refusal="「村」不是可选的值"),
    "townshiptarget": dict(
        model=TownshipTarget, app="programme", existing=_targets,
        headers=["乡镇", "政策年度", "任务人数"],
        new=[["韩店镇", 2019, 350], ["西火镇", "2019", 120]],
        check=lambda: TownshipTarget.objects.get(township__name="西火镇", policy_year=2019).target_count == 120,
        bad=["不存在镇", 2019, 10], refusal="没有找到乡镇「不存在镇」"),
    "occupation": dict(
        model=Occupation, app="courses", existing=_occupations,
        headers=["政策年度", "职业(工种)", "国家职业编码", "重点产业", "重点工种/劳务品牌", "证书类型", "有国家职业标准",
                 "有企业岗位规范", "标准或规范名称"],
        new=[[2018, "电工", "6-31-01-03", "装备制造", "是", "职业技能等级证书", "是", "否", "电工国家职业技能标准"],
             [2018, "农村电商运营", None, "电子商务", None, "培训合格证书", "否", "是", "企业岗位规范"]],
        check=lambda: Occupation.objects.get(name="电工").is_key_trade
        and Occupation.objects.get(name="农村电商运营").industry == "ecommerce",
        bad=[2030, "钳工", "", "装备制造", "否", "职业技能等级证书", "是", "否", ""], refusal="没有找到政策年度「2030」"),
    "traininginstitution": dict(
        model=TrainingInstitution, app="institutions", existing=_institutions,
        headers=["机构名称", "机构类型", "统一社会信用代码", "第一责任人", "责任人职务", "联系电话", "地址", "所在乡镇"],
        new=[["长治县新华职业培训学校", "民办职业培训学校", NEW_INSTITUTION.lower(), "李校长", "校长", 13912345679,
              "韩店镇南街1号", "韩店镇"]],
        check=lambda: TrainingInstitution.objects.get(credit_code=NEW_INSTITUTION).contact_phone == "13912345679",
        bad=["无效代码学校", "民办职业培训学校", "123", "王", "校长", "", "", ""], refusal="统一社会信用代码 123 无效"),
    "institutionyear": dict(
        model=InstitutionYear, app="institutions", existing=_institution_years,
        headers=["统一社会信用代码", "机构名称", "政策年度", "列入本县培训机构名单", "招标文件或批次", "取消承担资格", "取消资格原因"],
        new=[[factories.credit_code(11, prefix="12140421"), "", 2019, "是", "长人社招〔2019〕2号", "否", ""]],
        check=lambda: InstitutionYear.objects.get(policy_year=2019).tender_reference == "长人社招〔2019〕2号",
        bad=[factories.credit_code(12, prefix="52140421"), "", 2019, "是", "", "是", ""], refusal="取消资格必须写明原因"),
    "evaluationbody": dict(
        model=EvaluationBody, app="certification", existing=_bodies,
        headers=["名称", "类型", "统一社会信用代码", "联系人", "联系电话"],
        new=[["长治技师学院评价站", "社会组织", NEW_BODY, "赵老师", "0355-7654321"]],
        check=lambda: EvaluationBody.objects.get(credit_code=NEW_BODY).kind == "social_organisation",
        bad=["某学校", "学校", factories.credit_code(32, prefix="12140400"), "", ""], refusal="「学校」不是可选的值"),
    "evaluationplan": dict(
        model=EvaluationPlan, app="certification", existing=_plans,
        headers=["评价机构统一社会信用代码", "评价机构", "政策年度", "方案名称", "覆盖的职业(工种)", "向社会公布日期"],
        new=[[factories.credit_code(22), "", 2018, "2018年家政服务评价方案", "家政服务员、6-18-02-04", "2018年5月14日"]],
        check=lambda: sorted(EvaluationPlan.objects.get(title="2018年家政服务评价方案").occupations
                             .values_list("name", flat=True)) == ["家政服务员", "焊工"]
        and EvaluationPlan.objects.get(title="2018年家政服务评价方案").published_on == datetime.date(2018, 5, 14),
        bad=[factories.credit_code(22), "", 2018, "厨师评价方案", "中式烹调师", ""], refusal="2018年职业目录中没有「中式烹调师」"),
}


def url(table, view):
    spec = TABLES[table]
    return reverse(f"admin:{spec['app']}_{table}_{view}")


def snapshot(table):
    model = TABLES[table]["model"]
    rows = list(model.objects.order_by("pk").values())
    if model is EvaluationPlan:
        rows = [{**row, "occupations": sorted(EvaluationPlan.objects.get(pk=row["id"]).occupations
                                              .values_list("pk", flat=True))} for row in rows]
    return rows


def upload(client, table, content, name="表格.xlsx"):
    return client.post(url(table, "import"), {"resource": "0", "format": "0",
                                              "import_file": SimpleUploadedFile(name, content)})


def confirm(client, table, preview):
    form = preview.context["confirm_form"]
    return client.post(url(table, "process_import"), {**form.initial, "format": str(form.initial["format"])})


def export(client, table):
    response = client.post(url(table, "export"), {"resource": "0", "format": "0"})
    assert response.status_code == 200, response.content[:500]
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    return response


def text(response):
    return response.content.decode()


# --- export, re-import: nothing changes -----------------------------------------------------------

@pytest.mark.parametrize("table", sorted(TABLES))
def test_an_exported_sheet_imports_again_without_changing_anything(table, year, hr_client):
    """The export has the table's Chinese headers; importing it again previews every row as
    unchanged, and confirming it leaves every row as it was, none added."""
    TABLES[table]["existing"](year)
    before = snapshot(table)
    assert before
    response = export(hr_client, table)
    assert "filename*=UTF-8''" in response["Content-Disposition"]
    sheet = load_workbook(BytesIO(response.content)).active
    assert [cell.value for cell in sheet[1]] == TABLES[table]["headers"]
    assert sheet.max_row == len(before) + 1

    preview = upload(hr_client, table, response.content)
    assert preview.status_code == 200, text(preview)[:2000]
    result = preview.context["result"]
    assert not result.has_errors() and not result.has_validation_errors()
    assert result.totals["skip"] == len(before) and result.totals["new"] == result.totals["update"] == 0
    assert "confirm_form" in preview.context

    done = confirm(hr_client, table, preview)
    assert done.status_code == 302 and done["Location"] == url(table, "changelist")
    assert snapshot(table) == before


@pytest.mark.parametrize("table", sorted(TABLES))
def test_new_rows_are_previewed_then_written_on_confirmation(table, year, hr_client):
    """New rows appear in the preview as 新增 and nothing is written until the import is confirmed."""
    spec = TABLES[table]
    spec["existing"](year)
    factories.PolicyYearFactory(year=2019)
    count = spec["model"].objects.count()

    preview = upload(hr_client, table, xlsx(spec["headers"], spec["new"]))
    assert preview.status_code == 200, text(preview)[:3000]
    result = preview.context["result"]
    assert not result.has_errors() and not result.has_validation_errors(), [
        row.error_dict for row in result.invalid_rows]
    assert result.totals["new"] == len(spec["new"])
    assert "新增" in text(preview) and "确认导入" in text(preview)
    assert spec["model"].objects.count() == count

    done = confirm(hr_client, table, preview)
    assert done.status_code == 302
    assert spec["model"].objects.count() == count + len(spec["new"])
    assert spec["check"]()
    followed = hr_client.get(done["Location"])
    assert "导入成功" in text(followed)
    logged = LogEntry.objects.filter(content_type__model=table, action_flag=ADDITION)
    assert list(logged.values_list("change_message", flat=True)) == ["表格导入新增"] * len(spec["new"])


@pytest.mark.parametrize("table", sorted(TABLES))
def test_one_bad_row_keeps_the_whole_sheet_out(table, year, hr_client):
    """A sheet with one good row and one bad row: the preview shows the bad row's reason in
    Chinese, under its column and with the row number Excel shows, and offers no confirmation;
    nothing is written."""
    spec = TABLES[table]
    spec["existing"](year)
    factories.PolicyYearFactory(year=2019)
    before = snapshot(table)

    preview = upload(hr_client, table, xlsx(spec["headers"], [spec["new"][0], spec["bad"]]))
    assert preview.status_code == 200
    result = preview.context["result"]
    assert result.has_validation_errors()
    assert "confirm_form" not in preview.context
    assert [row.number for row in result.invalid_rows] == [3]
    bad = result.invalid_rows[0]
    assert set(bad.field_specific_errors) <= {*spec["headers"], "整行"} and not bad.non_field_specific_errors
    assert spec["refusal"] in text(preview)
    assert snapshot(table) == before


def test_a_bad_row_at_confirmation_rolls_back_every_row(year, hr_client, own_tmp_folder):
    """If a row fails when the import is confirmed (the data changed since the preview, or a file
    posted straight to the confirm step), no row of the sheet is kept and HR reads why."""
    spec = TABLES["townshiptarget"]
    _targets(year)
    factories.PolicyYearFactory(year=2019)
    before = snapshot("townshiptarget")
    stored = own_tmp_folder / "crafted-confirm"
    stored.write_bytes(xlsx(spec["headers"], [spec["new"][0], spec["new"][1], spec["bad"]]))

    response = hr_client.post(url("townshiptarget", "process_import"), {
        "import_file_name": stored.name, "original_file_name": "任务.xlsx", "format": "0", "resource": "0"})
    assert response.status_code == 302 and response["Location"] == url("townshiptarget", "import")
    assert snapshot("townshiptarget") == before
    page = text(hr_client.get(response["Location"]))
    assert "全部未导入" in page and "第4行 乡镇:没有找到乡镇「不存在镇」" in page


def test_the_resource_alone_is_all_or_nothing(year):
    """The resource's own import (as a management command would call it) keeps nothing when a row
    fails."""
    _plans(year)
    before = snapshot("evaluationplan")
    spec = TABLES["evaluationplan"]
    dataset = read_dataset(xlsx(spec["headers"], [spec["new"][0], spec["bad"]]))
    result = EvaluationPlanResource().import_data(dataset, dry_run=False, rollback_on_validation_errors=True)
    assert result.has_validation_errors()
    assert snapshot("evaluationplan") == before


# --- exports: numbers stay numbers, formulas neutralised, names in Chinese -----------------------

def test_exports_keep_numbers_and_neutralise_formula_like_text(year, hr_client):
    """Numbers are exported as numbers, choices and booleans in Chinese, and text that a
    spreadsheet would run as a formula (= + - @) starts with a quote; imported again, the
    text is what it was."""
    _targets(year)
    _occupations(year)
    _institutions(year)
    sheet = load_workbook(BytesIO(export(hr_client, "townshiptarget").content)).active
    assert [(cell.value, cell.data_type) for cell in sheet[2]][1:] == [(2018, "n"), (400, "n")]

    sheet = load_workbook(BytesIO(export(hr_client, "occupation").content)).active
    values = [[cell.value for cell in row] for row in sheet.iter_rows(min_row=2)]
    assert [2018, "家政服务员", None, "家政服务", "否", "专项职业能力证书", "是", "否", "'=HYPERLINK(\"x\")"] in values

    content = export(hr_client, "traininginstitution").content
    values = [[cell.value for cell in row] for row in load_workbook(BytesIO(content)).active.iter_rows(min_row=2)]
    assert any(row[0] == "'-新星培训学校" and row[6] == "'@西街" for row in values)
    preview = upload(hr_client, "traininginstitution", content)
    assert preview.context["result"].totals["skip"] == 2
    assert TrainingInstitution.objects.filter(name="-新星培训学校", address="@西街").exists()


# --- the upload guard in front -------------------------------------------------------------------

@functools.cache
def crafted(case):
    return corpus.CRAFTED[case][0]()


def _refused(response, code):
    assert response.status_code == 400
    errors = response.context["form"].errors.as_data()["import_file"]
    assert [error.code for error in errors] == [code]
    message = errors[0].messages[0]
    assert any(HAN[0] <= ch <= HAN[1] for ch in message) and message in text(response)
    assert "result" not in response.context and "confirm_form" not in response.context


@pytest.mark.parametrize("case", sorted(corpus.CRAFTED))
def test_every_crafted_file_is_refused_before_any_reader(case, year, hr_client, own_tmp_folder):
    """Every crafted file of the corpus is refused by the guard with a Chinese reason and a 400;
    nothing is kept in the temporary folder and nothing is written."""
    _townships(year)
    before = snapshot("township")
    _refused(upload(hr_client, "township", crafted(case)), corpus.CRAFTED[case][1])
    assert list(own_tmp_folder.iterdir()) == []
    assert snapshot("township") == before


@pytest.mark.parametrize("table", sorted(TABLES))
def test_every_reference_import_has_the_guard_in_front(table, year, hr_client, own_tmp_folder):
    """On each of the seven imports: a zip bomb, a file over 5 MB, a CSV renamed .xlsx and a file
    not named .xlsx are refused with a 400."""
    _refused(upload(hr_client, table, crafted("zip_bomb")), "zip_bomb")
    _refused(upload(hr_client, table, b"PK\x03\x04" + b"\x00" * (5 * 1024 * 1024)), "file_too_large")
    _refused(upload(hr_client, table, corpus.renamed_csv()), "not_xlsx")
    _refused(upload(hr_client, table, xlsx(TABLES[table]["headers"], []), name="表格.xls"), "not_xlsx")
    assert list(own_tmp_folder.iterdir()) == []


def test_a_sheet_with_other_headers_is_refused(year, hr_client):
    """A header that is not one of the table's columns (a typo would drop the column silently), a
    missing key column, or a sheet with no rows is refused before the preview."""
    _townships(year)
    _refused(upload(hr_client, "township", xlsx(["名称", "区划代码", "类形"], [["苏店镇", "", "镇"]])), "unknown_header")
    _refused(upload(hr_client, "townshiptarget", xlsx(["乡镇", "任务人数"], [["韩店镇", 3]])), "missing_key")
    _refused(upload(hr_client, "township", xlsx(["名称", "类型"], [])), "no_rows")


def test_a_sheet_longer_than_a_reference_table_is_refused(year, hr_client):
    """Reference sheets stop at 3,000 rows (a province's townships fit), so that the preview and
    the confirmation each finish well inside the server's timeout."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet()
    sheet.append(TABLES["township"]["headers"])
    for number in range(3_001):
        sheet.append([f"镇{number}", "", "镇", "长治县"])
    buffer = BytesIO()
    workbook.save(buffer)
    _refused(upload(hr_client, "township", buffer.getvalue()), "too_many_rows")
    assert "每个文件最多3000行数据" in text(upload(hr_client, "township", buffer.getvalue()))


def test_the_confirm_step_reads_the_stored_file_through_the_guard(year, hr_client, own_tmp_folder):
    """A file posted straight to the confirm step is guarded too: a zip bomb is refused there."""
    _townships(year)
    (own_tmp_folder / "bomb").write_bytes(crafted("zip_bomb"))
    response = hr_client.post(url("township", "process_import"), {
        "import_file_name": "bomb", "original_file_name": "表格.xlsx", "format": "0", "resource": "0"})
    assert response.status_code == 302
    assert "压缩炸弹" in text(hr_client.get(response["Location"]))
    assert Township.objects.count() == 2


# --- who may import ------------------------------------------------------------------------------

def staff(username, role, *permissions, **profile):
    user = factories.UserFactory(username=username, is_staff=True)
    factories.ProfileFactory(user=user, role=role, **profile)
    user.user_permissions.set(Permission.objects.filter(codename__in=permissions))
    client = Client()
    client.force_login(user)
    return client


def test_only_hr_with_the_tables_permissions_may_import(year, hr_client):
    """An institution's clerk marked staff is sent to the admin's login; HR staff who may only view
    a table see an export button but no import button and get 403 on the import pages; HR staff
    who may add and change it see both."""
    _townships(year)
    content = xlsx(TABLES["township"]["headers"], TABLES["township"]["new"])
    institution = factories.TrainingInstitutionFactory()
    clerk = staff("clerk_staff", Role.INSTITUTION, "add_township", "change_township", "view_township",
                  institution=institution)
    for response in (clerk.get(url("township", "import")), upload(clerk, "township", content),
                     clerk.post(url("township", "export"), {"resource": "0", "format": "0"})):
        assert response.status_code == 302 and response["Location"].startswith("/admin/login/")

    viewer = staff("hr_viewer", Role.HR, "view_township")
    page = text(viewer.get(url("township", "changelist")))
    assert url("township", "export") in page and url("township", "import") not in page
    assert viewer.get(url("township", "import")).status_code == 403
    assert upload(viewer, "township", content).status_code == 403
    assert viewer.post(url("township", "process_import"), {"import_file_name": "x", "original_file_name": "x.xlsx",
                                                           "format": "0"}).status_code == 403
    export(viewer, "township")

    editor = staff("hr_editor", Role.HR, "view_township", "add_township", "change_township")
    page = text(editor.get(url("township", "changelist")))
    assert url("township", "import") in page and "导入" in page and "导出" in page
    assert Township.objects.count() == 2
    done = confirm(editor, "township", upload(editor, "township", content))
    assert done.status_code == 302 and Township.objects.count() == 4


def test_the_import_pages_are_in_chinese(year, hr_client):
    """The list's buttons, the upload page and the export page are in Chinese, and the
    institution years' list keeps its performance links."""
    page = text(hr_client.get(url("institutionyear", "changelist")))
    assert "年度机构绩效(R11)" in page and ">导入<" in page and ">导出<" in page
    page = text(hr_client.get(url("occupation", "import")))
    assert "此次将导入以下字段" in page and "职业(工种)" in page and "只接受 .xlsx" in page
    page = text(hr_client.get(url("occupation", "export")))
    assert "此次将导出以下字段" in page and "国家职业编码" in page


def test_policy_year_must_exist(year, hr_client):
    """A target for a year that HR has not set up is refused with the way to fix it."""
    _townships(year)
    preview = upload(hr_client, "townshiptarget", xlsx(["乡镇", "政策年度", "任务人数"], [["韩店镇", 2031, 5]]))
    assert "没有找到政策年度「2031」:请先在“政策年度”中建立该年度。" in text(preview)
    assert not PolicyYear.objects.filter(year=2031).exists() and not TownshipTarget.objects.exists()


def test_previewed_file_is_dropped_when_it_cannot_be_confirmed(year, hr_client, own_tmp_folder):
    """A preview with errors keeps no copy of the file; a clean one keeps it until confirmed, and
    confirming it a second time (a double click) writes nothing more."""
    _townships(year)
    spec = TABLES["township"]
    upload(hr_client, "township", xlsx(spec["headers"], [spec["bad"]]))
    assert list(own_tmp_folder.iterdir()) == []
    preview = upload(hr_client, "township", xlsx(spec["headers"], spec["new"]))
    assert len(list(own_tmp_folder.iterdir())) == 1
    confirm(hr_client, "township", preview)
    assert list(own_tmp_folder.iterdir()) == [] and Township.objects.count() == 4
    again = confirm(hr_client, "township", preview)
    assert again.status_code == 302 and again["Location"] == url("township", "import")
    assert "该表格已经导入" in text(hr_client.get(again["Location"])) and Township.objects.count() == 4
