from django.urls import path

from posventa.clocks import views

app_name = "clocks"
urlpatterns = [
    path("", views.waiting, name="waiting"),
    path("subject/<int:type_id>/<str:subject_id>/", views.subject, name="subject"),
]
