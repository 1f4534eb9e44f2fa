"""No double anything: one unused voucher per holder and year, a claim line removed once, class
codes unique under simultaneous applications, and money exported as exact numbers to the fen.

The tests marked `postgres` race real threads against PostgreSQL's row locks; SQLite has
neither, so there they are skipped with the reason (tests/conftest.py)."""

import re
import threading
import zipfile
from datetime import date, timedelta
from decimal import Decimal
from io import BytesIO

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from common.excel import cell_value
from courses import services as courses
from courses import services as voucher_services
from courses.models import TrainingClass, Voucher
from subsidies import services
from subsidies.models import ClaimLine
from tests import factories
from tests.courses.test_concurrency import race
from tests.scenarios import START, completed_class

TODAY = START + timedelta(days=20)
MONEY_FORMATS = {"0.00", "#,##0.00"}


def on(monkeypatch, day):
    monkeypatch.setattr("django.utils.timezone.localdate", lambda *a, **k: day)


def pilot_year():
    year = factories.PolicyYearFactory(year=2018)
    year.is_voucher_pilot_on = True
    year.save()
    return year


def township_and_trainee():
    township = factories.TownshipFactory()
    return factories.township_user(township), factories.TraineeFactory(township=township)


def draft_claim(trainees=2):
    training_class = completed_class(trainees=trainees)
    claim, _ = services.generate_claim(training_class, by=training_class.clerk, instalment="first", today=TODAY)
    return training_class, claim


def new_application(institution, year, clerk, n):
    occupation = factories.OccupationFactory(policy_year=year)
    application = factories.TrainingClassFactory.build(
        code="", name=f"同时申请的培训班{n}", institution=institution, policy_year=year, occupation=occupation,
        target_line=factories.TargetLineFactory(policy_year=year))
    return lambda: courses.save_class_application(application, institution=institution, policy_year=year, by=clerk)


# --- Vouchers (R14, 四(三)) -----------------------------------------------------------------------

@pytest.mark.django_db
def test_a_second_voucher_for_the_same_holder_is_refused_and_not_stored():
    """A second 发放培训券 while the first is unused is refused with the code, and only one is kept."""
    year = pilot_year()
    official, trainee = township_and_trainee()
    first = voucher_services.issue_voucher(trainee, by=official, policy_year=year, today=date(2018, 5, 1))
    with pytest.raises(ValidationError) as error:
        voucher_services.issue_voucher(trainee, by=official, policy_year=year, today=date(2018, 5, 1))
    assert error.value.code == "voucher_already_issued"
    assert first.code in error.value.messages[0] and "四(三)" in error.value.messages[0]
    assert list(Voucher.objects.filter(holder=trainee).values_list("code", flat=True)) == [first.code]


@pytest.mark.django_db
def test_an_expired_voucher_still_marked_issued_is_marked_expired_before_a_new_one():
    """The database cannot see dates: an issued voucher past its expiry is first marked expired
    (with the reason in its history), then the new one is issued under the same constraint."""
    year = pilot_year()
    official, trainee = township_and_trainee()
    lapsed = factories.VoucherFactory(holder=trainee, policy_year=year, issued_on=date(2018, 5, 1),
                                      expires_on=date(2018, 6, 30))
    fresh = voucher_services.issue_voucher(trainee, by=official, policy_year=year, today=date(2018, 7, 2))
    lapsed.refresh_from_db()
    assert lapsed.status == "expired"
    assert lapsed.history.first().history_change_reason == "有效期届满,标记为已过期"
    assert list(Voucher.objects.filter(holder=trainee, status="issued")) == [fresh]


@pytest.mark.django_db
def test_a_cancelled_voucher_does_not_block_a_new_one():
    year = pilot_year()
    official, trainee = township_and_trainee()
    first = voucher_services.issue_voucher(trainee, by=official, policy_year=year, today=date(2018, 5, 1))
    voucher_services.cancel_voucher(first, by=official, reason="持券人遗失")
    second = voucher_services.issue_voucher(trainee, by=official, policy_year=year, today=date(2018, 5, 2))
    assert second.status == "issued" and second.code != first.code


@pytest.mark.django_db
def test_the_database_refuses_a_second_unused_voucher_of_the_year():
    """A bulk insert skips every check in Python; the partial unique constraint still refuses."""
    year = pilot_year()
    held = factories.VoucherFactory(policy_year=year)
    second = Voucher(code="QJ2018-SECOND0001", holder=held.holder, township=held.township, policy_year=year,
                     issued_on=date(2018, 5, 2), expires_on=date(2018, 12, 31))
    with pytest.raises(ValidationError) as error:
        second.full_clean()
    assert error.value.error_dict["__all__"][0].code == "voucher_already_issued"
    with pytest.raises(IntegrityError), transaction.atomic():
        Voucher.objects.bulk_create([second])
    assert Voucher.objects.filter(holder=held.holder).count() == 1
    cancelled = Voucher(code="QJ2018-CANCEL0001", holder=held.holder, township=held.township, policy_year=year,
                        issued_on=date(2018, 5, 2), expires_on=date(2018, 12, 31), status="cancelled")
    Voucher.objects.bulk_create([cancelled])  # only unused vouchers are limited to one


@pytest.mark.django_db
def test_the_township_page_shows_the_refusal_with_409(client, monkeypatch):
    year = pilot_year()
    assert year.year == 2018
    on(monkeypatch, date(2018, 5, 2))
    official, trainee = township_and_trainee()
    client.force_login(official)
    url = reverse("trainees:issue-voucher", args=[trainee.pk])
    assert client.post(url).status_code == 302
    response = client.post(url)
    assert response.status_code == 409
    assert "已有一张未使用的培训券" in response.content.decode()
    assert trainee.vouchers.count() == 1


# --- Claim lines ----------------------------------------------------------------------------------

@pytest.mark.django_db
def test_removing_a_removed_line_is_refused_and_writes_nothing():
    training_class, claim = draft_claim()
    line = claim.lines.order_by("pk").first()
    services.remove_line(line, by=training_class.clerk, reason="证书编号录错")
    claim.refresh_from_db()
    total, history = claim.total_amount, (line.history.count(), claim.history.count())
    with pytest.raises(ValidationError) as error:
        services.remove_line(line, by=training_class.clerk, reason="再点一次")
    assert error.value.code == "line_already_removed"
    assert "不能重复移除" in error.value.messages[0]
    line.refresh_from_db()
    claim.refresh_from_db()
    assert line.void_reason == "机构移除:证书编号录错"
    assert (line.history.count(), claim.history.count()) == history
    assert claim.total_amount == total


@pytest.mark.django_db
def test_the_claim_page_refuses_a_second_removal_with_409():
    training_class, claim = draft_claim()
    line = claim.lines.order_by("pk").first()
    client = Client()
    client.force_login(training_class.clerk)
    url = reverse("subsidies:line-remove", args=[line.pk])
    assert client.post(url, {"reason": "证书编号录错"}).status_code == 302
    before = line.history.count()
    response = client.post(url, {"reason": "证书编号录错"})
    assert response.status_code == 409
    assert "不能重复移除" in response.content.decode()
    assert line.history.count() == before
    response = client.post(reverse("subsidies:line-remove", args=[claim.lines.order_by("pk").last().pk]),
                           {"reason": " "})
    assert response.status_code == 400 and "请写明移除原因" in response.content.decode()


# --- Class codes ----------------------------------------------------------------------------------

@pytest.mark.django_db
def test_class_codes_run_on_per_institution_and_year():
    year = factories.PolicyYearFactory(year=2018)
    institution = factories.TrainingInstitutionFactory()
    clerk = factories.institution_user(institution)
    codes = [new_application(institution, year, clerk, n)().code for n in range(3)]
    assert codes == [f"2018-J{institution.pk:02d}-{n:02d}" for n in (1, 2, 3)]


# --- Money in exports ---------------------------------------------------------------------------

def test_money_is_handed_to_the_workbook_as_decimal():
    assert cell_value(Decimal("1234.56")) == Decimal("1234.56")
    assert type(cell_value(Decimal("1234.56"))) is Decimal


def sheet_xml(content):
    with zipfile.ZipFile(BytesIO(content)) as archive:
        return archive.read("xl/worksheets/sheet1.xml").decode()


@pytest.mark.django_db
def test_exported_claim_amounts_are_exact_to_the_fen():
    """The claim .xlsx carries 1234.56 as the number 1234.56 (not a rounded float), formatted
    as yuan to the fen."""
    claim = factories.SubsidyClaimFactory(total_amount=Decimal("1234.66"))
    factories.ClaimLineFactory(claim=claim, total_subsidy_amount=Decimal("1543.21"), first_amount=Decimal("1234.56"),
                               second_amount=Decimal("308.65"), amount=Decimal("1234.56"))
    factories.ClaimLineFactory(claim=claim, total_subsidy_amount=Decimal("0.13"), first_amount=Decimal("0.10"),
                               second_amount=Decimal("0.03"), amount=Decimal("0.10"))
    client = Client()
    client.force_login(factories.institution_user(claim.institution))
    response = client.get(reverse("subsidies:claim-export", args=[claim.pk]))
    assert response.status_code == 200
    sheet = load_workbook(BytesIO(response.content)).active
    expected = [(Decimal("1543.21"), Decimal("1234.56"), Decimal("0.00")),
                (Decimal("0.13"), Decimal("0.10"), Decimal("0.00"))]
    for row, amounts in zip(sheet.iter_rows(min_row=3, min_col=5, max_col=7), expected, strict=True):
        for cell, amount in zip(row, amounts, strict=True):
            assert isinstance(cell.value, int | float) and Decimal(str(cell.value)) == amount
            assert cell.number_format in MONEY_FORMATS
    written = re.findall(r'<c r="[EFG][34]"[^>]*><v>([^<]*)</v>', sheet_xml(response.content))
    assert written == ["1543.21", "1234.56", "0.00", "0.13", "0.10", "0.00"]


@pytest.mark.django_db
def test_exported_class_claims_carry_the_claim_total_exactly():
    """98765.43 as a float written by openpyxl would be 98765.42999999999 in the file."""
    claim = factories.SubsidyClaimFactory(total_amount=Decimal("98765.43"))
    client = Client()
    client.force_login(factories.institution_user(claim.institution))
    response = client.get(reverse("subsidies:class-claims", args=[claim.training_class_id]), {"export": "xlsx"})
    cell = load_workbook(BytesIO(response.content)).active["C3"]
    assert Decimal(str(cell.value)) == Decimal("98765.43") and cell.number_format in MONEY_FORMATS
    assert '<v>98765.43</v>' in sheet_xml(response.content)


# --- Under concurrency (PostgreSQL, real threads) -----------------------------------------------

@pytest.mark.parametrize("round_", range(2))
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_issues_for_one_trainee_give_one_voucher(round_):
    year = pilot_year()
    official, trainee = township_and_trainee()
    outcomes = race([lambda: voucher_services.issue_voucher(trainee, by=official, policy_year=year,
                                                    today=date(2018, 5, 2))] * 20)
    assert outcomes.count("ok") == 1
    assert outcomes.count("voucher_already_issued") == 19
    assert Voucher.objects.filter(holder=trainee).count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_issues_past_a_lapsed_voucher_expire_it_once_and_give_one_voucher():
    """The lapsed voucher is locked before the trainee, as enrolment by voucher does: no deadlock."""
    year = pilot_year()
    official, trainee = township_and_trainee()
    lapsed = factories.VoucherFactory(holder=trainee, policy_year=year, issued_on=date(2018, 5, 1),
                                      expires_on=date(2018, 6, 30))
    outcomes = race([lambda: voucher_services.issue_voucher(trainee, by=official, policy_year=year,
                                                    today=date(2018, 7, 2))] * 20)
    assert outcomes.count("ok") == 1
    assert outcomes.count("voucher_already_issued") == 19
    assert Voucher.objects.filter(holder=trainee, status="issued").count() == 1
    assert lapsed.history.filter(status="expired").count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_twenty_double_clicks_on_the_township_page_give_one_voucher_and_no_500(monkeypatch):
    year = pilot_year()
    assert year.year == 2018
    on(monkeypatch, date(2018, 5, 2))
    official, trainee = township_and_trainee()
    url = reverse("trainees:issue-voucher", args=[trainee.pk])
    clients = []
    for _ in range(20):
        client = Client()
        client.force_login(official)
        clients.append(client)
    barrier, statuses = threading.Barrier(20), []

    def click(client):
        try:
            barrier.wait()
            statuses.append(client.post(url).status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=click, args=(c,)) for c in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [302] + [409] * 19
    assert trainee.vouchers.count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_removals_of_one_line_remove_it_once():
    training_class, claim = draft_claim()
    line = claim.lines.order_by("pk").first()
    before = line.history.count()
    outcomes = race([lambda: services.remove_line(line, by=training_class.clerk, reason="重复点击")] * 20)
    assert outcomes.count("ok") == 1
    assert outcomes.count("line_already_removed") == 19
    assert line.history.count() == before + 1
    claim.refresh_from_db()
    assert claim.total_amount == sum(ClaimLine.objects.filter(claim=claim, is_void=False).values_list(
        "amount", flat=True))


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_applications_get_twenty_codes():
    year = factories.PolicyYearFactory(year=2018)
    institution = factories.TrainingInstitutionFactory()
    clerk = factories.institution_user(institution)
    outcomes = race([new_application(institution, year, clerk, n) for n in range(20)])
    assert outcomes == ["ok"] * 20
    codes = list(TrainingClass.objects.filter(institution=institution).values_list("code", flat=True))
    assert sorted(codes) == [f"2018-J{institution.pk:02d}-{n:02d}" for n in range(1, 21)]
