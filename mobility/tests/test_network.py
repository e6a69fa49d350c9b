"""The client's address behind trusted proxies (mobility/foundation/network.py), and the limits that count per client
agreeing
on it: django-axes' login lockout and the API's throttle (the verification page's rate limit:
diplomas/tests/test_views_rate_limit.py)."""

import pytest
from django.test import RequestFactory
from rest_framework.request import Request

from mobility.foundation.api import ApiRateThrottle
from mobility.foundation.network import client_ip
from mobility.tests.support import make_user

PROXY = "127.0.0.1"  # nginx on the same machine, as docs/deployment.md prescribes
PASSWORD = "Str0ng-enough-pass!"


def _request(peer: str, forwarded: str | None = None):
    extra = {"HTTP_X_FORWARDED_FOR": forwarded} if forwarded is not None else {}
    return RequestFactory().get("/", REMOTE_ADDR=peer, **extra)


def test_without_trusted_proxies_the_peer_is_the_client_and_x_forwarded_for_is_ignored(settings):
    settings.TRUSTED_PROXIES = []
    assert client_ip(_request("198.51.100.9", "203.0.113.5")) == "198.51.100.9"
    assert client_ip(_request("")) is None


@pytest.mark.parametrize(
    ("peer", "forwarded", "client"),
    [
        (PROXY, "203.0.113.5", "203.0.113.5"),  # nginx wrote the address it saw
        (PROXY, "10.9.9.9, 203.0.113.5", "203.0.113.5"),  # what the client wrote itself (left) is not believed
        (PROXY, "garbage, 203.0.113.5", "203.0.113.5"),
        (PROXY, "2001:db8::7", "2001:db8::7"),
        (PROXY, None, PROXY),  # a request from the proxy's own machine, with no header
        ("198.51.100.9", "203.0.113.5", "198.51.100.9"),  # sent straight to the app: the header is forged
    ],
)
def test_behind_a_trusted_proxy_the_client_is_the_address_it_forwarded(settings, peer, forwarded, client):
    settings.TRUSTED_PROXIES = [PROXY]
    assert client_ip(_request(peer, forwarded)) == client


def test_two_proxies_are_matched_hop_by_hop(settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8", PROXY]  # a load balancer, then nginx
    assert client_ip(_request(PROXY, "1.1.1.1, 203.0.113.5, 10.1.2.3")) == "203.0.113.5"
    # nginx reached from outside the load balancer's network: the path is not the configured one, nothing in the
    # header is believed, and the peer (nginx) is the address.
    assert client_ip(_request(PROXY, "203.0.113.5, 198.51.100.9")) == PROXY


def test_the_api_throttle_counts_anonymous_callers_by_the_same_address(settings):
    throttle = ApiRateThrottle()
    settings.TRUSTED_PROXIES = []
    # DRF's own get_ident believes any X-Forwarded-For (NUM_PROXIES unset): a new value each time, a fresh count.
    assert throttle.get_ident(Request(_request("198.51.100.9", "203.0.113.5"))) == "198.51.100.9"
    settings.TRUSTED_PROXIES = [PROXY]
    assert throttle.get_ident(Request(_request(PROXY, "203.0.113.5"))) == "203.0.113.5"


def _login(client, username, password, *, forwarded, peer=PROXY):
    return client.post(
        "/accounts/login/",
        {"username": username, "password": password},
        REMOTE_ADDR=peer,
        HTTP_X_FORWARDED_FOR=forwarded,
    )


@pytest.mark.django_db
def test_a_lockout_behind_the_proxy_locks_one_client_not_everyone(client, settings):
    settings.TRUSTED_PROXIES = [PROXY]
    make_user("victim@example.cn", password=PASSWORD)
    for _attempt in range(settings.AXES_FAILURE_LIMIT):
        _login(client, "victim@example.cn", "wrong", forwarded="203.0.113.5")
    assert _login(client, "victim@example.cn", PASSWORD, forwarded="203.0.113.5").status_code == 429
    # The victim, at home behind the same proxy, still logs in.
    assert _login(client, "victim@example.cn", PASSWORD, forwarded="198.51.100.7").status_code == 302


@pytest.mark.django_db
def test_a_forged_x_forwarded_for_buys_no_fresh_attempts(client, settings):
    settings.TRUSTED_PROXIES = [PROXY]
    make_user("victim@example.cn", password=PASSWORD)
    attacker = "198.51.100.66"  # not a trusted proxy: its header is ignored
    for attempt in range(settings.AXES_FAILURE_LIMIT):
        _login(client, "victim@example.cn", "wrong", forwarded=f"203.0.113.{attempt}", peer=attacker)
    locked = _login(client, "victim@example.cn", PASSWORD, forwarded="203.0.113.99", peer=attacker)
    assert locked.status_code == 429
