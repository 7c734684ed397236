from django.urls import URLPattern, URLResolver, path

from posventa.promises import views

app_name = "promises"
urlpatterns: list[URLPattern | URLResolver] = [
    path("cases/<str:reference>/propose/", views.propose, name="propose"),
    path("cases/<str:reference>/new/", views.create, name="create"),
    path("<int:pk>/reassign/", views.reassign, name="reassign"),
    path("<int:pk>/cancel/", views.cancel, name="cancel"),
    path("<int:pk>/renegotiate/", views.renegotiate, name="renegotiate"),
]
