from django.urls import URLPattern, URLResolver, path

from posventa.complaints import views

app_name = "complaints"
urlpatterns: list[URLPattern | URLResolver] = [
    path("<str:reference>/register/", views.register, name="register"),
    path("<str:reference>/acknowledge/", views.acknowledge, name="acknowledge"),
    path("<str:reference>/plan/", views.plan, name="plan"),
    path("<str:reference>/attempt/", views.attempt, name="attempt"),
    path("<str:reference>/agreement/", views.agreement, name="agreement"),
    path("<str:reference>/close/", views.close, name="close"),
]
