"""A metric is defined once and every page reads it (issue 16 item 2): "certified" on the
township's progress and on the dashboard is the same people, a roster row of the year holding a
certificate earned on that training."""

import pytest

from certification.models import Certificate
from portals.township import _progress
from reporting.dashboard import progress
from tests import factories
from tests.scenarios import completed_class

pytestmark = pytest.mark.django_db


def test_certified_is_the_same_people_on_the_township_page_and_the_dashboard():
    training_class = completed_class(trainees=3)
    year = training_class.policy_year
    certified_one, uncertified, _ = training_class.enrolments.order_by("pk")
    # A certificate of the year's occupation that no training of the year earned (recorded by HR
    # for a hire) does not make a trainee on this year's rosters "certified".
    factories.CertificateFactory(enrolment=None, trainee=uncertified.trainee, occupation=training_class.occupation)
    Certificate.objects.filter(enrolment=uncertified).delete()
    township = certified_one.trainee.township
    for enrolment in training_class.enrolments.all():
        enrolment.trainee.township = township
        enrolment.trainee.save()
    official = factories.township_user(township)
    on_township_page = _progress(official, year)["certified"]
    on_dashboard = dict((label, certified) for label, _, _, certified, _ in
                        progress(year, "trainee__township_id", [(township.pk, township.name)]))[township.name]
    assert on_township_page == on_dashboard == 2
