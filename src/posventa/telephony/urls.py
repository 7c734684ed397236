"""Staff pages of calls, included at /calls/ (namespace "telephony")."""

from django.urls import path

from posventa.telephony import views

app_name = "telephony"
urlpatterns = [
    path("", views.call_list, name="list"),
    path("log/", views.log_call, name="log"),
    path("<int:pk>/", views.call_detail, name="detail"),
    path("<int:pk>/open-case/", views.open_case, name="open_case"),
    path("<int:pk>/attach/", views.attach, name="attach"),
]
