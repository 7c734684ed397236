"""Public booking pages of a site (namespace "workshop_public"), under /s/<site>/book/."""

from django.urls import path

from posventa.workshop import public_views

app_name = "workshop_public"
urlpatterns = [
    path("", public_views.book, name="book"),
    path("thanks/", public_views.kept, name="kept"),
    path("booked/<str:token>/", public_views.booked, name="booked"),
    path("change/<str:token>/", public_views.reschedule, name="reschedule"),
    path("cancel/<str:token>/", public_views.cancel, name="cancel"),
    path("offer/<str:token>/", public_views.offer, name="offer"),
]
