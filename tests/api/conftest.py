import pytest
from rest_framework.test import APIClient

from api import tokens


def token_client(user, scope: str = "write", **headers: str) -> APIClient:
    """An API client with a fresh personal token of ``user`` (created as the page would,
    staff included: the second factor is bypassed here by creating the row directly)."""
    from api.models import ApiToken

    if tokens.needs_second_factor(user):
        from tests.second_factor import code_for_secret, new_device

        device = new_device(user)
        import base64

        code = code_for_secret(base64.b32encode(device.bin_key).decode())
        _token, raw = tokens.create_token(user, name="test", scope=scope, days=30, code=code)
    else:
        _token, raw = tokens.create_token(user, name="test", scope=scope, days=30)
    assert ApiToken.objects.filter(user=user).exists()
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}", **headers)
    return client


@pytest.fixture
def api_operator(operator_a):
    return token_client(operator_a)
