from urllib.parse import urlencode

from django.contrib.auth import views as auth_views
from django.http import HttpResponseRedirect
from django.urls import include, path
from oauth2_provider import urls as oauth2_urls
from oauth2_provider.views import AuthorizationView

from .people import people


class Authorize(AuthorizationView):
    """django-oauth-toolkit's authorization endpoint; a person marked ``deny`` in people.json
    is sent back with the error a provider answers when someone declines (access_denied)."""

    def get(self, request, *args, **kwargs):
        if people().get(request.user.username, {}).get("deny"):
            answer = {"error": "access_denied", "state": request.GET.get("state", "")}
            return HttpResponseRedirect(request.GET["redirect_uri"] + "?" + urlencode(answer))
        return super().get(request, *args, **kwargs)


urlpatterns = [
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("o/authorize/", Authorize.as_view(), name="authorize"),
    path("o/", include((oauth2_urls.base_urlpatterns + oauth2_urls.oidc_urlpatterns,
                        "oauth2_provider"))),
]
