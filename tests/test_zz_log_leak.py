"""The log of the whole test run holds no resident ID number and no phone number of any trainee
the suite stored (SPEC.md §2): pages, imports, refusals, errors and tracebacks included."""

import logging
import os

import pytest
from django.db import IntegrityError, transaction

from tests import factories, leakwatch
from trainees.models import Trainee


@pytest.mark.last
@pytest.mark.django_db
def test_the_runs_log_holds_no_id_number_or_phone(client):
    # This test's own share: the lines a crash, a duplicate key and a careless message would write.
    trainee = factories.TraineeFactory()
    try:
        with transaction.atomic():
            Trainee.objects.create(id_number=trainee.id_number, name="重复", township=trainee.township)
    except IntegrityError:
        logging.getLogger("django.request").error("Internal Server Error: /township/trainees/new/", exc_info=True)
    logging.getLogger("skills_program").warning("row 3: %s %s is already registered", trainee.id_number,
                                                trainee.phone)
    client.force_login(factories.hr_user())
    client.get("/admin/trainees/trainee/", {"q": trainee.id_number})

    text = leakwatch.text()
    assert trainee.masked_id_number in text and trainee.masked_phone in text  # the lines were captured
    assert len(leakwatch.id_numbers) >= 1 and len(leakwatch.phones) >= 1
    # `make test` runs the suite in several processes first (LEAKWATCH_DIR): their logs too.
    earlier = leakwatch.earlier_processes()
    if os.environ.get("LEAKWATCH_DIR"):
        assert earlier, "no earlier process saved its log"
    text = "\n".join([text] + [run["log"] for run in earlier])
    numbers = leakwatch.id_numbers | leakwatch.phones
    numbers |= {n for run in earlier for n in run["id_numbers"] + run["phones"]}
    leaked = sorted(n for n in numbers if n in text)
    print(f"log search: {len(text)} characters of {1 + len(earlier)} processes, {len(numbers)} ID numbers "
          f"and phones searched, {len(leaked)} found")
    assert leaked == []
