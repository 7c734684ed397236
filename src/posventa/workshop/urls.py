"""Staff pages of the workshop (namespace "workshop"), under /workshop/."""

from django.urls import path

from posventa.workshop import views

app_name = "workshop"
urlpatterns = [
    path("", views.appointments_list, name="appointments"),
    path("book/", views.book, name="book"),
    path("appointments/<int:pk>/", views.appointment_detail, name="appointment"),
    path("appointments/<int:pk>/cancel/", views.cancel, name="cancel"),
    path("appointments/<int:pk>/no-show/", views.no_show, name="no_show"),
    path("appointments/<int:pk>/arrived/", views.arrived, name="arrived"),
    path("requests/", views.requests_list, name="requests"),
    path("requests/<int:request_id>/", views.request_detail, name="request"),
    path("requests/<int:request_id>/attempt/", views.request_attempt, name="request_attempt"),
    path("requests/<int:request_id>/outcome/", views.request_outcome, name="request_outcome"),
]
