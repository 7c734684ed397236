from django.urls import URLPattern, URLResolver, path

from posventa.transport import views

app_name = "transport"
urlpatterns: list[URLPattern | URLResolver] = [
    path("sites/<slug:site_slug>/", views.board, name="board"),
    path("reservations/<int:reservation_id>/hand-over/", views.hand_over, name="hand_over"),
    path("reservations/<int:reservation_id>/release/", views.release, name="release"),
    path("trips/<int:trip_id>/return/", views.return_loaner, name="return"),
    path("unmet/<int:unmet_id>/close/", views.close_unmet, name="close_unmet"),
    path("unmet/<int:unmet_id>/accept/", views.accept_alternative, name="accept_alternative"),
]
