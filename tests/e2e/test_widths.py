"""Every portal page fits a 360-pixel phone and a 1366-pixel office screen: the page itself never
scrolls sideways (a table wider than the screen scrolls inside its own box), it shows no English
word, and its charts are readable (text at least 11 pixels, nothing cut off). Each page kind is
photographed at both widths into e2e-screenshots/widths/ (a CI artefact)."""

import re
import shutil
from io import BytesIO
from urllib.parse import urljoin, urlsplit

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import Resolver404, resolve
from openpyxl import Workbook, load_workbook

from accounts.models import UserProfile
from courses.models import ClassStatus, Session, TrainingClass
from reporting.dashboard import MIN_READABLE_PX
from tests.e2e.conftest import SHOTS
from tests.ids import make_id_number
from tools.demo_data import PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)

PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1366, "height": 768}
WIDTHS = (PHONE, DESKTOP)
PER_KIND = 2  # addresses visited per page kind (view and query keys) and login
ROLES = {"institution": "inst_clerk", "evaluator": "eval_body", "township": "town_official"}
SKIP = ("/accounts/logout/", "/static/", "/documents/", "/admin/", "/favicon.ico")
FILE_QUERIES = ("export", "template")

# ASCII words a user may see: file formats and names every clerk knows, printed as they are.
ALLOWED_WORDS = {"Excel", "xlsx", "xls", "PDF", "pdf", "JPG", "jpg", "jpeg", "PNG", "png", "Word", "doc", "docx",
                 "WPS", "ISBN"}
WORD = re.compile(r"(?<![A-Za-z0-9])[A-Za-z]{3,}(?![A-Za-z0-9])")
ADDRESS = re.compile(r"https?://\S+")

VISIBLE_TEXT = """() => [document.title, document.body.innerText,
  ...[...document.querySelectorAll('input[placeholder], textarea[placeholder]')].map(e => e.placeholder),
  ...[...document.querySelectorAll('input[type=submit], input[type=button]')].map(e => e.value),
  ...[...document.querySelectorAll('[title], [aria-label]')].map(e => (e.title || '') + ' ' + (e.getAttribute('aria-label') || '')),
].join('\\n')"""

# Every text of every chart: its size on the screen and whether it lies inside the drawing.
CHART_TEXTS = """() => [...document.querySelectorAll('svg.chart')].flatMap(svg => {
  const box = svg.viewBox.baseVal, scale = svg.getBoundingClientRect().width / box.width;
  return [...svg.querySelectorAll('text')].map(t => {
    const b = t.getBBox();
    return {text: t.textContent, px: parseFloat(t.getAttribute('font-size')) * scale,
            inside: b.x >= 0 && b.y >= 0 && b.x + b.width <= box.width + 0.5 && b.y + b.height <= box.height + 0.5};
  });
})"""


@pytest.fixture
def demo(settings):
    """The demo county, whatever years seed_demo builds."""
    settings.DEBUG = True
    call_command("seed_demo", verbosity=0)
    settings.DEBUG = False


@pytest.fixture
def width_shots():
    folder = SHOTS / "widths"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    return folder


class Checker:
    """Looks at one page at both widths: records overflow, English words and unreadable chart
    text, and photographs the first page of each kind."""

    def __init__(self, folder):
        self.folder, self.taken = folder, set()
        self.overflow, self.english, self.charts, self.chart_texts = {}, {}, {}, 0

    def check(self, page, role, name, address):
        for viewport in WIDTHS:
            page.set_viewport_size(viewport)
            width = page.evaluate("document.documentElement.scrollWidth")
            if width > page.evaluate("window.innerWidth"):
                self.overflow[(role, address, viewport["width"])] = width
            texts = page.evaluate(CHART_TEXTS)
            self.chart_texts += len(texts)
            unreadable = [t for t in texts if t["px"] < MIN_READABLE_PX or not t["inside"]]
            if unreadable:
                self.charts[(role, address, viewport["width"])] = unreadable[:5]
            shot = self.folder / f"{role}-{name}-{viewport['width']}.png"
            if shot.name not in self.taken:
                self.taken.add(shot.name)
                page.screenshot(path=str(shot), full_page=True)
        text = page.evaluate(VISIBLE_TEXT)
        # What a trainee types into a phone is printed as it is: the check-in address and the
        # session's current code (on an attendance page while the session is open).
        for code in page.evaluate("() => [...document.querySelectorAll('.checkin-code')].map(e => e.innerText)"):
            text = text.replace(code, "")
        text = ADDRESS.sub("", text)
        words = {w for w in WORD.findall(text) if w not in ALLOWED_WORDS}
        if words:
            self.english[(role, address)] = sorted(words)
        page.set_viewport_size(PHONE)


def kind_of(address):
    """The page kind of an address (its view and which query keys it has), or None when it is
    not a portal page: a download, a file, another site, the admin."""
    parts = urlsplit(address)
    if not address.startswith("/") or address.startswith(SKIP) or parts.path.endswith(".xlsx"):
        return None
    keys = sorted(key.split("=")[0] for key in parts.query.split("&") if key)
    if any(key in FILE_QUERIES for key in keys):
        return None
    try:
        return resolve(parts.path).view_name + "".join(f"?{key}" for key in keys if key != "year")
    except Resolver404:
        return None


def crawl(page, base, role, starts, checker):
    """Visit every portal page reachable by links from `starts`, PER_KIND of each kind."""
    queue, seen, visits = list(starts), set(), {}
    while queue:
        address = queue.pop(0)
        kind = kind_of(address)
        if kind is None or address in seen or visits.get(kind, 0) >= PER_KIND:
            continue
        seen.add(address)
        response = page.goto(base + address)
        if response is None or response.status != 200 or not page.url.startswith(base):
            continue
        here = page.url[len(base):]
        kind = kind_of(here) or kind
        if visits.get(kind, 0) >= PER_KIND:
            continue
        visits[kind] = visits.get(kind, 0) + 1
        checker.check(page, role, kind.replace(":", "-").replace("?", "-"), here)
        for href in page.eval_on_selector_all("a[href]", "links => links.map(a => a.getAttribute('href'))"):
            target = urljoin(here, href).split("#")[0]
            if target.startswith("/") and target not in seen:
                queue.append(target)
    return visits


def sign_in(browser, base, username):
    context = browser.new_context(viewport=PHONE, locale="zh-CN")
    page = context.new_page()
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    return page


def sheet_with_errors(tmp_path, username, address):
    """The import's own template filled with rows it must refuse: a mistyped ID number, one a
    spreadsheet turned into a number, a row without a name."""
    client = Client()
    client.force_login(UserProfile.objects.get(user__username=username).user)
    headers = [cell.value for cell in load_workbook(BytesIO(client.get(address + "?template=1").content)).worksheets[0][1]]
    good = make_id_number(birth="19850704", sequence=7)
    rows = [{"身份证号": good[:-1] + ("0" if good[-1] != "0" else "1"), "姓名": "错号码"},
            {"身份证号": float(good[:17]) * 10, "姓名": "数字格式"},
            {"身份证号": make_id_number(birth="19920211", sequence=9), "姓名": ""}]
    workbook = Workbook()
    workbook.active.append(headers)
    for row in rows:
        workbook.active.append([row.get(h, "") for h in headers])
    path = tmp_path / f"{username}-有错误的表格.xlsx"
    workbook.save(path)
    return path


def test_every_portal_page_fits_a_phone_and_a_desktop_in_chinese(browser, live_server, demo, width_shots, tmp_path):
    base = live_server.url
    checker = Checker(width_shots)
    visited = {}

    anonymous = browser.new_context(viewport=PHONE, locale="zh-CN").new_page()
    visited["public"] = crawl(anonymous, base, "public", ["/accounts/login/", "/public/"], checker)

    for role, username in ROLES.items():
        page = sign_in(browser, base, username)
        starts, upload = ["/"], {"township": "/township/import/trainees/"}.get(role)
        if role == "institution":
            # The class sheets' import pages and the attendance screens are linked only while a
            # class enrols or runs: those of the institution's classes are visited directly too,
            # running ones first.
            institution = UserProfile.objects.get(user__username=username).institution
            classes = TrainingClass.objects.filter(institution=institution)
            running = classes.filter(status__in=[ClassStatus.IN_PROGRESS, ClassStatus.APPROVED])
            chosen = list((running if running.exists() else classes).order_by("pk").values_list("pk", flat=True)[:2])
            starts += [f"/institution/classes/{pk}/{sheet}/import/" for pk in chosen for sheet in ("roster", "attendance")]
            sessions = Session.objects.filter(training_class__in=chosen).order_by("-held_on")
            starts += [f"/institution/sessions/{pk}/attendance/" for pk in sessions.values_list("pk", flat=True)[:2]]
            upload = f"/institution/classes/{chosen[0]}/roster/import/"
            finished = classes.filter(status__in=[ClassStatus.COMPLETED, ClassStatus.CLOSED]).order_by("-pk")[:1]
            starts += [f"/institution/classes/{pk}/{tab}" for pk in finished.values_list("pk", flat=True)
                       for tab in ("", "results/", "employment/", "claims/")]
        visited[role] = crawl(page, base, role, starts, checker)

        if upload:  # an import's preview after a sheet with errors: the reasons are the widest text
            page.goto(base + upload)
            page.set_input_files("#file", str(sheet_with_errors(tmp_path, username, upload)))
            with page.expect_navigation():  # the preview is read only once its page has come back
                page.click("button[type=submit]:has-text('上传并检查')")
            assert page.locator("h1:has-text('检查结果')").count(), page.url
            checker.check(page, role, "import-preview", upload + "(预览)")
            visited[role]["import-preview"] = 1

    hr = sign_in(browser, base, "hr_admin")
    hr.goto(f"{base}/admin/dashboard/")
    checker.check(hr, "hr", "dashboard", "/admin/dashboard/")

    assert checker.overflow == {}, checker.overflow
    assert checker.charts == {}, checker.charts
    # The crawl reached every kind of portal page.
    reached = {kind for kinds in visited.values() for kind in kinds}
    assert {"login", "public-home", "institutions:home", "courses:class-list", "courses:class-detail",
            "courses:class-create", "courses:print-roster", "courses:print-attendance", "certification:results",
            "certification:employment", "certification:import-results", "certification:import-employment",
            "subsidies:class-claims", "subsidies:claim-detail", "subsidies:claim-print", "trainees:home",
            "trainees:trainee-list", "trainees:trainee-detail", "trainees:register", "trainees:import-trainees",
            "trainees:import-employment", "courses:attendance", "courses:import-roster", "courses:import-attendance",
            "import-preview"} <= reached, reached
    assert len(list(width_shots.glob("*-360.png"))) == len(list(width_shots.glob("*-1366.png"))) >= 25
    assert checker.chart_texts >= 100  # the public page's and the dashboard's charts were measured
    assert checker.english == {}, checker.english
