"""A Django app in one module (settings, URLconf, views), deployable on every provider.

A real project keeps its ``settings.py`` and sets ``DJANGO_SETTINGS_MODULE``; the
entry is the same: ``handler = polyfaas.wsgi(get_wsgi_application())``.
"""

from __future__ import annotations

import django
from django.conf import settings
from django.core.wsgi import get_wsgi_application
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import path, reverse

import polyfaas

PROVIDERS = "all"  # every registered provider (polyfaas.providers.names())

if not settings.configured:
    settings.configure(
        DEBUG=False,
        SECRET_KEY="polyfaas-example-only",  # a real project reads it from a secret
        ROOT_URLCONF=__name__,
        ALLOWED_HOSTS=["*"],
        MIDDLEWARE=[],
        INSTALLED_APPS=[],
    )
    django.setup()


def hello(request: HttpRequest, name: str) -> HttpResponse:
    return JsonResponse(
        {"hello": name, "q": request.GET.getlist("q"), "url": reverse("hello", args=[name])}
    )


urlpatterns = [path("hello/<str:name>", hello, name="hello")]

handler = polyfaas.wsgi(get_wsgi_application())
