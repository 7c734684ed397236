"""URL patterns of the inbound channel adapters, included by the project at /in/."""

from __future__ import annotations

from django.urls import URLPattern

app_name = "adapters"
urlpatterns: list[URLPattern] = []
