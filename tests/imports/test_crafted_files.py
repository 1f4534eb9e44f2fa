"""Every crafted file of the corpus, on every import endpoint, is refused with a Chinese 400 in
under a second and under 100 MiB, and leaves nothing stored; the worst of them, read in a child
process whose address space is capped, never reach the reader."""

import functools
import os
import subprocess
import sys
import textwrap
import tracemalloc
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from common.models import ImportBatch
from tests import factories
from tests.conftest import built_once_for_the_module
from tests.imports import corpus
from tests.scenarios import completed_class

pytestmark = pytest.mark.django_db


@functools.cache
def crafted(case):
    return corpus.CRAFTED[case][0]()


def signed_in(user):
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture(scope="module")
def endpoints_of_the_module(django_db_setup, django_db_blocker, tmp_path_factory):
    yield from built_once_for_the_module(seven_endpoints, django_db_blocker, tmp_path_factory)


@pytest.fixture
def endpoints(endpoints_of_the_module, db):
    """The seven import endpoints, each with a user allowed to use it (built once for the module:
    every test here is refused and writes nothing)."""
    return endpoints_of_the_module


def seven_endpoints():
    training_class = completed_class(trainees=2)
    township = training_class.enrolments.first().trainee.township
    official = factories.township_user(township, username="official")
    hr = training_class.officer
    return {
        "学员登记(乡镇)": (signed_in(official), reverse("trainees:import-trainees")),
        "学员登记(县人社局)": (signed_in(hr), reverse("admin:trainees_trainee_import")),
        "学员名册": (signed_in(training_class.clerk), reverse("courses:import-roster", args=[training_class.pk])),
        "考勤表": (signed_in(training_class.clerk), reverse("courses:import-attendance", args=[training_class.pk])),
        "考核结果": (signed_in(training_class.clerk), reverse("certification:import-results", args=[training_class.pk])),
        "就业跟踪(机构)": (signed_in(training_class.clerk), reverse("certification:import-employment")),
        "就业跟踪(乡镇)": (signed_in(official), reverse("trainees:import-employment")),
    }


def stored_files(settings):
    root = Path(settings.MEDIA_ROOT)
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


@pytest.mark.parametrize("case", sorted(corpus.CRAFTED))
def test_every_endpoint_refuses_the_crafted_file(case, endpoints, settings):
    content = crafted(case)
    files_before = stored_files(settings)
    for endpoint, (client, url) in endpoints.items():
        tracemalloc.start()
        response = client.post(url, {"file": SimpleUploadedFile("表格.xlsx", content)})
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        assert response.status_code == 400, (endpoint, case, response.status_code)
        refusal = response.context["refusal"]
        assert any("\u4e00" <= ch <= "\u9fff" for ch in refusal) and refusal in response.content.decode()
        # Refused before any parser spent memory on it (speed is bench_import's to measure).
        assert peak < 100 * 1024 * 1024, (endpoint, case, peak)
    assert ImportBatch.objects.count() == 0 and stored_files(settings) == files_before


def test_the_refusals_name_the_cause(endpoints):
    client, url = endpoints["学员登记(乡镇)"]
    for case, expected in [("far_cell_XFD2000", "第XFD列"), ("too_many_rows", "最多10000行"),
                           ("bad_reference_A0", "「A0」无效"), ("utf16_billion_laughs", "编码"),
                           ("forged_sizes_larger", "损坏")]:
        response = client.post(url, {"file": SimpleUploadedFile("表格.xlsx", crafted(case))})
        assert expected in response.context["refusal"], case


def test_a_roster_longer_than_the_class_is_refused_before_any_enrolment(endpoints):
    """R1: a roster of more rows than the class has seats is refused at once (each row would run
    through the enrolment service twice)."""
    client, url = endpoints["学员名册"]
    rows = [("姓名", "身份证号", "培训券号")] + [(f"学员{i}", "", "") for i in range(60)]
    response = client.post(url, {"file": SimpleUploadedFile("名册.xlsx", corpus.valid_xlsx(rows))})
    assert response.status_code == 400
    assert "计划人数" in response.context["refusal"] and "《实施方案》三(五)" in response.context["refusal"]


CHILD = textwrap.dedent("""
    import resource, sys
    import django
    django.setup()
    from django.core.exceptions import ValidationError
    from django.core.files.uploadedfile import SimpleUploadedFile
    from common.uploads import guard_xlsx, read_rows
    from tests.imports import corpus
    cases = sys.argv[1:]
    files = {case: corpus.CRAFTED[case][0]() for case in cases}
    # The address space may grow by 100 MiB from here: a reader that builds the sheet's range fails.
    used = int(open("/proc/self/statm").read().split()[0]) * resource.getpagesize()
    resource.setrlimit(resource.RLIMIT_AS, (used + 100 * 1024 * 1024, resource.RLIM_INFINITY))
    for case in cases:
        try:
            read_rows(guard_xlsx(SimpleUploadedFile("a.xlsx", files[case])))
        except ValidationError as error:
            print(case, error.code)
        else:
            print(case, "accepted")
""")


def test_far_cells_never_reach_the_reader_in_a_capped_process():
    """With the address space capped at 100 MiB above start-up, the files that ask a reader for
    gigabytes are refused: before, the process aborted (memory allocation failed)."""
    cases = ["far_cell_XFD2000", "far_cell_XFD1048576", "last_row_A1048576", "far_dimension",
             "wide_row_without_references", "sheet_under_another_name", "duplicate_sheet",
             "part_name_in_other_case", "relationship_to_a_dat_part", "shared_strings_count"]
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "skills_program.settings"}
    result = subprocess.run([sys.executable, "-c", CHILD, *cases], capture_output=True, text=True, timeout=120,
                            cwd=Path(__file__).resolve().parents[2], env=env)
    assert result.returncode == 0, result.stderr[-2000:]
    answers = dict(line.split() for line in result.stdout.splitlines() if line.split()[0] in cases)
    assert answers == {case: corpus.CRAFTED[case][1] for case in cases}
