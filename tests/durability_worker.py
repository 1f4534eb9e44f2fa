"""A separate process for tests/test_durability.py: the system as it runs in production, outside the
test process, against whatever DATABASE_URL says.

    python tests/durability_worker.py import <sheet.xlsx> <username>
        Registers the trainees of a 学员登记 sheet as that user, as the township portal's
        confirmation does (guard, plan, write in one transaction); prints how many were written.

    python tests/durability_worker.py serve <port>
        `manage.py runserver --noreload --nothreading 127.0.0.1:<port>`: one thread, so one
        persistent database connection serves every request, as in a single-threaded application
        server worker. Static files are named by StaticFilesStorage, as a checkout has no
        collectstatic manifest; nothing else differs from the production settings, except that
        DURABILITY_WITHOUT_HEALTH_CHECKS=1 turns CONN_HEALTH_CHECKS off, to show what it prevents.
"""

import os
import sys
from pathlib import Path

import django
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command

BASE_DIR = Path(__file__).resolve().parent.parent


def setup():
    sys.path.insert(0, str(BASE_DIR))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "skills_program.settings")

    if sys.argv[1] == "serve":
        settings.STORAGES = {
            **settings.STORAGES,
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        }
        if os.environ.get("DURABILITY_WITHOUT_HEALTH_CHECKS") == "1":
            settings.DATABASES["default"]["CONN_HEALTH_CHECKS"] = False

    django.setup()


def register(path, username):
    # A script: the project's modules are importable only after setup() has put the checkout on
    # the path and set up the app registry (django.setup()).
    from common.uploads import guard_xlsx  # noqa: PLC0415
    from trainees.imports import TraineeRegistration  # noqa: PLC0415

    importer = TraineeRegistration(user=get_user_model().objects.get(username=username))
    plan = importer.plan(guard_xlsx(SimpleUploadedFile(Path(path).name, Path(path).read_bytes())))
    if not plan.is_clean:
        sys.exit(f"sheet refused: {plan.errors[:3]}")
    print(f"planned {len(plan.items)}", flush=True)
    print(f"written {importer.write(plan)}", flush=True)


def serve(port):
    call_command("runserver", f"127.0.0.1:{port}", use_reloader=False, use_threading=False)


if __name__ == "__main__":
    setup()
    if sys.argv[1] == "import":
        register(sys.argv[2], sys.argv[3])
    elif sys.argv[1] == "serve":
        serve(sys.argv[2])
    else:
        sys.exit(f"unknown command {sys.argv[1]!r}")
