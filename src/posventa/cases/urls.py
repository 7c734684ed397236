from django.urls import URLPattern, URLResolver, path

from posventa.cases import views

app_name = "cases"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.my_cases, name="my"),
    path("team/", views.team_cases, name="team"),
    path("unassigned/", views.unassigned_cases, name="unassigned"),
    path("all/", views.all_cases, name="all"),
    path("search/", views.search, name="search"),
    path("<str:reference>/", views.case_detail, name="detail"),
    path("<str:reference>/reply/", views.case_reply, name="reply"),
    path(
        "<str:reference>/attachments/<int:attachment_id>/",
        views.case_attachment,
        name="attachment",
    ),
    path("<str:reference>/note/", views.case_note, name="note"),
    path("<str:reference>/call/", views.case_call, name="call"),
    path("<str:reference>/transfer/", views.case_transfer, name="transfer"),
    path("<str:reference>/status/", views.case_status, name="status"),
    path("<str:reference>/resolve/", views.case_resolve, name="resolve"),
    path("<str:reference>/take/", views.case_take, name="take"),
    path("<str:reference>/reopen/", views.case_reopen, name="reopen"),
    path("<str:reference>/close/", views.case_close, name="close"),
]
