from django.urls import path

from posventa.reports import views

app_name = "reports"
urlpatterns = [
    path("", views.compliance, name="compliance"),
    path("clocks/", views.drill_down, name="clocks"),
]
