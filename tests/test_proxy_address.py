"""Behind nginx (PROXY_COUNT=1) every request comes from 127.0.0.1: the client's address is read
from X-Forwarded-For, counted from the right, by one helper (accounts.security.client_address)
that django-axes, the security log and the full-ID view records all use."""


import pytest
from axes.helpers import get_client_ip_address
from axes.models import AccessAttempt
from django.core.exceptions import ImproperlyConfigured
from django.test import RequestFactory
from django.urls import reverse

from accounts.security import client_address
from skills_program.checks import ensure_proxy_addresses_resolvable
from tests import factories
from trainees.models import IdNumberView

pytestmark = pytest.mark.django_db

PROXY = "127.0.0.1"  # nginx on the same machine: REMOTE_ADDR of every request
CLIENT_A = "203.0.113.7"
CLIENT_B = "198.51.100.8"


def through_proxy(client, path, data, forwarded, method="post"):
    """A request as nginx passes it on: `forwarded` is X-Forwarded-For after nginx appended the
    address it was reached from."""
    return getattr(client, method)(path, data, REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=forwarded)


def sign_in(client, username, password, forwarded):
    return through_proxy(client, reverse("login"), {"username": username, "password": password}, forwarded)


@pytest.fixture
def one_proxy(settings):
    settings.PROXY_COUNT = 1
    return settings


def test_failures_from_one_client_behind_the_proxy_lock_that_client_only(client, one_proxy):
    factories.hr_user("proxied_hr")
    statuses = [sign_in(client, "proxied_hr", "Wrong-password-1", CLIENT_A).status_code for _ in range(5)]
    assert statuses == [200, 200, 200, 200, 429]
    assert sign_in(client, "proxied_hr", "Test-password-2018", CLIENT_A).status_code == 429
    # The same person from another address signs in: the lockout is per (username, address).
    assert sign_in(client, "proxied_hr", "Test-password-2018", CLIENT_B).status_code == 302
    client.logout()
    assert sign_in(client, "proxied_hr", "Test-password-2018", CLIENT_A).status_code == 429
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {CLIENT_A}


def test_a_forged_forwarded_for_prefix_changes_nothing(client, one_proxy):
    """The client's own X-Forwarded-For stands left of the address nginx appends: rotating it does
    not dodge the lockout, and naming the victim's address does not lock the victim out."""
    factories.hr_user("victim_hr")
    forged = [sign_in(client, "victim_hr", "Wrong-password-1", f"{CLIENT_B}, 10.9.8.{i}, {CLIENT_A}").status_code
              for i in range(5)]
    assert forged == [200, 200, 200, 200, 429]
    assert sign_in(client, "victim_hr", "Test-password-2018", f"1.2.3.4, {CLIENT_A}").status_code == 429
    assert sign_in(client, "victim_hr", "Test-password-2018", CLIENT_B).status_code == 302
    request = RequestFactory().get("/", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=f"1.2.3.4, {CLIENT_A}")
    assert client_address(request) == CLIENT_A


CASES = [  # PROXY_COUNT, REMOTE_ADDR, X-Forwarded-For as received, the client's address
    (0, "10.0.0.1", None, "10.0.0.1"),
    (0, "10.0.0.1", "203.0.113.7", "10.0.0.1"),           # no proxy: the header is never read
    (1, PROXY, "203.0.113.7", "203.0.113.7"),
    (1, PROXY, "1.2.3.4, 203.0.113.7", "203.0.113.7"),    # the client's own prefix is ignored
    (1, PROXY, "junk, 203.0.113.7", "203.0.113.7"),
    (1, PROXY, "10.20.30.40", "10.20.30.40"),             # a client on the county's intranet
    (1, PROXY, "1.2.3.4, [2001:db8::1]:443", "2001:db8::1"),
    (1, PROXY, None, PROXY),                              # not through the proxy: its own address
    (2, "10.0.0.2", "1.2.3.4, 203.0.113.7, 10.0.0.3", "203.0.113.7"),
    (2, "10.0.0.2", "203.0.113.7", "10.0.0.2"),           # fewer hops than proxies: not trusted
]


def test_the_client_is_the_proxy_count_th_address_from_the_right(settings):
    for proxies, remote, forwarded, expected in CASES:
        settings.PROXY_COUNT = proxies
        meta = {"REMOTE_ADDR": remote} | ({"HTTP_X_FORWARDED_FOR": forwarded} if forwarded else {})
        request = RequestFactory().get("/", **meta)
        assert client_address(request) == expected, (proxies, forwarded)
        assert get_client_ip_address(request) == expected, (proxies, forwarded)  # django-axes asks the same


def test_without_a_proxy_the_header_is_ignored_and_with_one_it_is_read(client, settings):
    """PROXY_COUNT=0: rotating X-Forwarded-For from one address does not dodge the lockout. The
    same requests behind one proxy are told apart by the header nginx writes."""
    factories.hr_user("direct_hr")
    settings.PROXY_COUNT = 0
    statuses = [client.post(reverse("login"), {"username": "direct_hr", "password": "Wrong-password-1"},
                            REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR=f"203.0.113.{i}").status_code
                for i in range(5)]
    assert statuses == [200, 200, 200, 200, 429]
    settings.PROXY_COUNT = 1
    response = client.post(reverse("login"), {"username": "direct_hr", "password": "Test-password-2018"},
                           REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.0")
    assert response.status_code == 302


def test_the_security_log_writes_the_clients_address(client, one_proxy, caplog):
    caplog.set_level("INFO", logger="skills_program.security")
    factories.hr_user("logged_hr")
    for _ in range(5):
        sign_in(client, "logged_hr", "Wrong-password-1", f"1.2.3.4, {CLIENT_A}")
    sign_in(client, "logged_hr", "Test-password-2018", CLIENT_B)
    lines = [record.getMessage() for record in caplog.records if record.name == "skills_program.security"]
    assert sum(line == f"login failed username='logged_hr' ip={CLIENT_A}" for line in lines) == 5
    assert any(line.startswith(f"login locked out username='logged_hr' ip={CLIENT_A}") for line in lines)
    assert any(line.startswith("login succeeded") and line.endswith(f"ip={CLIENT_B}") for line in lines)
    assert not any(f"ip={PROXY}" in line or "1.2.3.4" in line for line in lines)


def test_a_full_id_view_records_the_clients_address(client, one_proxy):
    trainee = factories.TraineeFactory()
    client.force_login(factories.township_user(trainee.township))
    response = through_proxy(client, reverse("trainees:trainee-detail", args=[trainee.pk]), {"reveal": "id_number"},
                             f"1.2.3.4, {CLIENT_A}")
    assert response.status_code == 200 and trainee.id_number in response.content.decode()
    client.force_login(factories.hr_user("hr_viewer"))
    response = through_proxy(client, reverse("admin:trainees_trainee_change", args=[trainee.pk]), {}, CLIENT_B,
                             method="get")
    assert response.status_code == 200
    assert list(IdNumberView.objects.order_by("pk").values_list("place", "address")) == [
        ("township", CLIENT_A), ("admin", CLIENT_B)]


def test_the_process_refuses_a_negative_proxy_count(settings):
    settings.PROXY_COUNT = -1
    with pytest.raises(ImproperlyConfigured, match="PROXY_COUNT=-1 无效"):
        ensure_proxy_addresses_resolvable()
    for count in (0, 1, 2):
        settings.PROXY_COUNT = count
        ensure_proxy_addresses_resolvable()
