"""URL patterns of the inbound channel adapters, included by the project at /in/.

Names (namespace "adapters"): raw_email, twilio_sms, twilio_whatsapp, web_form,
web_form_thanks, web_form_received, register_letter.
"""

from __future__ import annotations

from django.urls import path

from posventa.inbox.adapters import http, letters, webform

app_name = "adapters"
urlpatterns = [
    path("email/<slug:site_slug>/", http.raw_email, name="raw_email"),
    path("twilio/<slug:site_slug>/sms/", http.twilio_sms, name="twilio_sms"),
    path("twilio/<slug:site_slug>/whatsapp/", http.twilio_whatsapp, name="twilio_whatsapp"),
    path("form/<slug:site_slug>/", webform.web_form, name="web_form"),
    path("form/<slug:site_slug>/thanks/", webform.web_form_thanks, name="web_form_received"),
    path(
        "form/<slug:site_slug>/thanks/<str:token>/", webform.web_form_thanks, name="web_form_thanks"
    ),
    path("letter/<slug:site_slug>/", letters.register_letter, name="register_letter"),
]
