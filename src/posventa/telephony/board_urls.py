from django.urls import path

from posventa.telephony import board_views

app_name = "telephony_board"
urlpatterns = [
    path("", board_views.boards, name="boards"),
    path("<slug:site_slug>/", board_views.board, name="board"),
]
