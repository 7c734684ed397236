from django.urls import URLPattern, URLResolver, path

from posventa.advisor import views

app_name = "advisor"
urlpatterns: list[URLPattern | URLResolver] = [
    path("vehicles/<int:vehicle_id>/", views.vehicle_advice, name="vehicle"),
    path("vehicles/<int:vehicle_id>/service/", views.record_service, name="record_service"),
    path("vehicles/<int:vehicle_id>/describe/", views.describe_vehicle, name="describe"),
]
