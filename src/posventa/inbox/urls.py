from django.urls import URLPattern, URLResolver, path

from posventa.inbox import views

app_name = "inbox"
urlpatterns: list[URLPattern | URLResolver] = [
    path("quarantine/", views.quarantine, name="quarantine"),
    path("quarantine/<int:pk>/retry/", views.quarantine_retry, name="quarantine_retry"),
]
