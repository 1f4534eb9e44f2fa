"""学员登记 by spreadsheet: template, preview, confirm, the Excel traps, re-uploads."""

import datetime
from io import BytesIO

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook, load_workbook

from common.models import ImportBatch
from tests import factories
from tests.ids import make_id_number
from tests.imports import corpus
from trainees.imports import TraineeRegistration
from trainees.models import Trainee
from trainees.services import register_trainee

pytestmark = pytest.mark.django_db
HEADERS = ["身份证号", "姓名", "联系电话", "所属乡镇", "文化程度", "培训对象类别", "类别起始日期", "住址"]
URL = "/township/import/trainees/"


@pytest.fixture
def township(db):
    return factories.TownshipFactory(name="韩店镇")


@pytest.fixture
def official(client, township):
    client.force_login(factories.township_user(township))
    return client


def sheet(rows, headers=HEADERS, merge=None):
    workbook = Workbook()
    ws = workbook.active
    ws.append(headers)
    for row in rows:
        ws.append(list(row))
    if merge:
        ws.merge_cells(merge)
    buffer = BytesIO()
    workbook.save(buffer)
    return SimpleUploadedFile("学员登记.xlsx", buffer.getvalue())


def row(number, name="张三", phone="13812345678", township="韩店镇", category="农村劳动力", held="2018-05-14"):
    return [number, name, phone, township, "初中", category, held, "韩店村"]


def upload(client, file):
    return client.post(URL, {"file": file})


def confirm(client, response):
    return client.post(URL, {"batch": response.context["batch"].pk})


def test_template_has_text_columns_notes_and_drop_downs(official):
    response = official.get(URL + "?template=1")
    workbook = load_workbook(BytesIO(response.content))
    ws = workbook.worksheets[0]
    assert [c.value for c in ws[1]] == HEADERS
    assert ws["A2"].number_format == "@" and ws["C2"].number_format == "@"
    lists = [dv.formula1 for dv in ws.data_validations.dataValidation]
    assert any("韩店镇" in f for f in lists) and any("农村劳动力" in f for f in lists)
    assert workbook.sheetnames[1] == "填写说明"


def test_a_clean_sheet_is_previewed_then_imported(official, township):
    numbers = [make_id_number(birth="19800101", sequence=i) for i in range(1, 4)]
    response = upload(official, sheet([row(n, name=f"学员{i}") for i, n in enumerate(numbers)]))
    assert response.status_code == 200 and Trainee.objects.count() == 0
    assert len(response.context["plan"].items) == 3
    confirm(official, response)
    assert Trainee.objects.count() == 3
    trainee = Trainee.objects.get(id_number=numbers[0])
    assert (trainee.township, trainee.birth_on, trainee.categories.get().held_from) == (
        township, datetime.date(1980, 1, 1), datetime.date(2018, 5, 14))
    assert trainee.history.count() == 1
    assert ImportBatch.objects.get().imported_at is not None


def errors_of(response):
    return [(e.row, e.column, e.reason) for e in response.context["plan"].errors]


def test_the_excel_traps_are_caught_and_nothing_is_stored(official):
    good = make_id_number(birth="19900101", sequence=5)
    rows = [
        row(140421199001011234.0),  # a number cell: digits lost
        row(good[:17]),  # trailing X lost (17 characters)
        row("１４０４２１ " + good[6:].lower()),  # full-width and spaces: fine
        row(make_id_number(sequence=6), held="2018年5月14日"),
        row(make_id_number(sequence=7), held=datetime.datetime(2018, 5, 14)),
        row(make_id_number(sequence=8), held="2018.5.14"),
        row(make_id_number(sequence=9), held="5月14日"),
        row(good),  # the same person as row 4
        row(make_id_number(sequence=10), township="苏店镇"),
    ]
    response = upload(official, sheet(rows))
    found = errors_of(response)
    assert (2, "身份证号", found[0][2]) == found[0] and "文本" in found[0][2]
    assert found[1][0] == 3 and "17位" in found[1][2]
    assert [e[0] for e in found] == [2, 3, 8, 9, 10]
    assert "第4行" in found[3][2]
    assert "不是可选项" in found[4][2]
    assert response.context["plan"].errors[2].value == "5月14日"
    assert Trainee.objects.count() == 0
    assert b"\xe7\xa1\xae\xe8\xae\xa4\xe5\xaf\xbc\xe5\x85\xa5" not in response.content  # no 确认导入 button


def test_person_registered_in_another_township_is_reported_not_changed(official):
    elsewhere = factories.TraineeFactory(township=factories.TownshipFactory(name="苏店镇"), name="李四")
    response = upload(official, sheet([row(elsewhere.id_number, name="李四改名"), row(make_id_number(sequence=3))]))
    plan = response.context["plan"]
    assert plan.is_clean and len(plan.items) == 1
    assert "已在苏店镇登记" in plan.skipped[0][2]
    # Named as the registration screen names another township's person: never in full.
    assert plan.skipped[0][1] == f"李*({elsewhere.masked_id_number})"
    assert "李四" not in response.content.decode() and elsewhere.id_number not in response.content.decode()
    confirm(official, response)
    elsewhere.refresh_from_db()
    assert (elsewhere.name, elsewhere.township.name) == ("李四", "苏店镇")


def test_the_same_file_twice_changes_nobody(official):
    file = sheet([row(make_id_number(sequence=i), name=f"学员{i}") for i in range(1, 4)])
    confirm(official, upload(official, file))
    file.seek(0)
    again = upload(official, file)
    assert len(again.context["plan"].skipped) == 3 and not again.context["plan"].items
    # The township's own people keep their names (the ID numbers masked).
    assert again.context["plan"].skipped[0][1].startswith("学员1(") and "********" in again.context["plan"].skipped[0][1]
    confirm(official, again)
    assert Trainee.objects.count() == 3


@pytest.mark.parametrize(
    ("file", "reason"),
    [
        (lambda: sheet([row(make_id_number())], headers=HEADERS + ["备注"]), "多出列:备注"),
        (lambda: sheet([row(make_id_number())[:7]], headers=HEADERS[:7]), "缺少列"),
        (lambda: sheet([row(make_id_number())], merge="A1:B1"), "合并"),
        (lambda: sheet([]), "没有数据行"),
        (lambda: SimpleUploadedFile("学员登记.xlsx", corpus.valid_xlsx(rows=())), "空"),
    ],
)
def test_sheet_problems_are_explained(official, file, reason):
    response = upload(official, file())
    assert reason in response.context["plan"].errors[0].reason
    assert Trainee.objects.count() == 0


@pytest.mark.parametrize("content", [corpus.renamed_xls, corpus.renamed_csv, corpus.truncated, corpus.xxe,
                                     corpus.billion_laughs, corpus.password_protected, corpus.zip_bomb])
def test_refused_files_answer_400_in_chinese(official, content):
    response = upload(official, SimpleUploadedFile("学员登记.xlsx", content()))
    assert response.status_code == 400
    assert "请" in response.context["refusal"] and Trainee.objects.count() == 0


def test_another_officials_batch_cannot_be_confirmed(official, client):
    response = upload(official, sheet([row(make_id_number(sequence=2))]))
    batch = response.context["batch"]
    client.force_login(factories.township_user(factories.TownshipFactory(), username="other"))
    assert client.post(URL, {"batch": batch.pk}).status_code == 404
    assert Trainee.objects.count() == 0


def test_the_sheet_refuses_what_the_registration_screen_refuses(official, township):
    """The import and register_trainee share their decisions (trainees.policy): the same bad
    details are refused with the same words, on the sheet under their column."""

    user = factories.township_user(township, username="second-official")
    bad = {"name": "张" * 51, "phone": "12345", "address": "村" * 201}
    with pytest.raises(ValidationError) as refused:
        register_trainee(by=user, id_number=make_id_number(sequence=11), township=township,
                         category="rural_labour", **bad)
    on_screen = {field: messages for field, messages in refused.value.message_dict.items()}
    number = make_id_number(sequence=12)
    response = upload(official, sheet([[number, bad["name"], bad["phone"], "韩店镇", "初中", "农村劳动力", "",
                                        bad["address"]]]))
    on_sheet = {column: [reason for _, c, reason in errors_of(response) if c == column]
                for column in ("姓名", "联系电话", "住址")}
    assert on_sheet == {"姓名": on_screen["name"], "联系电话": on_screen["phone"], "住址": on_screen["address"]}
    assert Trainee.objects.count() == 0


def test_the_sheet_offers_only_the_townships_the_screen_would_register_in(official, township):
    """A township official's sheet lists their own township only (may_act_for_township); HR's
    lists every township."""
    other = factories.TownshipFactory(name="苏店镇")
    mine = TraineeRegistration(user=factories.township_user(township, username="third-official"))
    everyone = TraineeRegistration(user=factories.hr_user())
    assert list(mine.townships) == ["韩店镇"]
    assert set(everyone.townships) == {"韩店镇", other.name}
