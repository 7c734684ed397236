from django.urls import path

from posventa.core import views

app_name = "core"
urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("me/language/", views.set_my_language, name="set_language"),
    path("s/<slug:site_slug>/", views.public_site, name="site_page"),
    path("hours/<slug:site_slug>/", views.hours_comparison, name="hours"),
    path("hours/<slug:site_slug>/competitors/", views.save_competitor, name="add_competitor"),
    path(
        "hours/<slug:site_slug>/competitors/<int:competitor_id>/",
        views.save_competitor,
        name="change_competitor",
    ),
    path(
        "hours/<slug:site_slug>/competitors/<int:competitor_id>/remove/",
        views.remove_competitor,
        name="remove_competitor",
    ),
]
