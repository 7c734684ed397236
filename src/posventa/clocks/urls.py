from django.urls import path

from posventa.clocks import views

app_name = "clocks"
urlpatterns = [
    path("", views.waiting, name="waiting"),
]
