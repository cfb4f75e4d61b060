"""The rate limit is process-wide: its counters live in Redis (the "api_throttle" cache),
so two cache clients (two processes' connections) count the same requests; Redis down,
requests go through (never a 500)."""

from types import SimpleNamespace

import pytest
from django.core.cache.backends.redis import RedisCache
from django.test import override_settings

from api.auth import TokenRateThrottle
from api.models import ApiToken
from tests.api.conftest import token_client
from tests.harness import free_port
from tests.services import RedisServer

pytestmark = pytest.mark.django_db


@pytest.fixture
def redis_url(tmp_path):
    server = RedisServer(tmp_path / "redis", free_port()).start()
    yield server
    server.stop()


def throttle_cache(url: str) -> dict:
    return {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": url,
        "KEY_PREFIX": "api-throttle",
        "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
    }


def test_two_cache_clients_share_the_count(redis_url, operator_a, settings):
    caches = {"default": settings.CACHES["default"], "api_throttle": throttle_cache(redis_url.url)}
    with override_settings(CACHES=caches, API_RATE_PER_TOKEN="3/min"):
        api = token_client(operator_a)
        assert [api.get("/api/v1/requests/").status_code for _ in range(2)] == [200, 200]
        # Another process: its own connection to the same Redis.
        other = TokenRateThrottle()
        other.cache = RedisCache(redis_url.url, throttle_cache(redis_url.url))
        request = SimpleNamespace(auth=ApiToken.objects.get())
        assert other.allow_request(request, None)  # the third request of the minute
        assert not TokenRateThrottle().allow_request(request, None)
        assert api.get("/api/v1/requests/").status_code == 429


def test_redis_down_lets_requests_through(redis_url, operator_a, settings):
    caches = {"default": settings.CACHES["default"], "api_throttle": throttle_cache(redis_url.url)}
    with override_settings(CACHES=caches, API_RATE_PER_TOKEN="1/min"):
        api = token_client(operator_a)
        assert api.get("/api/v1/requests/").status_code == 200
        assert api.get("/api/v1/requests/").status_code == 429
        redis_url.stop()
        assert api.get("/api/v1/requests/").status_code == 200
