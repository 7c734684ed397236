from django.urls import path

from posventa.core import views

app_name = "core"
urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("me/language/", views.set_my_language, name="set_language"),
    path("s/<slug:site_slug>/", views.public_site, name="site_page"),
]
