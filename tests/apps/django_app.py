"""A real Django project (settings, URLconf, views) in one module, for the tests."""

from __future__ import annotations

import django
from django.conf import settings

if not settings.configured:
    settings.configure(
        DEBUG=False,
        SECRET_KEY="polyfaas-tests-only",
        ROOT_URLCONF=__name__,
        ALLOWED_HOSTS=["*"],
        MIDDLEWARE=[],
        INSTALLED_APPS=[],
        USE_TZ=True,
    )
    django.setup()

from django.core.wsgi import get_wsgi_application
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.urls import path, reverse


def hello(request: HttpRequest, name: str) -> HttpResponse:
    return JsonResponse(
        {
            "name": name,
            "q": request.GET.getlist("q"),
            "path": request.path,
            "script": request.META["SCRIPT_NAME"],
            "url": reverse("hello", kwargs={"name": name}),
        }
    )


def form(request: HttpRequest) -> HttpResponse:
    return JsonResponse({"fields": {key: request.POST.getlist(key) for key in request.POST}})


def cookies(request: HttpRequest) -> HttpResponse:
    response = HttpResponse("ok")
    response.set_cookie("a", "1")
    response.set_cookie("b", "2")
    return response


def redirect(request: HttpRequest) -> HttpResponse:
    return HttpResponseRedirect("/hello/target")


def binary(request: HttpRequest) -> HttpResponse:
    return HttpResponse(bytes(range(256)), content_type="application/octet-stream")


def echo(request: HttpRequest) -> HttpResponse:
    return HttpResponse(request.body, content_type=request.content_type)


def seen_cookies(request: HttpRequest) -> HttpResponse:
    return JsonResponse(dict(request.COOKIES))


urlpatterns = [
    path("hello/<str:name>", hello, name="hello"),
    path("form", form),
    path("cookies", cookies),
    path("redirect", redirect),
    path("binary", binary),
    path("echo", echo),
    path("seen-cookies", seen_cookies),
]

app = get_wsgi_application()
