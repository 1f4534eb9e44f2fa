"""Long work in the background: anything that takes more than about two seconds at province scale
(a large import's confirmation, the figures' refresh, the annual review, a large export).

A page starts a job with `start_job`: the BackgroundJob row and its queued task (django-tasks,
database backend: the queue is a table of this database, no other server) commit together, and
the page sends the user to the job's page (portals/jobs.py), which shows a progress bar until the
job ends, then its outcome and the result file to download.

The worker (`manage.py db_worker`) runs the task, whose body is `run_job(job_id, work)`:
- the job is claimed once: queued → running in one conditional UPDATE, so a task that is
  delivered twice, or run by two workers, does the work once;
- `work(job, progress)` does the work and returns an `Outcome` (a Chinese message, optionally a
  file kept for download, optionally failed: nothing was written);
- a refusal (ValidationError) ends the job failed with its Chinese message; anything unexpected
  ends it failed with a message that says what to do, and is raised again so the worker's own
  record keeps the traceback.

Progress while the work runs does not go through the database: the work usually holds one
transaction for all its writes (an import is all or nothing), no other connection could read a
count written inside it, and on SQLite none could even write one. It goes to a small file under
MEDIA_ROOT/jobs/progress/ (MEDIA_ROOT is shared by every application process already, README
"Growing past one machine"); the row gets the final counts when the job ends.
"""

from __future__ import annotations

import base64
import contextlib
import json
import logging
import os
import pickle
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Model, Q, QuerySet
from django.dispatch import Signal
from django.utils import timezone

from common.models import BackgroundJob, JobStatus

if TYPE_CHECKING:
    from django.contrib.auth.models import User
    from django_tasks import Task

logger = logging.getLogger(__name__)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# Sent after each progress write (job_id, done, total, stage): what the job's page reads next.
job_progressed = Signal()

# A progress file is written at most this often (and always at a stage's change and at its end).
PROGRESS_EVERY_SECONDS = 0.25

UNEXPECTED = ("后台任务意外中断,没有完成,也没有写入任何数据:请回到发起页面重新提交;"
              "如再次出现,请把任务编号{pk}告知县人社局信息管理员。")


@dataclass(frozen=True)
class Outcome:
    """How a job ended: the message its page shows, and a file kept for download (xlsx bytes and
    the name it downloads as). `failed` ends the job as not done (e.g. a sheet that no longer
    passes its checks: nothing was written, the file lists why)."""

    message: str
    content: bytes | None = None
    filename: str = ""
    failed: bool = False


def signed_query(queryset: QuerySet) -> str:
    """A queryset's query, for a job to run it again in the worker (Django: "pickle the query
    attribute" to recreate a QuerySet later). Signed with SECRET_KEY: the worker unpickles only
    what this project wrote, never a value someone put in the database."""
    return signing.Signer(salt=_QUERY_SALT).sign(base64.b64encode(pickle.dumps(queryset.query)).decode())


def queryset_from(model: type[Model], signed: str) -> QuerySet:
    """The queryset `signed_query` recorded (BadSignature if it was not this project's)."""
    queryset = model._default_manager.all()
    queryset.query = pickle.loads(base64.b64decode(signing.Signer(salt=_QUERY_SALT).unsign(signed)))
    return queryset


_QUERY_SALT = "common.jobs.query"


class Progress:
    """What the work reports as it goes: `update(done, total, stage=...)`. Writes are throttled;
    the job's page reads the latest through `read_progress`."""

    def __init__(self, job: BackgroundJob):
        self.job = job
        self.done, self.total, self.stage = 0, 0, ""
        self._written_at = 0.0

    def update(self, done: int, total: int | None = None, *, stage: str | None = None) -> None:
        if total is not None:
            self.total = max(total, 0)
        self.done = max(0, min(done, self.total)) if self.total else 0
        changed = stage is not None and stage != self.stage
        if stage is not None:
            self.stage = stage
        now = time.monotonic()
        if changed or self.done == self.total or now - self._written_at >= PROGRESS_EVERY_SECONDS:
            self._written_at = now
            _write_progress(self.job.pk, {"done": self.done, "total": self.total, "stage": self.stage})
            job_progressed.send(sender=BackgroundJob, job_id=self.job.pk, done=self.done, total=self.total,
                                stage=self.stage)

    def over(self, rows: Iterable[Any], total: int, stage: str) -> Iterator[Any]:
        """`rows`, counted as they are taken (an export's rows as the workbook is written)."""
        for number, row in enumerate(rows):
            self.update(number, total, stage=stage)
            yield row
        self.update(total, total, stage=stage)

    def step(self, stage: str, index: int, steps: int) -> None:
        """Stage `index` of `steps` (0-based) begins: for work measured in steps, not rows."""
        self.update(index, steps, stage=stage)


def _progress_path(job_id: int) -> Path:
    return Path(settings.MEDIA_ROOT) / "jobs" / "progress" / f"{job_id}.json"


def _write_progress(job_id: int, data: dict[str, Any]) -> None:
    """Written to a temporary file, then renamed over the old one: a reader sees one whole
    version or the other, never half a file."""
    path = _progress_path(job_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{job_id}-")
    with os.fdopen(handle, "w") as out:
        json.dump(data, out)
    os.replace(temporary, path)


def read_progress(job: BackgroundJob) -> dict[str, Any]:
    """The job's progress as its page shows it: done, total, the stage's words and the share
    done (0-100, None while the total is unknown)."""
    data: dict[str, Any] = {"done": job.done, "total": job.total, "stage": ""}
    if job.status == JobStatus.RUNNING:
        with contextlib.suppress(OSError, ValueError):  # nothing reported yet
            data.update(json.loads(_progress_path(job.pk).read_text()))
    total = data["total"]
    data["percent"] = 100 if job.status == JobStatus.SUCCEEDED else (
        min(100, data["done"] * 100 // total) if total else None)
    return data


def start_job(task: Task, *, user: User, kind: str, title: str, back_url: str = "", is_hr_job: bool = False,
              params: dict[str, Any] | None = None) -> BackgroundJob:
    """Record the job and queue `task(job_id)` in one transaction: the worker cannot pick the task
    up before the row exists, and a failure leaves neither."""
    with transaction.atomic():
        job = BackgroundJob.objects.create(kind=kind, title=title[:200], started_by=user, is_hr_job=is_hr_job,
                                           back_url=back_url[:300], params=params or {})
        task.enqueue(job.pk)
    return job


def waiting_job(kind: str, **params: Any) -> BackgroundJob | None:
    """A job of `kind` with these `params` still queued or running: a second click on the same
    button finds it instead of queueing the same work again."""
    return BackgroundJob.objects.filter(kind=kind, status__in=[JobStatus.QUEUED, JobStatus.RUNNING],
                                        **{f"params__{key}": value for key, value in params.items()}).first()


def run_job(job_id: int, work: Callable[[BackgroundJob, Progress], Outcome]) -> str:
    """The body of every job's task (runs in the worker). Returns the job's final status."""
    claimed = BackgroundJob.objects.filter(pk=job_id, status=JobStatus.QUEUED).update(
        status=JobStatus.RUNNING, started_at=timezone.now())
    if not claimed:  # run already, or by another worker at this moment
        logger.warning("后台任务 %s 已由其他进程处理,本次跳过。", job_id)
        return "skipped"
    job = BackgroundJob.objects.select_related("started_by").get(pk=job_id)
    progress = Progress(job)
    try:
        outcome = work(job, progress)
    except ValidationError as error:
        outcome = Outcome(message=";".join(error.messages), failed=True)
    except Exception:
        _finish(job, progress, Outcome(message=UNEXPECTED.format(pk=job.pk), failed=True))
        raise
    _finish(job, progress, outcome)
    return job.status


def _finish(job: BackgroundJob, progress: Progress, outcome: Outcome) -> None:
    job.status = JobStatus.FAILED if outcome.failed else JobStatus.SUCCEEDED
    job.finished_at = timezone.now()
    job.message = outcome.message
    job.total = progress.total
    job.done = progress.total if job.status == JobStatus.SUCCEEDED else progress.done
    if outcome.content is not None:
        job.result_name = outcome.filename[:200]
        job.result_file.save(f"{job.kind}-{job.pk}{Path(outcome.filename).suffix}", ContentFile(outcome.content),
                             save=False)
    job.full_clean()
    job.save()
    _progress_path(job.pk).unlink(missing_ok=True)


def jobs_visible_to(user: User, *, shared: Q | None) -> QuerySet[BackgroundJob]:
    """The jobs a user may follow and whose results they may download: those they started, and
    the back office's jobs that `shared` selects (county HR: those started by their county's HR)."""
    mine = Q(started_by=user)
    return BackgroundJob.objects.filter(mine | (Q(is_hr_job=True) & shared) if shared is not None else mine)
