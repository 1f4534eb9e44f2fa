"""Results, certificates and employment from spreadsheets; HR's trainee import in the admin."""

import datetime

import pytest
from django.test import Client
from django.urls import reverse

from certification.models import Assessment, Certificate, EmploymentRecord
from tests import factories
from tests.ids import make_id_number
from tests.imports.corpus import sheet
from tests.scenarios import START, completed_class
from trainees.models import Trainee

pytestmark = pytest.mark.django_db
END = START + datetime.timedelta(days=9)
RESULTS = ["身份证号", "姓名", "考核结果", "考核日期", "理论成绩", "实操成绩", "证书编号", "发证日期"]
JOBS = ["身份证号", "姓名", "用人单位", "统一社会信用代码", "就业日期", "合同期限(月)", "证明材料"]


def run(client, url, file):
    response = client.post(url, {"file": file})
    plan = response.context["plan"]
    if plan.is_clean:
        client.post(url, {"batch": response.context["batch"].pk})
    return plan


def logged_in(user):
    client = Client()
    client.force_login(user)
    return client


def test_results_sheet_by_the_clerk_then_certificates_by_hr():
    training_class = completed_class(trainees=2, absent_sessions={1: 4}, certified=False)
    good, poor = training_class.enrolments.order_by("pk")
    url = reverse("certification:import-results", args=[training_class.pk])
    rows = [(good.trainee.id_number, "", "合格", END, 80, 90, "", ""),
            (poor.trainee.id_number, "", "合格", END, 80, 90, "", "")]
    plan = run(logged_in(training_class.clerk), url, sheet(RESULTS, rows))
    assert [(e.row, "85%" in e.reason) for e in plan.errors] == [(3, True)]  # R3 gate, nothing written
    assert Assessment.objects.count() == 0
    plan = run(logged_in(training_class.clerk), url, sheet(RESULTS, rows[:1]))
    assert plan.is_clean and Assessment.objects.get().result == "passed"
    refused = run(logged_in(training_class.clerk), url,
                  sheet(RESULTS, [(good.trainee.id_number, "", "合格", END, 80, 90, "C-1", "2018/6/20")]))
    assert "培训机构只录入考核结果" in refused.errors[0].reason and Certificate.objects.count() == 0
    plan = run(logged_in(training_class.officer), url,
               sheet(RESULTS, [(good.trainee.id_number, "", "合格", END, 80, 90, "C-1", "2018年6月20日")]))
    assert plan.is_clean and Certificate.objects.get().number == "C-1"


def test_employment_sheet_from_the_institution_twice_adds_once():
    training_class = completed_class(trainees=1)
    trainee = training_class.enrolments.get().trainee
    client = logged_in(training_class.clerk)
    file = sheet(JOBS, [(trainee.id_number, "", "长治县某机械公司", "", "2018/7/1", 12, "劳动合同")])
    assert run(client, reverse("certification:import-employment"), file).is_clean
    file.seek(0)
    assert run(client, reverse("certification:import-employment"), file).is_clean
    assert EmploymentRecord.objects.count() == 1


def test_employment_sheet_of_another_townships_person_is_refused():
    training_class = completed_class(trainees=1)
    trainee = training_class.enrolments.get().trainee
    client = logged_in(factories.township_user(factories.TownshipFactory(), username="elsewhere"))
    plan = run(client, reverse("trainees:import-employment"),
               sheet(JOBS, [(trainee.id_number, "", "某公司", "", "2018/7/1", 12, "劳动合同")]))
    assert "管理范围" in plan.errors[0].reason and EmploymentRecord.objects.count() == 0


def test_hr_imports_trainees_for_any_township_in_the_admin(hr_client):
    factories.TownshipFactory(name="韩店镇")
    factories.TownshipFactory(name="苏店镇")
    url = reverse("admin:trainees_trainee_import")
    assert "表格导入学员登记" in hr_client.get(reverse("admin:trainees_trainee_changelist")).content.decode()
    headers = ["身份证号", "姓名", "联系电话", "所属乡镇", "文化程度", "培训对象类别", "类别起始日期", "住址"]
    rows = [(make_id_number(sequence=1), "甲", "", "韩店镇", "", "农村劳动力", "", ""),
            (make_id_number(sequence=2), "乙", "", "苏店镇", "", "城镇失业人员", "", "")]
    assert run(hr_client, url, sheet(headers, rows)).is_clean
    assert set(Trainee.objects.values_list("township__name", flat=True)) == {"韩店镇", "苏店镇"}
