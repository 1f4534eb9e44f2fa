"""Fixtures shared by the class tests: a clerk and a county HR officer."""

import pytest

from tests import factories


@pytest.fixture
def clerk(db):
    return factories.UserFactory(username="clerk")


@pytest.fixture
def officer(db):
    return factories.hr_user("officer")
