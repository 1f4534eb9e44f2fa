"""Everything the suite logs, kept to be searched for personal data at the end of the run.

The capture handler carries the same filters as the production console handler (settings.LOGGING),
so what it holds is what a server's log would hold. Every ID number and phone the suite stores is
noted by a signal on Trainee save.
"""

import io
import json
import logging
import os
from pathlib import Path

from django.db.models.signals import post_save

from trainees.models import Trainee

captured = io.StringIO()
id_numbers: set[str] = set()
phones: set[str] = set()
_handler = None


def note_trainee(sender, instance, **kwargs):
    if instance.id_number:
        id_numbers.add(instance.id_number)
    if instance.phone:
        phones.add(instance.phone)


def start():
    """Attach the capture handler where the production handlers are (root, and the loggers that
    do not propagate to it)."""
    global _handler


    production = next(h for h in logging.getLogger().handlers if type(h) is logging.StreamHandler)
    _handler = logging.StreamHandler(captured)
    _handler.setFormatter(logging.Formatter("%(levelname)s %(name)s %(message)s"))
    for log_filter in production.filters:
        _handler.addFilter(log_filter)
    for name in ("", "django", "django.server"):
        logging.getLogger(name).addHandler(_handler)
    post_save.connect(note_trainee, sender=Trainee, dispatch_uid="leakwatch")


def text():
    _handler.flush()
    return captured.getvalue()


def save(directory, name):
    """This process's log and numbers, for the `last` test of a later process (`make test` runs
    the suite in several processes, then that test)."""
    path = Path(directory)
    path.mkdir(parents=True, exist_ok=True)
    record = {"log": text(), "id_numbers": sorted(id_numbers), "phones": sorted(phones)}
    (path / f"{name}.json").write_text(json.dumps(record, ensure_ascii=False), encoding="utf-8")


def earlier_processes():
    """What the earlier processes of this run saved in LEAKWATCH_DIR (none when it is not set)."""
    directory = os.environ.get("LEAKWATCH_DIR")
    if not directory or not Path(directory).is_dir():
        return []
    return [json.loads(path.read_text(encoding="utf-8")) for path in sorted(Path(directory).glob("*.json"))]
