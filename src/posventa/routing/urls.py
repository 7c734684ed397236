from django.urls import URLPattern, URLResolver, path

from posventa.routing import views

app_name = "routing"
urlpatterns: list[URLPattern | URLResolver] = [
    path("<slug:site_slug>/", views.page, name="page"),
    path("<slug:site_slug>/rule/<str:department>/", views.set_rule, name="set_rule"),
    path("<slug:site_slug>/limit/", views.set_limit, name="set_limit"),
    path("<slug:site_slug>/away/<int:user_id>/", views.away, name="away"),
]
