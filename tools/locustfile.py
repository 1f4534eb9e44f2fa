"""A mixed working day against a running server, for locust (README "Load: a mixed day").

Clerks take attendance, township officials look up and register trainees, county HR reviews
claims and reads the dashboard, the public reads the disclosure page: every user signs in once
(the accounts `generate_data` creates, password Bench-2018-skills or LOAD_PASSWORD) and then
works with a pause of one to three seconds between steps. Run it headless for a bounded time:

    .venv/bin/pip install -e '.[load]'
    .venv/bin/locust -f tools/locustfile.py --headless -u 50 -r 10 -t 60s --host http://127.0.0.1:8012

locust prints each step's requests per second, p50/p95 and failures. A refusal the rules give is
the server doing its work and counts as answered: 2018's sessions are long past, so a clerk's
marks are refused by R20 (400: evidence is recorded while it happens); a township registering
a number someone registered before is shown that person (200).
"""

import os
import random
import re

from locust import HttpUser, between, task

PASSWORD = os.environ.get("LOAD_PASSWORD", "Bench-2018-skills")
REGION = os.environ.get("LOAD_REGION", "140421")
WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)  # GB 11643-1999 check-digit weights


def id_number(rng: random.Random) -> str:
    """A valid resident ID number of the region: born 1970–2000, random sequence, its check digit."""
    born = f"{rng.randint(1970, 2000)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}"
    first17 = f"{REGION}{born}{rng.randint(0, 999):03d}"
    total = sum(int(digit) * weight for digit, weight in zip(first17, WEIGHTS, strict=True))
    return first17 + "10X98765432"[total % 11]


class SignedIn(HttpUser):
    abstract = True
    username = ""
    wait_time = between(1, 3)

    def on_start(self):
        self.client.get("/accounts/login/", name="登录页")
        self.post("/accounts/login/", {"username": self.username, "password": PASSWORD}, name="登录", ok=(302,))

    def post(self, path, data, *, name, ok=(200, 302)):
        token = self.client.cookies.get("csrftoken", "")
        with self.client.post(path, {**data, "csrfmiddlewaretoken": token}, headers={"Referer": self.host + path},
                              name=name, allow_redirects=False, catch_response=True) as response:
            if response.status_code in ok:
                response.success()
            else:
                response.failure(f"HTTP {response.status_code}")

    def links(self, path, pattern, *, name):
        """The ids a page links to, e.g. the classes on the class list."""
        response = self.client.get(path, name=name)
        return sorted(set(re.findall(pattern, response.text))) if response.ok else []


class Clerk(SignedIn):
    """An institution's clerk mid-class: the class list, a class, its attendance sheet, the marks."""

    weight = 4
    username = "bench_clerk"

    @task
    def take_attendance(self):
        classes = self.links("/institution/classes/", r"/institution/classes/(\d+)/\"", name="机构:培训班列表")
        if not classes:
            return
        sessions = self.links(f"/institution/classes/{random.choice(classes)}/",
                              r"/institution/sessions/(\d+)/attendance/", name="机构:培训班页面")
        if not sessions:
            return
        path = f"/institution/sessions/{random.choice(sessions)}/attendance/"
        page = self.client.get(path, name="机构:考勤页面")
        marks = {f"mark-{pk}": random.choice("到到到到缺") for pk in set(re.findall(r'name="mark-(\d+)"', page.text))}
        if marks:
            self.post(path, marks, name="机构:提交考勤", ok=(200, 302, 400))


class Township(SignedIn):
    """A township official: the home page, the trainee list, a registration."""

    weight = 2
    username = "bench_town"

    @task(3)
    def look_up(self):
        self.client.get("/township/", name="乡镇:首页")
        self.client.get("/township/trainees/", name="乡镇:学员列表")

    @task(1)
    def register(self):
        rng = random.Random()
        self.post("/township/trainees/new/", {
            "id_number": id_number(rng), "name": "压测学员", "phone": f"138{rng.randint(0, 10**8 - 1):08d}",
            "category": "rural_labour", "held_from": "2018-01-01", "education": "", "address": "",
        }, name="乡镇:登记学员")


class CountyHR(SignedIn):
    """A county HR officer clearing the claims queue and glancing at the dashboard."""

    weight = 1
    username = "bench_hr"

    @task(3)
    def review(self):
        claims = self.links("/admin/subsidies/subsidyclaim/?status__exact=submitted",
                            r"/admin/subsidies/subsidyclaim/(\d+)/change/", name="人社:待初审申领")
        if claims:
            self.client.get(f"/admin/subsidies/subsidyclaim/{random.choice(claims)}/change/", name="人社:申领详情")

    @task(1)
    def dashboard(self):
        self.client.get("/admin/dashboard/", name="人社:统计")


class Public(HttpUser):
    """Anyone reading the disclosure page."""

    weight = 3
    wait_time = between(1, 3)

    @task
    def read(self):
        self.client.get("/public/", name="公众:公开页")
