"""Every list exports to .xlsx with Chinese headers, the screen's scope, masked personal data and
no formula cells (reopened with openpyxl to check)."""

import datetime
from io import BytesIO

import pytest
from django.contrib.admin import site
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from subsidies import services as subsidies
from tests import factories
from tests.scenarios import START, completed_class

pytestmark = pytest.mark.django_db
EVIL = "=HYPERLINK(\"http://example.com\",\"点我\")"


def cells(response):
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    workbook = load_workbook(BytesIO(response.content))
    values = [c for ws in workbook.worksheets for row in ws.iter_rows() for c in row]
    assert not [c.coordinate for c in values if c.data_type == "f"], "formula cells in the export"
    return [c.value for c in values if c.value is not None]


@pytest.fixture
def world():
    training_class = completed_class(trainees=2)
    trainee = training_class.enrolments.first().trainee
    trainee.name = EVIL
    trainee.save()
    subsidies.generate_claim(training_class, by=training_class.clerk, instalment="first",
                             today=START + datetime.timedelta(days=20))
    other = completed_class(trainees=1)
    return training_class, trainee, other


def portal(user):
    client = Client()
    client.force_login(user)
    return client


def test_institution_exports(world):
    training_class, trainee, other = world
    client = portal(training_class.clerk)
    urls = [reverse("courses:class-list") + "?export=xlsx",
            reverse("courses:print-roster", args=[training_class.pk]) + "?export=xlsx",
            reverse("courses:print-attendance", args=[training_class.pk]) + "?export=xlsx",
            reverse("certification:results", args=[training_class.pk]) + "?export=xlsx",
            reverse("certification:employment", args=[training_class.pk]) + "?export=xlsx",
            reverse("subsidies:class-claims", args=[training_class.pk]) + "?export=xlsx",
            reverse("subsidies:claim-export", args=[training_class.claims.get().pk])]
    for url in urls:
        values = cells(client.get(url))
        text = " ".join(str(v) for v in values)
        assert trainee.id_number not in text
        assert other.code not in text
        if "roster" in url or "results" in url or "attendance" in url:
            assert "'" + EVIL in values and trainee.masked_id_number in values
    assert client.get(reverse("courses:print-roster", args=[other.pk]) + "?export=xlsx").status_code == 404


def test_township_exports(world, policy_year):
    _, trainee, other = world
    client = portal(factories.township_user(trainee.township))
    factories.VoucherFactory(holder=trainee, township=trainee.township)
    for what in ("trainees", "vouchers", "progress"):
        values = cells(client.get(reverse("trainees:export", args=[what])))
        text = " ".join(str(v) for v in values)
        assert trainee.id_number not in text and other.enrolments.get().trainee.name not in text
        if what != "progress":
            assert "'" + EVIL in values


def test_every_admin_list_exports_its_selection(world, hr_client):
    training_class, trainee, _ = world
    for model in site._registry:
        obj = model._default_manager.first()
        if obj is None:
            continue
        url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        response = hr_client.post(url, {"action": "export_selected_xlsx", ACTION_CHECKBOX_NAME: [obj.pk]})
        values = cells(response)
        assert trainee.id_number not in " ".join(str(v) for v in values), model._meta.label
        assert str(model._meta.verbose_name) in values
