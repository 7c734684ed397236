"""The phone systems' webhooks, included by the project at /in/phone/ (namespace
"phone_in"): events, zammad, twilio. See telephony.webhooks."""

from __future__ import annotations

from django.urls import path

from posventa.telephony import webhooks

app_name = "phone_in"
urlpatterns = [
    path("<slug:site_slug>/events/", webhooks.generic_events, name="events"),
    path("<slug:site_slug>/zammad/<str:token>/", webhooks.zammad_cti, name="zammad"),
    path("<slug:site_slug>/twilio/", webhooks.twilio_voice, name="twilio"),
]
