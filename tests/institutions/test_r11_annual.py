"""R11 (《实施方案》三(七)) on real rows: the year's figures stay provisional until every
employment window has closed, cannot be applied before, and every page writes each rate as the
decision compared it."""

import datetime
from io import BytesIO

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from common.models import BackgroundJob, JobStatus
from courses.models import ClassStatus
from institutions.models import InstitutionYear
from reporting import dashboard
from reporting.selectors import annual_performance
from reporting.services import apply_annual_performance
from tests import factories
from tests.jobs import run_queued_jobs

pytestmark = pytest.mark.django_db
D = datetime.date
START, END = D(2018, 6, 4), D(2018, 6, 13)  # window: to 13 Sep 2018 inclusive
# A real unit (a valid unified social credit code): its jobs need no written note to be verified.
EMPLOYER = {"employer_credit_code": factories.credit_code(777)}


def finished_class(year, institution=None, *, completed, certified=0, employed=(), start=START, end=END,
                   status=ClassStatus.COMPLETED, verifier=None):
    """A class of `year` that ended on `end` with `completed` trainees on its roster, the first
    `certified` of them certified, and one HR-verified job per date in `employed`."""
    verifier = verifier or User.objects.filter(username="r11-verifier").first() or factories.hr_user("r11-verifier")
    training_class = factories.TrainingClassFactory(
        policy_year=year, institution=institution or factories.TrainingInstitutionFactory(), status=status,
        planned_start_on=start, planned_end_on=end, started_on=start, completed_on=end)
    employed = list(employed)
    for i in range(completed):
        enrolment = factories.EnrolmentFactory(training_class=training_class)
        if i < certified:
            factories.CertificateFactory(enrolment=enrolment, issued_on=end + datetime.timedelta(days=5))
        if i < len(employed):
            factories.EmploymentRecordFactory(enrolment=enrolment, started_on=employed[i], verified_by=verifier,
                                              verified_at=timezone.now(), **EMPLOYER)
    return training_class


@pytest.fixture
def closed_year(policy_year):
    policy_year.is_closed = True
    policy_year.save()
    factories.PolicyYearFactory(year=2019)
    return policy_year


def job(days_after_end=30):
    return END + datetime.timedelta(days=days_after_end)


def test_provisional_on_the_last_day_of_the_last_window_final_the_day_after(closed_year):
    """The year's last class ended 30 Nov 2018: the figures are provisional (暂定) through
    28 Feb 2019, the window's last day, and final from 1 Mar 2019."""
    finished_class(closed_year, completed=2, certified=2)
    finished_class(closed_year, completed=2, certified=2, start=D(2018, 11, 21), end=D(2018, 11, 30))
    for day in (D(2019, 2, 27), D(2019, 2, 28)):
        status = annual_performance(closed_year, today=day).status
        assert status.is_provisional and status.final_on == D(2019, 3, 1)
    assert annual_performance(closed_year, today=D(2019, 3, 1)).status.is_final


def test_apply_is_refused_while_provisional_and_done_once_final(closed_year, hr):
    """Applying on the window's last day is refused, naming the day the figures become final;
    the next day it disqualifies the institution below the employment rate."""
    poor = finished_class(closed_year, completed=7, certified=7, employed=[job(), job(40)])
    with pytest.raises(ValidationError) as error:
        apply_annual_performance(closed_year, by=hr, today=D(2018, 9, 13))
    assert error.value.code == "figures_provisional"
    message = error.value.messages[0]
    assert "2018-09-14" in message and "《实施方案》三(七)" in message
    assert not InstitutionYear.objects.filter(policy_year_id=2019, is_disqualified=True).exists()

    losers = apply_annual_performance(closed_year, by=hr, today=D(2018, 9, 14))
    assert [institution for institution, _ in losers] == [poor.institution]
    row = InstitutionYear.objects.get(institution=poor.institution, policy_year_id=2019)
    assert row.is_disqualified and "就业率28.5%低于30%" in row.disqualification_reason


@pytest.mark.parametrize("status", [ClassStatus.IN_PROGRESS, ClassStatus.APPROVED])
def test_a_class_still_to_end_keeps_the_year_provisional(closed_year, hr, status):
    """A class of the year still running (or approved, not yet ended) keeps the figures
    provisional long after the other windows closed; cancelled and rejected classes do not."""
    finished_class(closed_year, completed=3, certified=3, employed=[job()])
    running = factories.TrainingClassFactory(policy_year=closed_year, status=status,
                                             planned_start_on=D(2018, 12, 20), planned_end_on=D(2018, 12, 29),
                                             started_on=D(2018, 12, 20) if status == ClassStatus.IN_PROGRESS else None)
    for other in (ClassStatus.CANCELLED, ClassStatus.REJECTED):
        factories.TrainingClassFactory(policy_year=closed_year, status=other, planned_start_on=D(2018, 12, 1),
                                       planned_end_on=D(2018, 12, 31))
    today = D(2019, 6, 1)
    status_now = annual_performance(closed_year, today=today).status
    assert status_now.is_provisional and status_now.unfinished_classes == 1
    with pytest.raises(ValidationError) as error:
        apply_annual_performance(closed_year, by=hr, today=today)
    assert error.value.code == "classes_not_finished"
    assert "1个培训班未结业" in error.value.messages[0] and "2019-09-02" in error.value.messages[0]

    running.status = ClassStatus.CANCELLED
    running.save()
    assert apply_annual_performance(closed_year, by=hr, today=today) == []


def test_apply_is_refused_while_the_year_is_open(policy_year, hr):
    factories.PolicyYearFactory(year=2019)
    finished_class(policy_year, completed=1, certified=0)
    with pytest.raises(ValidationError) as error:
        apply_annual_performance(policy_year, by=hr, today=D(2019, 6, 1))
    assert error.value.code == "year_not_closed"
    assert not InstitutionYear.objects.filter(policy_year_id=2019, is_disqualified=True).exists()


def test_exactly_80_and_30_percent_keep_eligibility(closed_year, hr):
    """8 certified and 3 employed of 10 completed is exactly 80 % and 30 %: kept; one fewer
    certified (7 of 10, 70.0 %) loses it."""
    at = finished_class(closed_year, completed=10, certified=8, employed=[job()] * 3)
    below = finished_class(closed_year, completed=10, certified=7, employed=[job()] * 3)
    results = dict(annual_performance(closed_year, today=D(2019, 1, 1)))
    assert (results[at.institution].pass_rate_text, results[at.institution].employment_rate_text) == ("80.0%", "30.0%")
    assert results[at.institution].keeps_eligibility
    losers = apply_annual_performance(closed_year, by=hr, today=D(2019, 1, 1))
    assert [institution for institution, _ in losers] == [below.institution]
    assert not InstitutionYear.objects.filter(institution=at.institution, policy_year_id=2019,
                                              is_disqualified=True).exists()


def test_employment_counts_as_r23_says(closed_year):
    """Only HR-verified employment begun between the class's actual start and the window's last
    day, and not after today, counts toward the employment rate."""
    training_class = finished_class(closed_year, completed=6, certified=6)
    enrolments = list(training_class.enrolments.order_by("pk"))
    hr = factories.hr_user("r23-checker")
    verified = {"verified_by": hr, "verified_at": timezone.now(), **EMPLOYER}
    factories.EmploymentRecordFactory(enrolment=enrolments[0], started_on=START, **verified)  # counts
    factories.EmploymentRecordFactory(enrolment=enrolments[1], started_on=D(2018, 9, 13), **verified)  # counts
    factories.EmploymentRecordFactory(enrolment=enrolments[2], started_on=START - datetime.timedelta(days=1),
                                      **verified)
    factories.EmploymentRecordFactory(enrolment=enrolments[3], started_on=D(2018, 9, 14), **verified)
    factories.EmploymentRecordFactory(enrolment=enrolments[4], started_on=job(), **EMPLOYER)  # not verified
    result = dict(annual_performance(closed_year, today=D(2019, 1, 1)))[training_class.institution]
    assert result.employed == 2
    # On 1 Sep a job beginning on the 13th has not begun: it does not count yet.
    assert dict(annual_performance(closed_year, today=D(2018, 9, 1)))[training_class.institution].employed == 1


def test_the_table_the_reason_and_the_dashboard_write_the_same_rate(closed_year, hr, hr_client):
    """2 employed of 7 completed (28.571…%): the performance page, the stored reason, the
    dashboard's league table, its chart and its export all write 28.5%, never 28.6%."""
    poor = finished_class(closed_year, completed=7, certified=7, employed=[job(), job(40)])
    page = hr_client.get(reverse("admin:institutions_institutionyear_performance", args=[2018])).content.decode()
    assert page.count("28.5%") == 2  # the table's cell and the reason beside it
    apply_annual_performance(closed_year, by=hr)
    reason = InstitutionYear.objects.get(institution=poor.institution, policy_year_id=2019).disqualification_reason
    assert "28.5%" in reason
    league = {row[0]: row for row in dashboard.figures(closed_year)["league"]}
    assert str(league[poor.institution.name][3]) == "0.285"
    board = hr_client.get(reverse("admin:dashboard"), {"year": 2018}).content.decode()
    assert "28.5%" in board
    export = hr_client.get(reverse("admin:dashboard"), {"year": 2018, "export": "league"})
    rows = list(load_workbook(BytesIO(export.content)).active.values)
    assert next(row for row in rows[2:] if row[0] == poor.institution.name)[3] == "28.5%"
    assert "28.6%" not in page + reason + board


def test_the_page_shows_provisional_figures_and_withholds_the_button(hr_client):
    """While a window is open the page says 暂定 with the day the figures become final, the
    button is disabled, and a POST anyway is refused without writing anything."""
    today = timezone.localdate()
    year = factories.PolicyYearFactory(year=today.year, is_closed=True)
    factories.PolicyYearFactory(year=today.year + 1)
    end = today - datetime.timedelta(days=1)
    finished_class(year, completed=2, certified=0, start=end - datetime.timedelta(days=9), end=end)
    final_on = annual_performance(year).status.final_on
    url = reverse("admin:institutions_institutionyear_performance", args=[year.year])
    page = hr_client.get(url).content.decode()
    assert "暂定" in page and final_on.isoformat() in page
    assert 'type="submit"' in page and "disabled" in page
    response = hr_client.post(url, follow=True)
    refusals = [str(message) for message in response.context["messages"]]
    assert len(refusals) == 1 and f"请于{final_on.isoformat()}起再计算" in refusals[0]
    assert not InstitutionYear.objects.filter(policy_year_id=today.year + 1, is_disqualified=True).exists()


def test_the_page_offers_the_button_once_final(closed_year, hr_client):
    """Once final, the button queues the review's application as an HR job; the worker writes
    next year's eligibility, and the job's page names how many lost it, with the list to download."""
    institution = finished_class(closed_year, completed=2, certified=0).institution
    url = reverse("admin:institutions_institutionyear_performance", args=[2018])
    page = hr_client.get(url).content.decode()
    assert "暂定" not in page and "disabled" not in page
    response = hr_client.post(url)
    job = BackgroundJob.objects.get()
    assert response.url == reverse("jobs:detail", args=[job.pk]) and job.is_hr_job and job.back_url == url
    assert hr_client.post(url).url == response.url  # a second click finds the job waiting
    assert not InstitutionYear.objects.filter(policy_year_id=2019, is_disqualified=True).exists()
    run_queued_jobs()
    assert InstitutionYear.objects.filter(policy_year_id=2019, is_disqualified=True).count() == 1
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED and job.message.startswith("已取消1家机构2019年度承担补贴性培训任务的资格")
    page = hr_client.get(response.url).content.decode()
    assert job.message in page and "下载:2018年度绩效取消资格名单.xlsx" in page
    download = hr_client.get(reverse("jobs:download", args=[job.pk]))
    listed = load_workbook(BytesIO(b"".join(download.streaming_content))).active
    assert [c.value for c in listed[3]][:2] == [institution.name, 2] and "合格率" in listed[3][6].value


def test_annual_performance_costs_four_queries_whatever_the_size(closed_year, django_assert_num_queries):
    """One aggregate over the classes, the roster, the verified jobs and the institutions."""
    finished_class(closed_year, completed=2, certified=1, employed=[job()])
    with django_assert_num_queries(4):
        assert len(annual_performance(closed_year, today=D(2019, 1, 1))) == 1
    for _ in range(4):
        finished_class(closed_year, completed=5, certified=4, employed=[job(), job(10)])
    factories.TrainingClassFactory(policy_year=closed_year, status=ClassStatus.IN_PROGRESS, started_on=START)
    with django_assert_num_queries(4):
        results = annual_performance(closed_year, today=D(2019, 1, 1))
        assert len(results) == 5 and results.status.unfinished_classes == 1
