"""`manage.py bench_pages --base-url URL`: latency and query counts of every page and job that
matters, against a running server (gunicorn) on the database this command also reads.

Start the server with QUERY_COUNT_HEADER=true so each response reports its query count, on the
same DATABASE_URL (see README "Performance at scale"). Pages are fetched over real HTTP, signed in
as the generated users (`generate_data`), warm (two unmeasured requests first), N times each.
Jobs that are not pages (a 50-line claim, the province's annual performance, the 10,000-row
import) run in this process inside a transaction that is rolled back. Prints one table per role
(a county's HR officer, an institution's clerk, a township official, the public, a city's and the
province's supervisors, background work) and ends with one line of JSON:
{name: {"role", "p50_ms", "p95_ms", "queries"}}.
"""

import http.cookiejar
import json
import statistics
import time
import urllib.error
import urllib.parse
import urllib.request

from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.db.models import Count, Q
from django.test.utils import CaptureQueriesContext

from accounts.models import Role, UserProfile
from accounts.scope import scope_of
from common.uploads import guard_xlsx
from courses.models import Session, TrainingClass
from programme.models import County, Township
from programme.selectors import current_policy_year
from reporting.selectors import annual_performance
from subsidies.models import Instalment
from subsidies.services import generate_claim
from tools.management.commands.bench_import import registration_sheet
from trainees.imports import TraineeRegistration
from trainees.models import Trainee


class Rollback(Exception):
    pass


class Browser:
    """One signed-in user: cookies, the CSRF token, no redirects followed unless asked."""

    class _NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    def __init__(self, base_url):
        self.base_url = base_url.rstrip("/")
        self.cookies = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.cookies),
                                                  self._NoRedirect)

    def _cookie(self, name):
        return next((c.value for c in self.cookies if c.name == name), "")

    def request(self, path, data=None):
        body = None
        headers = {"Referer": self.base_url + "/"}
        if data is not None:
            body = urllib.parse.urlencode({**data, "csrfmiddlewaretoken": self._cookie("csrftoken")},
                                          doseq=True).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        req = urllib.request.Request(self.base_url + path, data=body, headers=headers)
        try:
            response = self.opener.open(req, timeout=120)
        except urllib.error.HTTPError as error:  # 3xx (not followed) and 4xx/5xx
            response = error
        content = response.read()
        return response.status, response.headers, content

    def login(self, username, password):
        self.request("/accounts/login/")
        status, headers, _ = self.request("/accounts/login/", {"username": username, "password": password})
        if status != 302:
            raise CommandError(f"无法以 {username} 登录({status}):请先运行 generate_data,并确认密码。")


def summary(samples_ms, queries):
    ordered = sorted(samples_ms)
    p95 = ordered[max(0, int(round(0.95 * len(ordered))) - 1)]
    return {"p50_ms": round(statistics.median(ordered), 1), "p95_ms": round(p95, 1), "queries": queries}


class Command(BaseCommand):
    help = "对运行中的服务器逐页测量响应时间(p50/p95)和查询次数,并测量申领生成、年度绩效与1万行导入。"

    def add_arguments(self, parser):
        parser.add_argument("--base-url", required=True, help="例如 http://127.0.0.1:8001")
        parser.add_argument("--requests", type=int, default=20, help="每个页面测量的请求次数(默认20)")
        parser.add_argument("--job-repeats", type=int, default=3, help="后台任务的重复次数(默认3)")
        parser.add_argument("--password", default="Bench-2018-skills")
        parser.add_argument("--only", default="", help="只测名称包含此文字的项目")

    def handle(self, *args, **options):
        self.n, self.only = options["requests"], options["only"]
        self.results = {}
        targets = self.targets()
        browsers = {}
        for username in {u for _, _, u, _, _ in self.pages(targets) if u}:
            browsers[username] = Browser(options["base_url"])
            browsers[username].login(username, options["password"])
        anonymous = Browser(options["base_url"])
        for role, name, username, path, data in self.pages(targets):
            self.page(role, name, browsers[username] if username else anonymous, path, data)
        self.jobs(targets, options["job_repeats"])
        width = max(len(name) for name in self.results)
        for role in dict.fromkeys(row["role"] for row in self.results.values()):
            self.stdout.write(f"\n{role}\n{'项目'.ljust(width)}  p50_ms  p95_ms  queries")
            for name, row in self.results.items():
                if row["role"] == role:
                    self.stdout.write(f"{name.ljust(width)}  {row['p50_ms']:>6}  {row['p95_ms']:>6}  {row['queries']!s:>7}")
        self.stdout.write(json.dumps(self.results, ensure_ascii=False))

    def targets(self):
        """Real objects to ask for, read from the database the server uses."""

        users = {u.username: u for u in get_user_model().objects.filter(
            username__in=["bench_hr", "bench_clerk", "bench_town"])}
        if len(users) < 3:
            raise CommandError("数据库中没有 bench_hr / bench_clerk / bench_town:请先运行 generate_data。")
        clerk, town = scope_of(users["bench_clerk"]), scope_of(users["bench_town"])
        supervisors = {}  # role: (username, a county of their area)
        for role, username, area in (UserProfile.objects.filter(role__in=[Role.CITY_SUPERVISOR, Role.PROVINCE_SUPERVISOR])
                                     .order_by("role", "area_code").values_list("role", "user__username", "area_code")):
            prefix = area[:4] if role == Role.CITY_SUPERVISOR else area[:2]
            supervisors.setdefault(role, (username, County.objects.filter(code__startswith=prefix).order_by("code").first()))
        ongoing = TrainingClass.objects.filter(institution_id=clerk.institution_id, status="in_progress").first() \
            or TrainingClass.objects.filter(institution_id=clerk.institution_id).order_by("-pk").first()
        session = Session.objects.filter(training_class=ongoing).order_by("held_on").first()
        trainee = Trainee.objects.filter(township_id=town.township_id).order_by("pk").first()
        county = County.objects.filter(pk=scope_of(users["bench_hr"]).county_id).first()
        return {"users": users, "class": ongoing, "session": session, "trainee": trainee,
                "township_id": town.township_id, "institution_id": clerk.institution_id,
                "supervisors": supervisors, "county": county}

    def pages(self, t):
        lists = {"trainees": "trainees/trainee", "classes": "courses/trainingclass", "enrolments": "courses/enrolment",
                 "attendance": "courses/attendancerecord", "certificates": "certification/certificate",
                 "claims": "subsidies/subsidyclaim"}
        filters = {"trainees": f"township__id__exact={t['township_id']}", "classes": "status__exact=in_progress",
                   "enrolments": f"training_class__institution__id__exact={t['institution_id']}",
                   "attendance": f"enrolment__training_class__institution__id__exact={t['institution_id']}",
                   "certificates": f"trainee__township__id__exact={t['township_id']}",
                   "claims": "status__exact=approved"}
        trainee = t["trainee"]
        surname = urllib.parse.quote(trainee.name)
        hr = "county HR (bench_hr)"
        for key, path in lists.items():
            yield hr, f"admin {key}", "bench_hr", f"/admin/{path}/", None
            yield hr, f"admin {key} filtered", "bench_hr", f"/admin/{path}/?{filters[key]}", None
            if key not in ("classes", "claims"):  # lists of people: searched by ID number (POST)
                yield hr, f"admin {key} by ID number", "bench_hr", f"/admin/{path}/", {"_id_search": trainee.id_number}
            yield hr, f"admin {key} by name", "bench_hr", f"/admin/{path}/?q={surname}", None
        yield hr, "HR dashboard", "bench_hr", "/admin/dashboard/", None
        clerk = "institution clerk (bench_clerk)"
        yield clerk, "institution home", "bench_clerk", "/institution/", None
        yield clerk, "institution class page", "bench_clerk", f"/institution/classes/{t['class'].pk}/", None
        if t["session"] is not None:
            yield clerk, "institution attendance page", "bench_clerk", \
                f"/institution/sessions/{t['session'].pk}/attendance/", None
        town = "township official (bench_town)"
        yield town, "township home", "bench_town", "/township/", None
        yield town, "township trainee list", "bench_town", "/township/trainees/", None
        yield "the public", "public page", None, "/public/", None
        if t["county"] is not None:
            yield "the public", "county public page", None, f"/public/{t['county'].code}/", None
        for role, label in ((Role.CITY_SUPERVISOR, "city supervisor"), (Role.PROVINCE_SUPERVISOR, "province supervisor")):
            if role not in t["supervisors"]:
                continue
            username, area_county = t["supervisors"][role]
            who = f"{label} ({username})"
            prefix = "city" if role == Role.CITY_SUPERVISOR else "province"
            yield who, f"{prefix} dashboard", username, "/admin/dashboard/", None
            if area_county is not None:
                yield who, f"{prefix} dashboard of a county", username, f"/admin/dashboard/?county={area_county.code}", None
            for key in ("classes", "claims", "trainees"):
                yield who, f"{prefix} admin {key}", username, f"/admin/{lists[key]}/", None
            yield who, f"{prefix} admin flags", username, "/admin/institutions/flag/", None

    def page(self, role, name, browser, path, data):
        if self.only and self.only not in name:
            return
        samples, queries = [], 0
        for i in range(self.n + 2):
            started = time.perf_counter()
            status, headers, _ = browser.request(path, data)
            if data is not None and status == 302:  # the ID search answers with the list's address
                status, headers, _ = browser.request(headers["Location"])
            elapsed = (time.perf_counter() - started) * 1000
            if status != 200:
                raise CommandError(f"{name}: {path} 返回 {status}")
            if i >= 2:
                samples.append(elapsed)
                queries = max(queries, int(headers.get("X-Query-Count", "-1")))
        self.results[name] = {"role": role, **summary(samples, queries if queries >= 0 else None)}
        self.stdout.write(f"  {name}: p95 {self.results[name]['p95_ms']} ms", ending="\n")

    def timed_job(self, name, repeats, run):
        if self.only and self.only not in name:
            return
        samples, queries = [], 0
        for _ in range(repeats):
            try:
                with transaction.atomic(), CaptureQueriesContext(connection) as captured:
                    started = time.perf_counter()
                    run()
                    samples.append((time.perf_counter() - started) * 1000)
                    queries = len(captured.captured_queries)
                    raise Rollback
            except Rollback:
                pass
        self.results[name] = {"role": "background work (this process)", **summary(samples, queries)}
        self.stdout.write(f"  {name}: p95 {self.results[name]['p95_ms']} ms")

    def jobs(self, t, repeats):
        hr = t["users"]["bench_hr"]
        year = current_policy_year()
        candidate = (TrainingClass.objects.filter(status="completed", policy_year=year)
                     .exclude(claims__instalment=Instalment.FIRST)
                     .annotate(certified=Count("enrolments", filter=Q(enrolments__certificates__isnull=False)))
                     .order_by("-certified").first())
        clerk = t["users"]["bench_clerk"]
        if candidate is not None:
            profile = UserProfile.objects.get(user=clerk)

            def claim():
                # The class's own clerk, for the length of the rolled-back transaction.
                UserProfile.objects.filter(pk=profile.pk).update(institution=candidate.institution)
                by = type(clerk).objects.select_related("profile").get(pk=clerk.pk)
                generate_claim(candidate, by=by, instalment=Instalment.FIRST, today=candidate.planned_end_on)

            self.timed_job(f"generate a claim ({candidate.certified} lines)", repeats, claim)
        self.timed_job("annual performance (all institutions)", repeats, lambda: list(annual_performance(year)))
        township = Township.objects.get(pk=t["township_id"])
        content = registration_sheet(10_000, township.name, region="659001")

        def register():
            importer = TraineeRegistration(user=hr)
            plan = importer.plan(guard_xlsx(SimpleUploadedFile("bench.xlsx", content)))
            if not plan.is_clean:
                raise CommandError(f"导入表有错误:{plan.errors[:3]}")
            importer.write(plan)

        self.timed_job("import 10,000 trainees", repeats, register)
