"""Nothing that leaves the system carries a full ID number or phone (SPEC.md §2): every export,
import template, print page and import preview, downloaded by every demo login from the links
its pages offer, is searched for every stored trainee's ID number and phone, as the log-leak test
does for logs. Portal pages are searched too (the full ID is shown only on the trainee's page,
after a recorded request)."""

import re
import zipfile
from collections import Counter
from html import unescape
from io import BytesIO
from urllib.parse import urljoin, urlsplit

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, RequestFactory
from django.urls import Resolver404, resolve
from openpyxl import Workbook, load_workbook

from courses.models import TrainingClass
from tests.jobs import run_queued_jobs
from trainees.models import Trainee

pytestmark = pytest.mark.django_db

PAGES_PER_ROUTE = 15  # distinct addresses visited per page kind and user
FILES_PER_ROUTE = 3  # and per kind of download (route and export or template)
PORTAL_USERS = ["inst_clerk", "inst_clerk2", "eval_body", "town_official", "town_official2"]
HREF = re.compile(r'href="([^"#]+)"')
SKIP = ("/accounts/logout/", "/static/", "/documents/", "/admin/")


@pytest.fixture
def demo(demo_county):
    people = list(Trainee.objects.values_list("id_number", "phone"))
    return {"ids": {i for i, _ in people}, "phones": {re.sub(r"\D", "", p) for _, p in people if p}}


def text_of(response) -> str:
    """What a reader of the response sees: an .xlsx's parts, or the page."""
    body = response.content if not response.streaming else b"".join(response.streaming_content)
    if body.startswith(b"PK\x03\x04"):
        with zipfile.ZipFile(BytesIO(body)) as archive:
            return "\n".join(archive.read(name).decode("utf-8", "replace") for name in archive.namelist())
    return unescape(body.decode("utf-8", "replace"))


def leaks(text, demo):
    ids = {n for n in re.findall(r"\d{17}[\dXx]", text) if n.upper() in demo["ids"]}
    phones = {n for n in re.findall(r"\d{7,12}", text.replace("-", "")) if n in demo["phones"]}
    return ids | phones


def is_file(response):
    return "attachment" in response.get("Content-Disposition", "") or "/print/" in response.request["PATH_INFO"]


def crawl(client, starts, demo, downloads):
    """Follow every portal link from the `starts` (a few addresses per page kind), searching each
    answer; return the addresses that carried personal data."""
    seen, queue, found, kinds = set(), list(starts), {}, Counter()
    while queue:
        url = queue.pop(0)
        path, query = urlsplit(url).path, urlsplit(url).query
        try:
            kind = (resolve(path).view_name, "&".join(k for k in ("export", "template") if k + "=" in query))
        except Resolver404:
            continue
        limit = FILES_PER_ROUTE if kind[1] or "/print/" in path or path.endswith(".xlsx") else PAGES_PER_ROUTE
        if url in seen or kinds[kind] >= limit:
            continue
        seen.add(url)
        kinds[kind] += 1
        response = client.get(url, follow=True)
        if response.status_code != 200:
            continue
        text = text_of(response)
        if leaks(text, demo):
            found[url] = leaks(text, demo)
        if is_file(response):
            downloads[kind[0] + ("?" + kind[1] if kind[1] else "")] += 1
            continue
        for href in HREF.findall(text):
            target = urljoin(response.request["PATH_INFO"] + "?" + response.request.get("QUERY_STRING", ""), href)
            if target.startswith("/") and not target.startswith(SKIP):
                queue.append(target)
    return found


def test_no_download_or_portal_page_carries_a_full_id_or_phone(demo):
    downloads = Counter()
    found = {}
    for username in PORTAL_USERS:
        client = Client()
        user = _user(username)
        client.force_login(user)
        # The class sheets' import pages are linked only while a class enrols or runs: each
        # class of the user's institution is visited directly as well.
        classes = TrainingClass.objects.filter(institution__pk=getattr(user.profile, "institution_id", None))
        starts = ["/"] + [f"/institution/classes/{pk}/{sheet}/import/" for pk in classes.values_list("pk", flat=True)
                          for sheet in ("roster", "attendance")]
        for url, numbers in crawl(client, starts, demo, downloads).items():
            found[(username, url)] = numbers
    assert not found, found
    # The crawl reached every kind of file the portals offer.
    expected = {"courses:class-list?export", "courses:print-roster", "courses:print-roster?export",
                "courses:print-attendance", "courses:print-attendance?export", "courses:import-roster?template",
                "courses:import-attendance?template", "certification:results?export",
                "certification:employment?export", "certification:import-results?template",
                "certification:import-employment?template", "subsidies:class-claims?export",
                "subsidies:claim-print", "subsidies:claim-export", "trainees:export",
                "trainees:import-trainees?template", "trainees:import-employment?template"}
    assert expected <= set(downloads), expected - set(downloads)


def test_no_admin_export_or_template_carries_a_full_id_or_phone(demo):
    """County HR's downloads: every admin list's Excel export (all rows), the dashboard's tables,
    and the import templates the admin offers."""
    client = Client()
    client.force_login(_user("hr_admin"))
    found, exported = {}, 0
    for model, model_admin in admin.site._registry.items():
        if "export_selected_xlsx" not in dict(model_admin.get_action_choices(_request(client))):
            continue
        first = model._default_manager.order_by("pk").first()
        if first is None:
            continue
        url = f"/admin/{model._meta.app_label}/{model._meta.model_name}/"
        response = client.post(url, {"action": "export_selected_xlsx", "select_across": "1", "index": "0",
                                     "_selected_action": [first.pk]})
        if response.status_code == 302 and response.url.startswith("/jobs/"):  # a large list: a background job
            assert run_queued_jobs() == 1, url
            response = client.get(f"{response.url}download/")
        assert response.status_code == 200 and response["Content-Type"].startswith("application/vnd"), url
        exported += 1
        leaked = leaks(text_of(response), demo)
        if leaked:
            found[url] = leaked
    dashboard = client.get("/admin/dashboard/")
    files = [href for href in HREF.findall(dashboard.content.decode()) if "export=" in href]
    training_class = TrainingClass.objects.filter(status="in_progress").first()
    files += ["/admin/trainees/trainee/import/?template=1",
              f"/institution/classes/{training_class.pk}/roster/import/?template=1",
              f"/institution/classes/{training_class.pk}/attendance/import/?template=1",
              f"/institution/classes/{training_class.pk}/results/import/?template=1",
              "/institution/employment/import/?template=1"]
    for href in files:
        url = urljoin("/admin/dashboard/", unescape(href))
        response = client.get(url)
        assert response.status_code == 200, url
        if leaks(text_of(response), demo):
            found[url] = leaks(text_of(response), demo)
    assert exported >= 10 and len(files) >= 10
    assert not found, found


def _user(username):
    return get_user_model().objects.get(username=username)


def _request(client):
    request = RequestFactory().get("/admin/")
    request.user = _user("hr_admin")
    return request



def test_no_import_preview_carries_a_full_id_or_phone(demo):
    """Every import's preview, fed the full ID numbers and phones of people of the uploader's own
    and of other townships (rows skipped, refused or accepted), shows them masked."""
    people = list(Trainee.objects.order_by("?").values_list("id_number", "phone", "name")[:10])
    training_class = TrainingClass.objects.filter(institution__staff__user__username="inst_clerk").order_by("pk")
    endpoints = [("town_official", "/township/import/trainees/"), ("town_official", "/township/employment/import/"),
                 ("hr_admin", "/admin/trainees/trainee/import/"), ("inst_clerk", "/institution/employment/import/")]
    for pk in training_class.values_list("pk", flat=True)[:3]:
        endpoints += [("inst_clerk", f"/institution/classes/{pk}/{sheet}/import/")
                      for sheet in ("roster", "attendance", "results")]
    found, previews = {}, 0
    for username, url in endpoints:
        client = Client()
        client.force_login(_user(username))
        template = client.get(url + "?template=1")
        assert template.status_code == 200, url
        headers = [c.value for c in load_workbook(BytesIO(template.content)).worksheets[0][1]]
        workbook = Workbook()
        workbook.active.append(headers)
        for id_number, phone, name in people:
            workbook.active.append([{"身份证号": id_number, "联系电话": phone, "姓名": name}.get(h, "1") for h in headers])
        buffer = BytesIO()
        workbook.save(buffer)
        response = client.post(url, {"file": SimpleUploadedFile("表格.xlsx", buffer.getvalue())})
        assert "plan" in response.context, (url, response.status_code)
        previews += 1
        if leaks(text_of(response), demo):
            found[(username, url)] = leaks(text_of(response), demo)
    assert previews == len(endpoints) >= 10
    assert not found, found
