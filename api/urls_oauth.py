"""/api/oauth/: the OAuth2 token endpoint of agency systems (api/oauth.py), and nothing else
of django-oauth-toolkit (no authorization, introspection or management views)."""

from django.urls import path
from oauth2_provider.views import TokenView

app_name = "api_oauth"

urlpatterns = [path("token/", TokenView.as_view(), name="token")]
