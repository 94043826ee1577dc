"""A Django project whose URLconf includes a namespaced list under a prefix and has a
``re_path``; ``$ROUTES_URLCONF`` names another ROOT_URLCONF (a missing one, to show a
URLconf that cannot be read)."""

from __future__ import annotations

import os

import django
from django.conf import settings

if not settings.configured:
    settings.configure(
        DEBUG=False,
        SECRET_KEY="polyfaas-tests-only",
        ROOT_URLCONF=os.environ.get("ROUTES_URLCONF", __name__),
        ALLOWED_HOSTS=["*"],
        MIDDLEWARE=[],
        INSTALLED_APPS=[],
    )
    django.setup()

from django.core.wsgi import get_wsgi_application
from django.http import HttpRequest, HttpResponse
from django.urls import include, path, re_path


def article(request: HttpRequest, slug: str) -> HttpResponse:
    return HttpResponse(slug)


def archive(request: HttpRequest, year: str) -> HttpResponse:
    return HttpResponse(year)


def health(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok")


blog = [
    path("articles/<slug:slug>/", article, name="article"),
    re_path(r"^archive/(?P<year>[0-9]{4})/$", archive, name="archive"),
]

urlpatterns = [
    path("health", health),
    path("blog/", include((blog, "blog"), namespace="blog")),
]

app = get_wsgi_application()
