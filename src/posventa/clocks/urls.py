from django.urls import path

from posventa.clocks import ladder_views, views

app_name = "clocks"
urlpatterns = [
    path("", views.waiting, name="waiting"),
    path("subject/<int:type_id>/<str:subject_id>/", views.subject, name="subject"),
    path("by-owner/", views.waiting_by_owner, name="by_owner"),
    path("ladders/<slug:site_slug>/", ladder_views.ladder, name="ladder"),
    path("ladders/<slug:site_slug>/step/<int:level>/", ladder_views.set_rung, name="set_rung"),
]
