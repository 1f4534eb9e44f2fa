"""A year's rule parameters are frozen once business of that year exists (issue 16 item 2): the
model refuses a change on every path that validates it, and HR's page shows them read-only with
the reason; the supervision thresholds stay adjustable."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from programme.models import PolicyYear
from programme.policy import FROZEN_PARAMETERS, ensure_parameters_unchanged, parameters_frozen_reason
from tests import factories

pytestmark = pytest.mark.django_db


def test_nothing_done_nothing_frozen():
    assert parameters_frozen_reason(year=2018, classes=0, enterprise_subsidies=0) == ""
    ensure_parameters_unchanged(changed=["min_attendance_rate"], labels={}, reason="")


def test_the_reason_says_what_was_done_and_the_refusal_names_the_fields():
    reason = parameters_frozen_reason(year=2018, classes=3, enterprise_subsidies=1)
    assert "培训班3个" in reason and "小微企业补贴1笔" in reason and "已锁定" in reason
    with pytest.raises(ValidationError) as error:
        ensure_parameters_unchanged(changed=["min_attendance_rate", "backfill_min_days"],
                                    labels={"min_attendance_rate": "到课率下限"}, reason=reason)
    assert error.value.code == "parameters_frozen"
    assert error.value.messages[0].startswith("到课率下限:") and "backfill" not in error.value.messages[0]
    ensure_parameters_unchanged(changed=["backfill_min_days", "is_voucher_pilot_on"], labels={}, reason=reason)


def test_every_rule_parameter_is_frozen_and_the_thresholds_are_not():
    assert {"min_attendance_rate", "full_day_rate", "first_instalment_share", "employment_window_months",
            "publicity_working_days", "min_pass_rate", "placement_reward_amount"} <= set(FROZEN_PARAMETERS)
    assert not {"year", "photos_per_session", "backfill_min_days"} & set(FROZEN_PARAMETERS)


def test_a_year_with_a_class_refuses_a_changed_rule_parameter():
    training_class = factories.class_application()
    year = PolicyYear.objects.get(pk=training_class.policy_year_id)
    year.photos_per_session = 0  # a supervision threshold: still adjustable
    year.full_clean()
    year.min_attendance_rate = Decimal("0.80")
    with pytest.raises(ValidationError) as error:
        year.full_clean()
    assert "到课率下限" in str(error.value) and "培训班1个" in str(error.value)


def test_a_year_without_business_may_change():
    year = factories.PolicyYearFactory(year=2019)
    year.min_attendance_rate = Decimal("0.80")
    year.full_clean()
    year.save()
    year.refresh_from_db()
    assert year.min_attendance_rate == Decimal("0.80")


def test_hr_sees_the_locked_parameters_read_only_with_the_reason(hr_client):
    training_class = factories.class_application()
    year = training_class.policy_year
    url = reverse("admin:programme_policyyear_change", args=[year.pk])
    page = hr_client.get(url)
    content = page.content.decode()
    assert page.status_code == 200 and "规则参数已锁定" in content
    assert 'name="min_attendance_rate"' not in content and 'name="photos_per_session"' in content
    empty = factories.PolicyYearFactory(year=2019)
    open_page = hr_client.get(reverse("admin:programme_policyyear_change", args=[empty.pk])).content.decode()
    assert 'name="min_attendance_rate"' in open_page and "规则参数已锁定" not in open_page
