"""Long work in the background (common/jobs.py, portals/jobs.py): a large sheet's confirmation runs
as a job on the database queue, its page follows its progress and shows its outcome, only its
starter (and county HR for HR's jobs) may see it, and a job runs once."""

import threading
from io import BytesIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.urls import reverse
from django_tasks import task
from django_tasks_db.models import DBTaskResult
from openpyxl import load_workbook

from common import jobs
from common.admin_mixins import export_in_background
from common.import_views import confirm_import
from common.jobs import Outcome, run_job, start_job
from common.models import BackgroundJob, ImportBatch, JobStatus
from reporting import dashboard
from reporting.models import FigureSnapshot
from tests import factories
from tests.ids import make_id_number
from tests.imports.test_trainee_import import URL, row, sheet
from tests.jobs import run_queued_jobs, worker
from trainees.models import Trainee

pytestmark = pytest.mark.django_db


@pytest.fixture
def township(db):
    return factories.TownshipFactory(name="韩店镇")


@pytest.fixture
def official(township):
    return factories.township_user(township, username="town_niu")


@pytest.fixture
def official_client(client, official):
    client.force_login(official)
    return client


@pytest.fixture
def small_threshold(settings):
    """Sheets of more than 3 rows are confirmed in the background (2,000 by default)."""
    settings.IMPORT_BACKGROUND_ROWS = 3


def rows(count):
    """`count` different people: 500 a birthday (the ID number's sequence and sex digits)."""
    return [row(make_id_number(birth=f"198001{1 + i // 500:02d}", sequence=i % 500), name=f"学员{i}")
            for i in range(count)]


def previewed(client, count):
    response = client.post(URL, {"file": sheet(rows(count))})
    assert response.status_code == 200 and response.context["may_confirm"]
    return response.context["batch"]


def confirm(client, batch):
    return client.post(URL, {"batch": batch.pk})


def test_a_large_sheet_is_confirmed_in_the_background(official_client, official, small_threshold):
    """Above the threshold the confirmation queues a job and sends the official to its page;
    nothing is written until the worker runs it, then every row is, and the page says so."""
    batch = previewed(official_client, 5)
    response = confirm(official_client, batch)
    job = BackgroundJob.objects.get()
    assert response.status_code == 302 and response.url == reverse("jobs:detail", args=[job.pk])
    assert (job.status, job.started_by, job.is_hr_job, job.back_url) == (JobStatus.QUEUED, official, False,
                                                                         "/township/")
    assert Trainee.objects.count() == 0 and DBTaskResult.objects.get().status == "READY"
    page = official_client.get(response.url).content.decode()
    assert "导入学员登记表(5行)" in page and "排队中" in page and 'id="job-bar"' in page

    assert run_queued_jobs() == 1
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED and (job.done, job.total) == (5, 5)
    assert Trainee.objects.count() == 5 and ImportBatch.objects.get().imported_at is not None
    page = official_client.get(response.url).content.decode()
    assert "<strong>已完成</strong>" in page and "导入完成:导入5行,跳过0行。" in page and 'id="job-bar"' not in page
    state = official_client.get(reverse("jobs:progress", args=[job.pk])).json()
    assert state | {"download_url": ""} == {
        "status": "succeeded", "status_text": "已完成", "finished": True, "done": 5, "total": 5, "percent": 100,
        "stage": "", "message": "导入完成:导入5行,跳过0行。", "download_url": ""}
    assert DBTaskResult.objects.get().status == "SUCCESSFUL"


def test_a_second_click_finds_the_job_already_queued(official_client, small_threshold):
    batch = previewed(official_client, 4)
    first, second = confirm(official_client, batch), confirm(official_client, batch)
    assert first.url == second.url and BackgroundJob.objects.count() == 1 and DBTaskResult.objects.count() == 1


def test_a_small_sheet_is_still_written_at_once(official_client, small_threshold):
    """At or below the threshold nothing changes: written on the click, back to the portal."""
    batch = previewed(official_client, 3)
    response = confirm(official_client, batch)
    assert response.status_code == 302 and response.url == "/township/"
    assert Trainee.objects.count() == 3 and not BackgroundJob.objects.exists() and not DBTaskResult.objects.exists()


def test_the_default_threshold_is_two_thousand_rows(official_client, settings):
    assert settings.IMPORT_BACKGROUND_ROWS == 2000
    batch = previewed(official_client, 2001)
    assert confirm(official_client, batch).url.startswith("/jobs/")
    run_queued_jobs()
    assert Trainee.objects.count() == 2001


def test_progress_advances_row_by_row_as_the_page_reads_it(official_client, small_threshold, monkeypatch):
    """While the job runs, the progress address reports it running, stage by stage, with the
    count of rows done rising; at the end it is done."""
    monkeypatch.setattr(jobs, "PROGRESS_EVERY_SECONDS", 0)
    batch = previewed(official_client, 6)
    job_url = confirm(official_client, batch).url
    job = BackgroundJob.objects.get()
    seen = []

    def read_the_page(sender, job_id, **kwargs):
        seen.append(official_client.get(reverse("jobs:progress", args=[job_id])).json())

    jobs.job_progressed.connect(read_the_page)
    try:
        run_queued_jobs()
    finally:
        jobs.job_progressed.disconnect(read_the_page)
    assert {state["status"] for state in seen} == {"running"}
    checking = [(state["done"], state["total"], state["percent"]) for state in seen if state["stage"] == "逐行检查"]
    assert checking == [(0, 6, 0), (1, 6, 16), (2, 6, 33), (3, 6, 50), (4, 6, 66), (5, 6, 83)]
    assert [state["stage"] for state in seen][-5:] == ["写入学员", "写入学员变更记录", "写入培训对象类别", "写入类别变更记录",
                                                       "已写入"]
    assert official_client.get(job_url).status_code == 200
    state = official_client.get(reverse("jobs:progress", args=[job.pk])).json()
    assert (state["status"], state["percent"]) == ("succeeded", 100)


def test_another_persons_job_is_404_and_hr_sees_only_hr_jobs(official_client, official, township,
                                                             small_threshold):
    """A job is its starter's: another official of the same township, an institution's clerk and
    county HR get 404 for the page, the progress and the file; an HR job is every HR officer's."""
    batch = previewed(official_client, 4)
    job = BackgroundJob.objects.get(pk=int(confirm(official_client, batch).url.split("/")[2]))
    others = [factories.township_user(township, username="town_other"),
              factories.institution_user(factories.TrainingInstitutionFactory()), factories.hr_user()]
    client = Client()
    for other in others:
        client.force_login(other)
        for name in ("jobs:detail", "jobs:progress", "jobs:download"):
            assert client.get(reverse(name, args=[job.pk])).status_code == 404, (other, name)
    hr_job = start_job(confirm_import, user=others[2], kind="import", title="HR", is_hr_job=True)
    client.force_login(factories.hr_user(username="hr_other"))
    assert client.get(reverse("jobs:detail", args=[hr_job.pk])).status_code == 200
    assert official_client.get(reverse("jobs:detail", args=[hr_job.pk])).status_code == 404


def test_a_sheet_refused_at_confirmation_writes_nothing_and_lists_why(official_client, official, small_threshold):
    """The official moved to another township between the preview and the job: the job checks the
    sheet again as its uploader now may, writes nothing, says why in Chinese and keeps the list
    of refused rows for download."""
    batch = previewed(official_client, 4)
    job_url = confirm(official_client, batch).url
    official.profile.township = factories.TownshipFactory(name="苏店镇")
    official.profile.save()
    run_queued_jobs()
    job = BackgroundJob.objects.get()
    assert job.status == JobStatus.FAILED and "4处错误" in job.message and "未写入任何数据" in job.message
    assert Trainee.objects.count() == 0 and ImportBatch.objects.get().imported_at is None
    page = official_client.get(job_url).content.decode()
    assert "未完成" in page and job.message in page and "下载:导入错误清单-学员登记.xlsx" in page
    download = official_client.get(reverse("jobs:download", args=[job.pk]))
    assert download.status_code == 200 and "attachment" in download["Content-Disposition"]
    listed = load_workbook(BytesIO(b"".join(download.streaming_content))).active
    values = [[cell.value for cell in line] for line in listed.iter_rows(min_row=2)]
    assert values[0] == ["行号", "原因", "列", "内容"] and len(values) == 5
    assert values[1][0] == "第2行" and values[1][2] == "所属乡镇" and "不是可选项" in values[1][1]
    assert all(make_id_number(birth="19800101", sequence=0) not in str(v) for line in values for v in line)


def test_a_job_that_breaks_says_so_in_chinese_and_the_queue_keeps_the_traceback(official_client, small_threshold):
    batch = previewed(official_client, 4)
    confirm(official_client, batch)
    ImportBatch.objects.get().file.delete(save=False)  # the stored sheet is gone from the disk
    run_queued_jobs()
    job = BackgroundJob.objects.get()
    assert job.status == JobStatus.FAILED and f"任务编号{job.pk}" in job.message and "重新提交" in job.message
    assert Trainee.objects.count() == 0
    result = DBTaskResult.objects.get()
    assert result.status == "FAILED" and "FileNotFoundError" in result.traceback


def test_a_job_delivered_twice_runs_once(official_client, small_threshold):
    """A second delivery of the task finds the job no longer queued and does nothing."""
    batch = previewed(official_client, 4)
    confirm(official_client, batch)
    job = BackgroundJob.objects.get()
    confirm_import.enqueue(job.pk)
    assert run_queued_jobs() == 2
    assert sorted(DBTaskResult.objects.values_list("return_value", flat=True)) == ["skipped", "succeeded"]
    assert Trainee.objects.count() == 4


# --- the worker command, and two workers at once ------------------------------------------------

RUNS = []
RUNS_LOCK = threading.Lock()


@task()
def note_the_run(job_id: int) -> str:
    """A job that takes a moment and notes each time its work really runs."""

    def work(job, progress):
        with RUNS_LOCK:
            RUNS.append(job.pk)
        progress.update(1, 1, stage="记录")
        threading.Event().wait(0.02)
        return Outcome(message="完成")

    return run_job(job_id, work)


@pytest.mark.django_db(transaction=True)
def test_the_worker_command_runs_the_queue_and_stops_when_it_is_empty():
    """`manage.py db_worker --batch` (README) runs every queued job, then exits."""
    user = factories.hr_user()
    queued = [start_job(note_the_run, user=user, kind="test", title=f"测试{i}") for i in range(3)]
    RUNS.clear()
    call_command("db_worker", batch=True, reload=False, startup_delay=False, verbosity=0)
    assert sorted(RUNS) == sorted(job.pk for job in queued)
    assert set(BackgroundJob.objects.values_list("status", flat=True)) == {JobStatus.SUCCEEDED}


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_workers_never_run_the_same_job_twice():
    """Two worker processes' loops, in two threads with their own connections, share 40 jobs,
    each of whose tasks is also queued twice: every job's work runs exactly once."""
    user = factories.hr_user()
    queued = [start_job(note_the_run, user=user, kind="test", title=f"测试{i}") for i in range(40)]
    for job in queued:
        note_the_run.enqueue(job.pk)
    RUNS.clear()
    errors = []

    def loop(name):
        try:
            worker(name).run()
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=loop, args=(f"worker-{n}",)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors
    assert sorted(RUNS) == sorted(job.pk for job in queued)
    assert DBTaskResult.objects.filter(status="SUCCESSFUL").count() == 80
    assert all(len(ids) == 1 for ids in DBTaskResult.objects.values_list("worker_ids", flat=True))
    assert len({ids[0] for ids in DBTaskResult.objects.values_list("worker_ids", flat=True)}) == 2


# --- the figures' refresh -------------------------------------------------------------------------

def test_hr_refreshes_the_figures_in_the_background(client, hr_client, hr, settings):
    """立即更新统计 on the dashboard queues the year's refresh as an HR job (a second click finds
    it); the worker recomputes the snapshot step by step, and the dashboard then shows it."""
    settings.FIGURES_MAX_AGE = 600
    year = factories.PolicyYearFactory(year=2018)
    page = hr_client.get(reverse("admin:dashboard") + "?year=2018").content.decode()
    assert "立即更新统计" in page
    old = FigureSnapshot.objects.get(policy_year=year)
    factories.TrainingClassFactory(policy_year=year)  # not in the snapshot until it is refreshed
    assert sum(n for _, n in dashboard.snapshot(year)[0]["statuses"]) == 0

    response = hr_client.post(reverse("admin:dashboard_refresh"), {"year": "2018"})
    job = BackgroundJob.objects.get()
    assert response.url == reverse("jobs:detail", args=[job.pk]) and job.is_hr_job and job.kind == "figures"
    assert hr_client.post(reverse("admin:dashboard_refresh"), {"year": "2018"}).url == response.url
    assert hr_client.get(reverse("admin:dashboard_refresh")).status_code == 405
    stages = []

    def note(sender, job_id, done, total, stage, **kwargs):
        stages.append((stage, done, total))

    jobs.job_progressed.connect(note)
    try:
        run_queued_jobs()
    finally:
        jobs.job_progressed.disconnect(note)
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED and (job.done, job.total) == (8, 8)
    assert job.message.startswith("2018年度统计已更新") and "工作台和公开页面已显示新数字" in job.message
    assert [stage for stage, _, _ in stages] == ["统计就业人数", "统计年度任务进度", "统计乡镇任务进度", "统计培训对象类别与职业",
                                                 "统计补贴金额", "统计培训班状态", "统计培训机构排行", "统计取证人数", "已保存"]
    assert [done for _, done, _ in stages] == list(range(9))
    new = FigureSnapshot.objects.get(policy_year=year)
    assert new.computed_at > old.computed_at and sum(n for _, n in dashboard.snapshot(year)[0]["statuses"]) == 1
    client.force_login(factories.hr_user(username="hr_other"))
    assert "2018年度统计已更新" in client.get(response.url).content.decode()


# --- large exports ---------------------------------------------------------------------------------

def test_a_large_admin_export_is_written_in_the_background(hr_client, hr, settings, monkeypatch):
    """导出所选为 Excel over more rows than EXPORT_BACKGROUND_ROWS (the whole filtered list,
    select_across) becomes an HR job: the worker runs the list's own query again, writes every
    row as the list shows it (masked), and keeps the file on the job's page."""
    settings.EXPORT_BACKGROUND_ROWS = 3
    monkeypatch.setattr(jobs, "PROGRESS_EVERY_SECONDS", 0)
    township = factories.TownshipFactory(name="韩店镇")
    trainees = [factories.TraineeFactory(township=township, name=f"学员{i}") for i in range(5)]
    factories.TraineeFactory(name="别处学员")  # filtered out by the list's township filter
    url = reverse("admin:trainees_trainee_changelist")
    small = hr_client.post(f"{url}?township__id__exact={township.pk}",
                           {"action": "export_selected_xlsx", "_selected_action": [t.pk for t in trainees[:3]]})
    assert small["Content-Type"].startswith("application/vnd") and not BackgroundJob.objects.exists()

    response = hr_client.post(f"{url}?township__id__exact={township.pk}", {
        "action": "export_selected_xlsx", "_selected_action": [trainees[0].pk], "select_across": "1"})
    job = BackgroundJob.objects.get()
    assert response.url == reverse("jobs:detail", args=[job.pk]) and job.title == "导出学员(5行)" and job.is_hr_job
    counts = []
    jobs.job_progressed.connect(lambda sender, done, total, stage, **kw: counts.append((stage, done, total)),
                                weak=False, dispatch_uid="export-test")
    try:
        run_queued_jobs()
    finally:
        jobs.job_progressed.disconnect(dispatch_uid="export-test")
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED and job.message == "已导出5行学员,请下载。"
    assert [(done, total) for stage, done, total in counts if stage == "读取数据"] == [(n, 5) for n in range(6)]
    download = hr_client.get(reverse("jobs:download", args=[job.pk]))
    assert download["Content-Disposition"] == "attachment; filename*=utf-8''%E5%AD%A6%E5%91%98.xlsx"
    sheet = load_workbook(BytesIO(b"".join(download.streaming_content))).active
    written = [[c.value for c in line] for line in sheet.iter_rows(min_row=3)]
    assert sorted(line[0] for line in written) == [f"学员{i}" for i in range(5)]
    everything = " ".join(str(v) for line in written for v in line)
    assert all(t.id_number not in everything for t in trainees) and "别处学员" not in everything


def test_a_job_does_not_run_a_query_someone_wrote_into_the_queue(hr_client, hr):
    """The export's recorded query is signed: one changed in the database fails the job, unrun."""
    job = start_job(export_in_background, user=hr, kind="export", title="导出学员(9行)", is_hr_job=True,
                    params={"model": "trainees.Trainee", "columns": ["name"], "rows": 9,
                            "query": jobs.signed_query(Trainee.objects.all()) + "x"})
    run_queued_jobs()
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED and not job.result_file
    assert "BadSignature" in DBTaskResult.objects.get().traceback


def test_a_long_township_list_is_exported_in_the_background(official_client, official, township, settings):
    """A township's trainee list longer than EXPORT_BACKGROUND_ROWS is written by the worker for
    that official only; the file is kept on the job's page, masked as the screen shows it."""
    settings.EXPORT_BACKGROUND_ROWS = 3
    trainees = [factories.TraineeFactory(township=township, name=f"学员{i}") for i in range(4)]
    factories.TraineeFactory(name="别处学员")
    response = official_client.get(reverse("trainees:export", args=["trainees"]))
    job = BackgroundJob.objects.get()
    assert response.url == reverse("jobs:detail", args=[job.pk]) and job.title == "导出韩店镇登记学员(4行)"
    assert not job.is_hr_job
    run_queued_jobs()
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED and job.message == "已导出韩店镇登记学员4行,请下载。"
    download = official_client.get(reverse("jobs:download", args=[job.pk]))
    sheet = load_workbook(BytesIO(b"".join(download.streaming_content))).active
    written = [[c.value for c in line] for line in sheet.iter_rows(min_row=3)]
    assert [line[0] for line in written] == [f"学员{i}" for i in range(4)]
    assert [line[1] for line in written] == [t.masked_id_number for t in trainees]
    other = Client()
    other.force_login(factories.hr_user())
    assert other.get(reverse("jobs:download", args=[job.pk])).status_code == 404
    settings.EXPORT_BACKGROUND_ROWS = 4
    assert official_client.get(reverse("trainees:export", args=["trainees"]))["Content-Type"].startswith(
        "application/vnd")
