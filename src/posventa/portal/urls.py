from django.urls import URLPattern, URLResolver, path

from posventa.portal import complaint_views, views

app_name = "portal"
urlpatterns: list[URLPattern | URLResolver] = [
    # Before the token pattern: "new-link" must never be read as a token.
    path("new-link/", views.new_link, name="new_link"),
    path("<str:token>/", views.home, name="home"),
    path("<str:token>/language/", views.choose_language, name="language"),
    path("<str:token>/cases/<str:reference>/", views.case_detail, name="case"),
    path(
        "<str:token>/cases/<str:reference>/attachments/<int:attachment_id>/",
        views.case_attachment,
        name="attachment",
    ),
    path(
        "<str:token>/cases/<str:reference>/complaint/",
        complaint_views.register_complaint,
        name="complaint",
    ),
    path(
        "<str:token>/cases/<str:reference>/complaint/agree/",
        complaint_views.agree,
        name="complaint_agree",
    ),
]
