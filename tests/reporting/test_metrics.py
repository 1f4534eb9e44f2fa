"""A metric is defined once and every page reads it (issue 16 item 2): "certified" (a roster row
of the year holding a certificate earned on that training), "employed" (employment that counts
under R23 and R7), the pass and employment rates of R11 and the attendance rate of R3 are the
same numbers on the township's and the institution's portal, the HR dashboard, the public page
and the annual review."""

import datetime
from decimal import Decimal
from io import BytesIO

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from certification.models import LEGACY_VERIFICATION_NOTE, Certificate
from common.numbers import rate_text
from courses.policy import mean_attendance_rate
from portals.township import _progress
from reporting import dashboard
from reporting.dashboard import progress
from reporting.selectors import annual_performance
from tests import factories
from tests.scenarios import START, completed_class

pytestmark = pytest.mark.django_db

END = START + datetime.timedelta(days=9)  # completed_class's ten days; R7 window to 13 Sep 2018
# A real unit (a valid unified social credit code): its jobs need no written note to be verified.
EMPLOYER = {"employer_credit_code": factories.credit_code(778)}


def one_township(training_class):
    """Every trainee of the class moved to the first one's township; returns it."""
    enrolments = list(training_class.enrolments.order_by("pk"))
    township = enrolments[0].trainee.township
    for enrolment in enrolments:
        enrolment.trainee.township = township
        enrolment.trainee.save()
    return township


def test_certified_is_the_same_people_on_the_township_page_and_the_dashboard():
    training_class = completed_class(trainees=3)
    year = training_class.policy_year
    certified_one, uncertified, _ = training_class.enrolments.order_by("pk")
    # A certificate of the year's occupation that no training of the year earned (recorded by HR
    # for a hire) does not make a trainee on this year's rosters "certified".
    factories.CertificateFactory(enrolment=None, trainee=uncertified.trainee, occupation=training_class.occupation)
    Certificate.objects.filter(enrolment=uncertified).delete()
    township = one_township(training_class)
    official = factories.township_user(township)
    on_township_page = _progress(official, year)["certified"]
    on_dashboard = dict((label, certified) for label, _, _, certified, _ in
                        progress(year, "trainee__township_id", [(township.pk, township.name)]))[township.name]
    assert on_township_page == on_dashboard == 2


def test_certified_is_the_same_on_the_institution_portal_the_dashboard_and_the_annual_review(client):
    """The institution's 取得证书, the dashboard's and the public page's 已取证 and the annual
    review's certified count the same roster rows."""
    training_class = completed_class(trainees=3)
    year = training_class.policy_year
    Certificate.objects.filter(enrolment=training_class.enrolments.order_by("pk").last()).delete()
    client.force_login(training_class.clerk)
    on_portal = client.get(reverse("institutions:home")).context["figures"]["certificates"]
    on_dashboard = dashboard.figures(year)["certificates"]
    client.logout()
    on_public_page = client.get(reverse("public-home"), {"year": year.year}).context["data"]["certificates"]
    in_review = dict(annual_performance(year))[training_class.institution].certified
    assert on_portal == on_dashboard == on_public_page == in_review == 2


def test_employed_is_the_same_people_on_every_page(client):
    """Only employment that counts under R23 and R7 is "employed", wherever it is shown: the
    dashboard's tables (by target line, township and category), the township's progress by
    category, the public page and the annual review. A job before the class started, one never
    verified by HR, one after the R7 window and one at the institution itself without HR's note
    count nowhere (a record verified before notes were required carries only the marker)."""
    training_class = completed_class(trainees=5)
    year = training_class.policy_year
    hr = factories.hr_user("metrics-verifier")
    verified = {"verified_by": hr, "verified_at": timezone.now()}
    counts, early, unverified, late, own = training_class.enrolments.order_by("pk")
    factories.EmploymentRecordFactory(enrolment=counts, started_on=END + datetime.timedelta(days=30),
                                      **verified, **EMPLOYER)
    factories.EmploymentRecordFactory(enrolment=early, started_on=START - datetime.timedelta(days=1),
                                      **verified, **EMPLOYER)
    factories.EmploymentRecordFactory(enrolment=unverified, started_on=END, **EMPLOYER)
    factories.EmploymentRecordFactory(enrolment=late, started_on=datetime.date(2018, 9, 14), **verified,
                                      **EMPLOYER)
    factories.EmploymentRecordFactory(enrolment=own, started_on=END, is_employer_the_institution=True,
                                      verification_note=LEGACY_VERIFICATION_NOTE, **verified, **EMPLOYER)
    township = one_township(training_class)
    factories.TownshipTargetFactory(township=township, policy_year=year)

    data = dashboard.figures(year)
    by_line = {row[0]: row[-1] for row in data["lines"]}[training_class.target_line.name]
    by_township = {row[0]: row[-1] for row in data["townships"]}[township.name]
    by_category = sum(row[-1] for row in data["categories"])
    client.force_login(factories.township_user(township))
    on_township_page = sum(row[-1] for row in client.get(reverse("trainees:home")).context["by_category"])
    client.logout()
    public = client.get(reverse("public-home"), {"year": year.year}).context["data"]
    on_public_page = {row[0]: row[-1] for row in public["lines"]}[training_class.target_line.name]
    in_review = dict(annual_performance(year))[training_class.institution].employed
    assert (by_line, by_township, by_category, data["employment"], on_township_page, on_public_page,
            in_review) == (1, 1, 1, 1, 1, 1, 1)


def test_the_pass_and_employment_rates_are_the_same_on_every_page(client, hr_client):
    """2 certified and 1 employed of 3 completed: the annual review's page, the dashboard's
    league table and its export, and the public page all show 66.6% and 33.3%."""
    training_class = completed_class(trainees=3)
    year = training_class.policy_year
    Certificate.objects.filter(enrolment=training_class.enrolments.order_by("pk").last()).delete()
    verifier = factories.hr_user("rates-verifier")
    factories.EmploymentRecordFactory(enrolment=training_class.enrolments.order_by("pk").first(),
                                      started_on=END + datetime.timedelta(days=30), verified_by=verifier,
                                      verified_at=timezone.now(), **EMPLOYER)
    name = training_class.institution.name
    review = dict(annual_performance(year))[training_class.institution]
    assert (review.pass_rate_text, review.employment_rate_text) == ("66.6%", "33.3%")
    page = hr_client.get(reverse("admin:institutions_institutionyear_performance", args=[year.year]))
    on_review_page = {institution.name: (p.pass_rate_text, p.employment_rate_text)
                      for institution, p in page.context["rows"]}[name]
    league = {row[0]: row for row in hr_client.get(reverse("admin:dashboard"), {"year": year.year})
              .context["data"]["league"]}[name]
    export = hr_client.get(reverse("admin:dashboard"), {"year": year.year, "export": "league"})
    exported = next(row for row in list(load_workbook(BytesIO(export.content)).active.values)[2:]
                    if row[0] == name)
    listed = client.get(reverse("public-home"), {"year": year.year}).context["institutions"]
    public = {institution: row for institution, _, row in listed}
    assert on_review_page == (rate_text(league[2]), rate_text(league[3])) == tuple(exported[2:4]) == (
        rate_text(public[name][2]), rate_text(public[name][3])) == ("66.6%", "33.3%")


def test_the_attendance_rate_of_an_institution_is_the_mean_of_its_classes_r3_rates(hr_client):
    """The dashboard's 平均到课率 reads the classes' R3 rates as each class's page shows them,
    through the one definition of a group's rate (courses.policy.mean_attendance_rate)."""
    full = completed_class(trainees=2)
    # 10 days of two sessions: one trainee absent from 5 of 20 sessions attends 75 % of the hours.
    patchy = completed_class(trainees=2, absent_sessions={0: 5}, institution=full.institution,
                             target_line=full.target_line)
    rates = [full.attendance_rate, patchy.attendance_rate]
    assert rates == [Decimal("1.0000"), Decimal("0.8750")]
    league = {row[0]: row for row in dashboard.figures(full.policy_year)["league"]}[full.institution.name]
    assert league[4] == mean_attendance_rate(rates) == Decimal("0.9375")
    page = hr_client.get(reverse("admin:dashboard"), {"year": full.policy_year.year}).content.decode()
    assert rate_text(league[4]) == "93.7%" and "93.7%" in page
