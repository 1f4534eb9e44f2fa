"""The reporting work that runs in the background (common/jobs.py): the figures' refresh and the
annual review's application, each queued by a button of HR's back office and followed on the
job's page."""

from datetime import date

from django.utils import timezone
from django_tasks import task

from common.excel import write_workbook
from common.jobs import Outcome, run_job
from programme.models import County, PolicyYear
from reporting import dashboard
from reporting.models import FigureSnapshot
from reporting.services import apply_annual_performance


@task()
def refresh_in_background(job_id: int) -> str:
    """立即更新统计 (the dashboard's button): the year's figures recomputed and kept as its
    snapshot, step by step on the job's page (13 s for a province)."""
    return run_job(job_id, _refresh)


def _refresh(job, progress):
    year = PolicyYear.objects.get(pk=job.params["year"])
    county = County.objects.filter(pk=job.params.get("county")).first()
    _, when = dashboard.refresh(year, county=county, reporter=progress)
    seconds = FigureSnapshot.objects.get(policy_year=year, county=county).seconds
    progress.update(dashboard.FIGURE_STEPS, dashboard.FIGURE_STEPS, stage="已保存")
    return Outcome(message=f"{year.year}年度统计已更新(统计截至 {timezone.localtime(when):%Y-%m-%d %H:%M:%S},"
                           f"用时 {seconds:.1f} 秒):工作台和公开页面已显示新数字。")


@task()
def apply_performance_in_background(job_id: int) -> str:
    """年度机构绩效 → 将结果用于下一年度资格 (R11), as of the day HR pressed the button: every
    institution computed and written in one transaction (reporting.services), and the list of
    those that lost next year's eligibility kept for download."""
    return run_job(job_id, _apply_performance)


def _apply_performance(job, progress):
    year = PolicyYear.objects.get(pk=job.params["year"])
    losers = apply_annual_performance(year, by=job.started_by, today=date.fromisoformat(job.params["today"]),
                                      progress=progress)
    progress.update(1, 1, stage="已写入")
    message = f"已取消{len(losers)}家机构{year.year + 1}年度承担补贴性培训任务的资格(《实施方案》三(七))。"
    if not losers:
        return Outcome(message=message + "全部机构保留资格。")
    rows = [[institution.name, p.completed, p.certified, p.pass_rate_text, p.employed, p.employment_rate_text,
             ";".join(p.reasons)] for institution, p in losers]
    return Outcome(message=message + "名单可下载。", filename=f"{year.year}年度绩效取消资格名单.xlsx",
                   content=write_workbook(["培训机构", "结业人数", "取证人数", "合格率", "就业人数", "就业率", "取消原因"], rows,
                                          title=f"{year.year}年度培训机构绩效:取消{year.year + 1}年度资格名单"))
