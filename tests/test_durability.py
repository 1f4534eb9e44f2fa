"""Nothing is lost: a failure in the middle of an operation keeps nothing of it, a process killed in
the middle of an import leaves no half of the sheet, the application answers again after the
database dropped its connections, and a backup taken while people work restores whole.

The fault tests run on SQLite and PostgreSQL; the process, server and backup tests need
PostgreSQL (marked `postgres`) and run the system in separate processes through
tests/durability_worker.py.
"""

import datetime
import http.client
import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from contextlib import contextmanager, suppress
from http.cookies import SimpleCookie
from pathlib import Path
from unittest import mock
from urllib.parse import quote, urlencode

import psycopg
import pytest
from django.apps import apps
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.urls import reverse
from simple_history.models import HistoricalRecords

from courses import services as courses
from courses.models import ClassStatus, ClassTransition, Enrolment, TrainingClass
from subsidies import services as subsidies
from subsidies.models import ClaimStatus, SubsidyClaim
from tests import factories
from tests.imports.corpus import sheet
from tests.scenarios import START, completed_class
from tools.management.commands.bench_import import id_numbers, registration_sheet
from trainees import imports as trainee_imports
from trainees.models import CategoryMembership, Trainee
from trainees.policy import parse_id_number

BASE_DIR = Path(__file__).resolve().parent.parent
WORKER = Path(__file__).with_name("durability_worker.py")
END = START + datetime.timedelta(days=9)
TODAY = START + datetime.timedelta(days=20)


class InjectedFault(Exception):
    """A failure in the middle of an operation: a crash, a lost connection, a bug."""


# Rows every request writes whatever happens (session expiry, login attempts): not business data.
REQUEST_BOOKKEEPING = {"sessions", "axes"}


def every_row():
    """Every row of every table of the project (history tables included), as it reads back."""
    tables = {}
    for model in apps.get_models(include_auto_created=True):
        opts = model._meta
        if opts.proxy or not opts.managed or opts.app_label in REQUEST_BOOKKEEPING:
            continue
        tables[opts.db_table] = list(model._base_manager.order_by("pk").values_list())
    return tables


def changed_tables(before):
    """Tables whose rows differ from `before`, with their row counts before and now."""
    after = every_row()
    return {table: (len(rows), len(after[table])) for table, rows in before.items() if after[table] != rows}


class Fault:
    def __init__(self):
        self.fired = 0
        self.seen = {}


@contextmanager
def history_fails(model, *, nth=1, error=None, inspect=None):
    """The change-history row of the `nth` save of a `model` object fails, after that save's own
    INSERT or UPDATE went through. `inspect()` runs just before, inside the transaction, and
    records what had been written by then."""
    real = HistoricalRecords.create_historical_record
    calls = []
    fault = Fault()

    def create_historical_record(self, instance, history_type, using=None):
        if isinstance(instance, model):
            calls.append(instance.pk)
            if len(calls) == nth:
                fault.seen = inspect() if inspect else {}
                fault.fired += 1
                raise error or InjectedFault(f"history of {model.__name__} #{instance.pk}")
        return real(self, instance, history_type, using=using)

    with mock.patch.object(HistoricalRecords, "create_historical_record", create_historical_record):
        yield fault


# 1. A fault in the middle of an operation keeps nothing of it ----------------------------------

@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("failure", ["crash", "refusal"])
def test_approving_three_claims_keeps_none_when_the_third_fails_after_its_update(client, failure):
    """The admin approves three reviewed claims at once; the third claim's row is already updated
    when its history row fails. Whether the failure is a crash or a late refusal, all three stay
    reviewed, with their amounts and history as they were; approving again then works."""
    reviewer, approver = factories.hr_user("reviewer"), factories.hr_user("approver")
    claims = []
    for trainees in (2, 3, 2):
        training_class = completed_class(trainees=trainees)
        claim, _ = subsidies.generate_claim(training_class, by=training_class.clerk, instalment="first", today=TODAY)
        subsidies.submit_claim(claim, by=training_class.clerk, today=TODAY)
        claims.append(subsidies.review_claim(claim, by=reviewer))
    pks = [claim.pk for claim in claims]
    history = {pk: SubsidyClaim.history.filter(id=pk).count() for pk in pks}
    totals = dict(SubsidyClaim.objects.values_list("pk", "total_amount"))
    client.force_login(approver)
    before = every_row()

    def approve():
        return client.post(reverse("admin:subsidies_subsidyclaim_changelist"), {
            "action": "approve_selected", ACTION_CHECKBOX_NAME: pks, "confirm": "1",
            "supervision_inspection": "", "supervision_note": "",
        }, follow=True)

    def written():
        return {"statuses": list(SubsidyClaim.objects.filter(pk__in=pks).values_list("status", flat=True)),
                "history": SubsidyClaim.history.filter(id__in=pks).count()}

    error = InjectedFault("connection lost") if failure == "crash" else ValidationError("审批中断。", code="interrupted")
    with history_fails(SubsidyClaim, nth=3, error=error, inspect=written) as fault:
        if failure == "crash":
            with pytest.raises(InjectedFault):
                approve()
        else:
            assert "均未审批通过" in approve().content.decode()
    assert fault.fired == 1
    assert fault.seen["statuses"] == [ClaimStatus.APPROVED] * 3  # every UPDATE had gone through
    assert fault.seen["history"] == sum(history.values()) + 2

    assert changed_tables(before) == {}
    for claim in SubsidyClaim.objects.filter(pk__in=pks):
        assert (claim.status, claim.approved_by_id, claim.approved_at) == (ClaimStatus.REVIEWED, None, None)
        assert claim.total_amount == totals[claim.pk]
        assert SubsidyClaim.history.filter(id=claim.pk).count() == history[claim.pk]

    approve()
    assert set(SubsidyClaim.objects.filter(pk__in=pks).values_list("status", flat=True)) == {ClaimStatus.APPROVED}


@pytest.mark.django_db(transaction=True)
def test_completing_a_class_keeps_nothing_when_the_class_history_fails():
    """结业 writes every trainee's attendance rate (with history), the transition, then the class
    row; its history row fails last. The class is still in training, no rate is recorded, no
    transition is kept; completing again then works."""
    with mock.patch("courses.services.complete_class"):  # the scenario stops just before 结业
        training_class = completed_class(trainees=3, absent_sessions={2: 6}, certified=False)
    training_class.refresh_from_db()
    assert training_class.status == ClassStatus.IN_PROGRESS
    before = every_row()

    def written():
        return {
            "status": TrainingClass.objects.get(pk=training_class.pk).status,
            "rated": Enrolment.objects.filter(training_class=training_class, attendance_rate__isnull=False).count(),
            "enrolment_history": Enrolment.history.filter(training_class_id=training_class.pk).count(),
            "transitions": ClassTransition.objects.filter(training_class=training_class,
                                                          to_status=ClassStatus.COMPLETED).count(),
        }

    enrolment_history = Enrolment.history.filter(training_class_id=training_class.pk).count()
    with history_fails(TrainingClass, inspect=written) as fault, pytest.raises(InjectedFault):
        courses.complete_class(training_class, by=training_class.clerk, today=END)
    assert fault.fired == 1
    assert fault.seen == {"status": ClassStatus.COMPLETED, "rated": 3, "enrolment_history": enrolment_history + 3,
                          "transitions": 1}

    assert changed_tables(before) == {}
    training_class.refresh_from_db()
    assert (training_class.status, training_class.completed_on, training_class.attendance_rate) == (
        ClassStatus.IN_PROGRESS, None, None)
    assert not Enrolment.objects.filter(training_class=training_class, attendance_rate__isnull=False).exists()
    assert TrainingClass.history.filter(id=training_class.pk, status=ClassStatus.COMPLETED).count() == 0

    courses.complete_class(training_class, by=training_class.clerk, today=END)
    training_class.refresh_from_db()
    assert training_class.status == ClassStatus.COMPLETED
    assert sorted(training_class.enrolments.values_list("meets_attendance", flat=True)) == [False, True, True]


@pytest.mark.django_db(transaction=True)
def test_a_trainee_sheet_failing_after_its_rows_are_written_keeps_none_of_them(client):
    """The township confirms a 40-row registration sheet; trainees, their history and their
    categories are written when the categories' history fails. None of the 40 is kept, the upload
    stays unconfirmed, and confirming it again registers all 40."""
    township = factories.TownshipFactory(name="韩店镇")
    client.force_login(factories.township_user(township))
    url = reverse("trainees:import-trainees")
    upload = SimpleUploadedFile("学员登记.xlsx", registration_sheet(40, township.name))
    response = client.post(url, {"file": upload})
    batch = response.context["batch"]
    assert response.context["plan"].is_clean and len(response.context["plan"].items) == 40
    before = every_row()
    fault = Fault()
    real_insert_history = trainee_imports.insert_history

    def insert_history(model, objects, **kwargs):
        if model is CategoryMembership:
            fault.seen = {"trainees": Trainee.objects.filter(township=township).count(),
                          "history": Trainee.history.filter(township_id=township.pk).count(),
                          "categories": CategoryMembership.objects.filter(trainee__township=township).count()}
            fault.fired += 1
            raise InjectedFault("disk full")
        return real_insert_history(model, objects, **kwargs)

    with mock.patch.object(trainee_imports, "insert_history", insert_history), pytest.raises(InjectedFault):
        client.post(url, {"batch": batch.pk})
    assert fault.fired == 1
    assert fault.seen == {"trainees": 40, "history": 40, "categories": 40}

    assert changed_tables(before) == {}
    batch.refresh_from_db()
    assert batch.imported_at is None

    assert client.post(url, {"batch": batch.pk}).status_code == 302
    assert Trainee.objects.filter(township=township).count() == 40
    assert CategoryMembership.objects.filter(trainee__township=township).count() == 40


@pytest.mark.django_db(transaction=True)
def test_a_roster_sheet_failing_on_its_third_row_enrols_nobody(client, monkeypatch):
    """The institution confirms a 4-row roster; the third enrolment is written when its history
    row fails. Nobody is enrolled; confirming again enrols all four."""
    monkeypatch.setattr("django.utils.timezone.localdate", lambda *a: datetime.date(2018, 5, 20))  # R21: before the end
    training_class = factories.class_application(capacity=10)
    clerk = factories.institution_user(training_class.institution, username="clerk")
    courses.submit_class_application(training_class, by=clerk)
    courses.approve_class(training_class, by=factories.hr_user("officer"))
    people = factories.TraineeFactory.create_batch(4)
    client.force_login(clerk)
    url = reverse("courses:import-roster", args=[training_class.pk])
    response = client.post(url, {"file": sheet(["身份证号", "培训券号", "姓名"],
                                              [(p.id_number, "", p.name) for p in people])})
    batch = response.context["batch"]
    assert response.context["plan"].is_clean
    before = every_row()

    # The confirmation plans the stored sheet again (4 enrolments, rolled back), then writes:
    # the 7th enrolment saved is the third row of the write.
    with (history_fails(Enrolment, nth=7, inspect=lambda: {"enrolled": training_class.enrolments.count()}) as fault,
          pytest.raises(InjectedFault)):
        client.post(url, {"batch": batch.pk})
    assert fault.fired == 1
    assert fault.seen == {"enrolled": 3}

    assert changed_tables(before) == {}
    assert training_class.enrolments.count() == 0

    assert client.post(url, {"batch": batch.pk}).status_code == 302
    assert training_class.enrolments.count() == 4


# Processes against the test database (PostgreSQL) -----------------------------------------

def database_url(name, application_name=None):
    s = connection.settings_dict
    auth = quote(s["USER"] or "", safe="") + (":" + quote(s["PASSWORD"], safe="") if s["PASSWORD"] else "")
    url = f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{name}"
    return url + (f"?application_name={application_name}" if application_name else "")


def worker_env(database, application_name=None, **extra):
    return {**os.environ, "DJANGO_SETTINGS_MODULE": "skills_program.settings",
            "DATABASE_URL": database_url(database, application_name), **extra}


def suite_database():
    return connection.settings_dict["NAME"]


def connect(dbname, **kwargs):
    s = connection.settings_dict
    return psycopg.connect(host=s["HOST"] or "127.0.0.1", port=s["PORT"] or 5432, user=s["USER"] or None,
                           password=s["PASSWORD"] or None, dbname=dbname, **kwargs)


def pg_tool_args():
    s = connection.settings_dict
    return ["-h", s["HOST"] or "127.0.0.1", "-p", str(s["PORT"] or 5432), "-U", s["USER"] or "postgres"]


def pg_tool_env():
    password = connection.settings_dict["PASSWORD"]
    return {**os.environ, **({"PGPASSWORD": password} if password else {})}


def one_row(sql, params=()):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()


def wait_for(check, *, timeout, what, process=None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        if process is not None and process.poll() is not None:
            pytest.fail(f"{what}: the process ended first ({process.returncode}): {process_output(process)}")
        time.sleep(0.01)
    pytest.fail(f"timed out after {timeout} s waiting for {what}")


def process_output(process):
    if process.stdout is None:
        return ""
    with suppress(Exception):
        out, err = process.communicate(timeout=5)
        return f"{(out or '')[-2000:]} {(err or '')[-2000:]}"
    return ""


def stop(process):
    if process.poll() is None:
        process.kill()
    with suppress(Exception):
        process.communicate(timeout=10)


def backend_gone(pid):
    return one_row("SELECT count(*) FROM pg_stat_activity WHERE pid = %s", [pid])[0] == 0


# 2. A process killed in the middle of a 10,000-row import -------------------------------------

ROWS = 10_000


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_sigkill_in_the_middle_of_a_10000_row_import_leaves_none_of_it_and_a_rerun_imports_all(tmp_path):
    """The township portal's import of a 10,000-row sheet runs in its own process. It is killed
    with SIGKILL once its transaction has written the 10,000 trainees and their history and is
    writing their categories: afterwards not one of the sheet's trainees exists. Run again, it
    registers all 10,000."""
    township = factories.TownshipFactory(name="韩店镇")
    official = factories.township_user(township, username="official-hd")
    sheet = tmp_path / "学员登记.xlsx"
    sheet.write_bytes(registration_sheet(ROWS, township.name))
    numbers = id_numbers(ROWS)
    application = f"durability-import-{os.getpid()}"
    command = [sys.executable, str(WORKER), "import", str(sheet), official.username]
    trainees = Trainee.objects.filter(id_number__in=numbers)
    histories = Trainee.history.filter(id_number__in=numbers)
    categories = CategoryMembership.objects.filter(trainee__township=township)
    history_table = Trainee.history.model._meta.db_table

    # A second session holds the categories table (SHARE: no writes) so that the import, once it
    # has written the trainees, waits inside its transaction until it is killed.
    holder = connect(suite_database())
    holder.execute("LOCK TABLE trainees_categorymembership IN SHARE MODE")
    worker = subprocess.Popen(command, cwd=BASE_DIR, env=worker_env(suite_database(), application),
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        pid, state, xid, wait, query, written_tables = wait_for(lambda: one_row(
            "SELECT a.pid, a.state, a.backend_xid::text, a.wait_event_type, a.query,"
            " array(SELECT c.relname::text FROM pg_locks l JOIN pg_class c ON c.oid = l.relation"
            "       WHERE l.pid = a.pid AND l.granted AND l.mode = 'RowExclusiveLock' AND c.relkind = 'r'"
            "       ORDER BY 1)"
            " FROM pg_stat_activity a WHERE a.application_name = %s AND a.backend_xid IS NOT NULL"
            " AND a.wait_event_type = 'Lock'", [application]), timeout=60, what="the import to write", process=worker)
        # Observed before the kill: an open transaction with a transaction id (it has written),
        # holding write locks on the trainees and their history, in the middle of a statement.
        assert xid and state == "active" and wait == "Lock"
        assert 'COPY "trainees_categorymembership"' in query
        assert {"trainees_trainee", history_table} <= set(written_tables)
        assert worker.poll() is None
        os.kill(worker.pid, signal.SIGKILL)
        output, _ = worker.communicate(timeout=10)
        assert worker.returncode == -signal.SIGKILL
        assert output == f"planned {ROWS}\n"  # it never reported the write as done
    finally:
        stop(worker)
        holder.rollback()  # the killed backend now reads the end of its client's stream and aborts
        holder.close()
    wait_for(lambda: backend_gone(pid), timeout=30, what="the killed import's backend to end")
    assert (trainees.count(), histories.count(), categories.count()) == (0, 0, 0)

    rerun = subprocess.run(command, cwd=BASE_DIR, env=worker_env(suite_database(), application),
                           capture_output=True, text=True, timeout=120)
    assert rerun.returncode == 0, rerun.stderr[-3000:]
    assert f"written {ROWS}" in rerun.stdout
    assert (trainees.count(), histories.count(), categories.count()) == (ROWS, ROWS, ROWS)


# 3. The application answers again after PostgreSQL drops its connections -----------------------

PASSWORD = "Test-password-2018"


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Browser:
    """Plain HTTP with a cookie jar (the cookies are Secure, as in production, so a standard jar
    would not send them over http)."""

    def __init__(self, port):
        self.port, self.cookies = port, {}

    def request(self, method, path, form=None):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        headers = {"Connection": "close"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            content = response.read().decode()
        finally:
            conn.close()
        for header in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                self.cookies[name] = morsel.value
        return response.status, response, content

    def get(self, path):
        return self.request("GET", path)


@contextmanager
def server(application, **extra_env):
    """The application in its own process, on the test database, with persistent connections."""
    port = free_port()
    env = {"CONN_MAX_AGE": "60", "ALLOWED_HOSTS": "127.0.0.1", "DEBUG": "false", "SECURE_SSL_REDIRECT": "false",
           "DURABILITY_WITHOUT_HEALTH_CHECKS": "0", **extra_env}
    process = subprocess.Popen([sys.executable, str(WORKER), "serve", str(port)], cwd=BASE_DIR, text=True,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               env=worker_env(suite_database(), application, **env))

    def listening():
        with socket.socket() as sock:
            return sock.connect_ex(("127.0.0.1", port)) == 0

    try:
        wait_for(listening, timeout=60, what="the server to listen", process=process)
        yield Browser(port)
    finally:
        process.terminate()
        try:
            process.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            stop(process)


def server_backends(application):
    with connection.cursor() as cursor:
        cursor.execute("SELECT pid FROM pg_stat_activity WHERE application_name = %s ORDER BY pid", [application])
        return [row[0] for row in cursor.fetchall()]


def drop_connections(application):
    """What a PostgreSQL restart does to every open connection of the application."""
    with connection.cursor() as cursor:
        # In the select list, so only the filtered rows' backends are terminated.
        cursor.execute("SELECT pid, pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = %s"
                       " ORDER BY pid", [application])
        pids = [pid for pid, terminated in cursor.fetchall() if terminated]
    for pid in pids:
        wait_for(lambda pid=pid: backend_gone(pid), timeout=10, what=f"backend {pid} to end")
    return pids


def township_official():
    township = factories.TownshipFactory(name="苏店镇")
    official = factories.township_user(township, username="official-sd")
    # The server runs the production password hashers (the test process uses a fast one).
    hasher = PBKDF2PasswordHasher()
    official.password = hasher.encode(PASSWORD, hasher.salt())
    official.save(update_fields=["password"])
    return official


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_first_request_after_postgresql_drops_the_connections_succeeds():
    """One server process keeps one database connection between requests (CONN_MAX_AGE). After
    PostgreSQL terminates it, the very next /healthz answers 200 with the database ok, and a
    login and a signed-in page work, the page again as the first request after another drop."""
    official = township_official()
    application = f"durability-server-{os.getpid()}"
    with server(application) as browser:
        status, _, content = browser.get("/healthz")
        assert (status, json.loads(content)["database"]) == (200, "ok")
        status, _, _ = browser.get("/healthz")
        kept = server_backends(application)
        assert len(kept) == 1  # one persistent connection served both requests

        assert drop_connections(application) == kept
        status, _, content = browser.get("/healthz")
        assert status == 200 and json.loads(content) == {"status": "ok", "database": "ok"}
        assert server_backends(application) not in ([], kept)  # a new connection

        status, _, page = browser.get("/accounts/login/")
        assert status == 200
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        status, response, _ = browser.request("POST", "/accounts/login/", {
            "csrfmiddlewaretoken": token, "username": official.username, "password": PASSWORD})
        assert status == 302 and "sessionid" in browser.cookies, response.headers

        drop_connections(application)
        status, _, page = browser.get(reverse("trainees:home"))
        assert status == 200 and "苏店镇" in page


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_without_health_checks_the_first_request_after_the_drop_fails():
    """Why CONN_HEALTH_CHECKS is on: without it the first request after the drop runs on the dead
    connection and fails (503 from /healthz); only the one after it works."""
    application = f"durability-nocheck-{os.getpid()}"
    with server(application, DURABILITY_WITHOUT_HEALTH_CHECKS="1") as browser:
        assert browser.get("/healthz")[0] == 200
        assert len(drop_connections(application)) == 1
        status, _, content = browser.get("/healthz")
        assert (status, json.loads(content)["database"]) == (503, "unreachable")
        assert browser.get("/healthz")[0] == 200


# 4. Backup while people work, restore, reconcile -----------------------------------------------

BATCH = 25


class Writer(threading.Thread):
    """Registers trainees in transactions of BATCH rows each, until told to stop."""

    def __init__(self, township):
        super().__init__(daemon=True)
        self.township, self.stopping, self.committed, self.error = township, threading.Event(), 0, None

    def run(self):
        today = datetime.date(2018, 5, 14)
        numbers = iter(id_numbers(40_000, region="140423"))
        try:
            while not self.stopping.is_set():
                people = []
                for _ in range(BATCH):
                    info = parse_id_number(next(numbers), today=today)
                    people.append(Trainee(id_number=info.number, name="在线登记", township=self.township,
                                          birth_on=info.birth_on, sex=info.sex))
                with transaction.atomic():
                    Trainee.objects.bulk_create(people)
                self.committed += 1
                time.sleep(0.002)
        except Exception as error:  # reported by the test
            self.error = error
        finally:
            connection.close()


def table_counts(cursor, tables):
    counts = {}
    for table in tables:
        cursor.execute(f'SELECT count(*) FROM "{table}"')
        counts[table] = cursor.fetchone()[0]
    return counts


CLAIM_TOTALS = """
    SELECT c.id, c.status, c.total_amount, count(l.id),
           coalesce(sum(l.amount) FILTER (WHERE NOT l.is_void), 0),
           coalesce(sum(l.placement_reward_amount) FILTER (WHERE NOT l.is_void), 0),
           coalesce(sum(l.amount), 0)
    FROM subsidies_subsidyclaim c LEFT JOIN subsidies_claimline l ON l.claim_id = c.id
    GROUP BY c.id ORDER BY c.id"""
CLAIM_LINES = """
    SELECT claim_id, id, enrolment_id, training_days, total_subsidy_amount, first_amount, second_amount,
           amount, placement_reward_amount, is_void
    FROM subsidies_claimline ORDER BY id"""


def manage(*args, database):
    return subprocess.run([sys.executable, "manage.py", *args], cwd=BASE_DIR, env=worker_env(database),
                          capture_output=True, text=True, timeout=120)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_backup_taken_while_trainees_are_registered_restores_whole(tmp_path):
    """pg_dump -Fc runs while trainees are being registered 25 at a time; restored into a fresh
    database, every other table has the source's rows, the trainees are whole transactions taken
    between the start and the end of the dump, every claim's total and lines are the source's,
    and reconcile_claims finds the money consistent."""
    reviewer, approver = factories.hr_user("reviewer"), factories.hr_user("approver")
    for trainees in (3, 2):
        training_class = completed_class(trainees=trainees)
        claim, _ = subsidies.generate_claim(training_class, by=training_class.clerk, instalment="first", today=TODAY)
        subsidies.submit_claim(claim, by=training_class.clerk, today=TODAY)
        subsidies.review_claim(claim, by=reviewer)
        subsidies.approve_claim(claim, by=approver)
    draft_class = completed_class(trainees=3)
    draft, _ = subsidies.generate_claim(draft_class, by=draft_class.clerk, instalment="first", today=TODAY)
    subsidies.remove_line(draft.lines.first(), by=draft_class.clerk, reason="证书编号录错")

    source_tables = sorted(connection.introspection.table_names())
    base = Trainee.objects.count()
    dump = tmp_path / "skills.dump"
    restored = f"skills_restore_{os.getpid()}"
    writer = Writer(factories.TownshipFactory(name="西火镇"))
    writer.start()
    try:
        wait_for(lambda: writer.committed >= 3 or writer.error, timeout=30, what="the writer to start")
        before = Trainee.objects.count()
        backup = subprocess.run(["pg_dump", "-Fc", *pg_tool_args(), "-d", suite_database(), "-f", str(dump)],
                                env=pg_tool_env(), capture_output=True, text=True, timeout=120)
        after = Trainee.objects.count()
    finally:
        writer.stopping.set()
        writer.join(timeout=30)
    assert writer.error is None, writer.error
    assert backup.returncode == 0, backup.stderr
    assert after > before  # trainees were being registered while the dump ran

    try:
        subprocess.run(["createdb", *pg_tool_args(), "-T", "template0", restored], env=pg_tool_env(), check=True,
                       capture_output=True, timeout=60)
        restore = subprocess.run(["pg_restore", "--no-owner", "--exit-on-error", *pg_tool_args(), "-d", restored,
                                  str(dump)], env=pg_tool_env(), capture_output=True, text=True, timeout=120)
        assert restore.returncode == 0, restore.stderr

        with connection.cursor() as cursor:
            source = table_counts(cursor, source_tables)
            cursor.execute(CLAIM_TOTALS)
            source_claims = cursor.fetchall()
            cursor.execute(CLAIM_LINES)
            source_lines = cursor.fetchall()
        with connect(restored) as copy, copy.cursor() as cursor:
            cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1")
            assert [row[0] for row in cursor.fetchall()] == source_tables
            copied = table_counts(cursor, source_tables)
            copied_claims = cursor.execute(CLAIM_TOTALS).fetchall()
            copied_lines = cursor.execute(CLAIM_LINES).fetchall()

        untouched = [t for t in source_tables if t != Trainee._meta.db_table]
        assert {t: copied[t] for t in untouched} == {t: source[t] for t in untouched}
        trainees = copied[Trainee._meta.db_table]
        assert before <= trainees <= after and (trainees - base) % BATCH == 0, (base, before, trainees, after)

        assert copied_claims == source_claims and len(copied_claims) == 3
        assert copied_lines == source_lines and len(copied_lines) == 8
        for _, _, total, _, amount, reward, _ in copied_claims:
            assert total == amount + reward

        check = manage("migrate", "--check", database=restored)
        assert check.returncode == 0, check.stdout + check.stderr
        reconcile = manage("reconcile_claims", database=restored)
        assert reconcile.returncode == 0, reconcile.stderr
        assert "核对完成:2 笔申领金额与明细一致" in reconcile.stdout
    finally:
        with connect("postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{restored}" WITH (FORCE)')
