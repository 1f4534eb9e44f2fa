"""The database keeps one person one row even when two townships register them at once."""

import threading

import pytest
from django.db import DataError, IntegrityError, connection, transaction

from tests import factories
from trainees.models import Trainee

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_twenty_threads_registering_one_id_number_make_one_row():
    """20 threads insert the same resident ID number at the same moment: exactly one row."""
    township = factories.TownshipFactory()
    number = "11010519491231002X"
    barrier = threading.Barrier(20)
    outcomes = []

    def register(i):
        try:
            barrier.wait()
            with transaction.atomic():
                Trainee.objects.create(id_number=number, name=f"学员{i}", township=township)
            outcomes.append("created")
        except IntegrityError:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=register, args=(i,)) for i in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes).count("created") == 1
    assert outcomes.count("refused") == 19
    assert Trainee.objects.filter(id_number=number).count() == 1


def test_postgres_refuses_an_over_long_id_number():
    """SQLite would store 19 characters in an 18-character column; PostgreSQL refuses."""
    township = factories.TownshipFactory()
    with pytest.raises((DataError, IntegrityError)), transaction.atomic():
        Trainee.objects.create(id_number="11010519491231002X1", name="甲", township=township,
                               birth_on="1949-12-31", sex="F")
