"""The app's URLs plus a trivial template view, the yardstick the page timings are divided by."""

from django.http import HttpRequest, HttpResponse
from django.template import engines
from django.urls import path

from config.urls import urlpatterns as app_urlpatterns

# The layout every page has (navigation, signed-in user), with one paragraph as its content.
TRIVIAL = engines["django"].from_string('{% extends "base.html" %}{% block content %}<p>{{ title }}</p>{% endblock %}')


def trivial(request: HttpRequest) -> HttpResponse:
    return HttpResponse(TRIVIAL.render({"title": "Trivial"}, request))


urlpatterns = [path("__bench__/trivial/", trivial, name="bench-trivial"), *app_urlpatterns]
