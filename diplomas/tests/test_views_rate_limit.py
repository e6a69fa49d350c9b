"""The public verification page's rate limit (django-ratelimit) counts per client, behind trusted proxies too
(mobility/foundation/network.py)."""

import datetime
import time

import pytest

pytestmark = pytest.mark.django_db

PROXY = "127.0.0.1"


@pytest.fixture(autouse=True)
def within_one_window(time_machine):
    """django-ratelimit counts in fixed one-minute windows of the clock: a test whose requests straddled a minute's
    end would see its count start again. The clock stands still 20 s into the current minute, whatever the moment."""
    start = (int(time.time()) // 60) * 60 + 20
    time_machine.move_to(datetime.datetime.fromtimestamp(start, tz=datetime.UTC), tick=False)


def _get(client, url, *, forwarded, peer=PROXY):
    return client.get(url, REMOTE_ADDR=peer, HTTP_X_FORWARDED_FOR=forwarded)


def test_behind_the_proxy_each_client_has_its_own_count(client, issued, settings, empty_cache):
    settings.TRUSTED_PROXIES = [PROXY]
    settings.DIPLOMA_VERIFY_RATE_LIMIT = 3
    url = f"/verify/{issued.verification_code}/"
    assert [_get(client, url, forwarded="203.0.113.5").status_code for _ in range(3)] == [200] * 3
    limited = _get(client, url, forwarded="203.0.113.5")
    assert limited.status_code == 429 and 1 <= int(limited["Retry-After"]) <= 60
    assert "Too many requests" in limited.content.decode()
    # Another visitor through the same proxy is not limited by the first one's requests.
    assert _get(client, url, forwarded="198.51.100.7").status_code == 200


def test_a_forged_x_forwarded_for_from_an_untrusted_peer_is_ignored(client, issued, settings, empty_cache):
    settings.TRUSTED_PROXIES = [PROXY]
    settings.DIPLOMA_VERIFY_RATE_LIMIT = 3
    url = f"/verify/{issued.verification_code}/"
    peer = "198.51.100.66"
    statuses = [_get(client, url, forwarded=f"203.0.113.{n}", peer=peer).status_code for n in range(5)]
    assert statuses == [200, 200, 200, 429, 429]


def test_without_trusted_proxies_x_forwarded_for_changes_nothing(client, issued, settings, empty_cache):
    settings.TRUSTED_PROXIES = []
    settings.DIPLOMA_VERIFY_RATE_LIMIT = 2
    url = f"/verify/{issued.verification_code}/"
    statuses = [_get(client, url, forwarded=f"203.0.113.{n}").status_code for n in range(3)]
    assert statuses == [200, 200, 429]
