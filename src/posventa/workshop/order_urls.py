from django.urls import path

from posventa.workshop import order_views

app_name = "repair_orders"
urlpatterns = [
    path("board/", order_views.board_sites, name="boards"),
    path("board/<slug:site_slug>/", order_views.workshop_board, name="board"),
    path("<int:pk>/service-record.pdf", order_views.delivery_record, name="delivery_record"),
]
