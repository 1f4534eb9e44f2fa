"""Running the background jobs a test queued, with the real database backend and the worker's
own runner (django_tasks_db's Worker.run_task), in the test's process and transaction."""

from django.db import transaction
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult


def worker(worker_id="tests"):
    return Worker(queue_names=["default"], interval=0, batch=True, backend_name="default", startup_delay=False,
                  max_tasks=None, worker_id=worker_id, excluded_queue_names=[])


def run_queued_jobs() -> int:
    """What `manage.py db_worker --batch` does, task by task: take the next ready task under a row
    lock, claim it, run it. Its polling loop is left out: it closes "old" connections between
    tasks, which would end the test's transaction. Returns how many tasks ran."""
    runner = worker()
    ran = 0
    while True:
        with transaction.atomic():
            result = DBTaskResult.objects.ready().get_locked()
            if result is None:
                return ran
            result.claim(runner.worker_id)
        runner.run_task(result)
        ran += 1
