"""A template filled in and saved by LibreOffice Calc imports without loss.

fixtures/trainees_saved_by_libreoffice.xlsx is the system's own trainee template with three rows
typed in, saved by LibreOffice 7.4 (`soffice --convert-to xlsx`): an ID ending in X, a landline
with its leading 0, dates written three ways. Where soffice is installed, the round trip
export -> LibreOffice -> import runs live too.
"""

import datetime
import shutil
import subprocess
from io import BytesIO
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook

from tests import factories
from trainees.models import Trainee

pytestmark = pytest.mark.django_db
FIXTURE = Path(__file__).parent / "fixtures" / "trainees_saved_by_libreoffice.xlsx"
URL = "/township/import/trainees/"


@pytest.fixture
def official(client):
    client.force_login(factories.township_user(factories.TownshipFactory(name="韩店镇")))
    return client


def import_file(client, content):
    response = client.post(URL, {"file": SimpleUploadedFile("学员登记.xlsx", content)})
    plan = response.context["plan"]
    assert plan.is_clean, [(e.row, e.column, e.reason) for e in plan.errors]
    client.post(URL, {"batch": response.context["batch"].pk})


def test_a_sheet_saved_by_libreoffice_imports_without_loss(official):
    import_file(official, FIXTURE.read_bytes())
    first = Trainee.objects.get(id_number="11010519491231002X")
    assert (first.name, first.phone, first.address) == ("王秀英", "0355-5512345", "韩店村1号")
    assert first.categories.get().held_from == datetime.date(2018, 5, 14)
    assert Trainee.objects.count() == 3
    assert set(Trainee.objects.values_list("categories__held_from", flat=True)) == {datetime.date(2018, 5, 14)}


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) 未安装")
def test_live_round_trip_through_libreoffice(official, tmp_path):
    response = official.get(URL + "?template=1")


    workbook = load_workbook(BytesIO(response.content))
    workbook.worksheets[0].append(["140421199001010012", "赵六", "13912345678", "韩店镇", "初中", "农村劳动力",
                                   "2018/6/1", ""])
    source = tmp_path / "source.xlsx"
    workbook.save(source)
    out = tmp_path / "lo"
    subprocess.run(["soffice", "--headless", "--norestore", f"-env:UserInstallation=file://{tmp_path}/profile",
                    "--convert-to", "xlsx:Calc MS Excel 2007 XML", "--outdir", str(out), str(source)],
                   check=True, capture_output=True, timeout=180)
    import_file(official, (out / "source.xlsx").read_bytes())
    assert Trainee.objects.get(name="赵六").id_number == "140421199001010012"
