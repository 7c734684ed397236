from django.urls import path

from posventa.customers import views

app_name = "customers"
urlpatterns = [
    path("", views.customer_list, name="list"),
    path("<int:pk>/", views.customer_detail, name="detail"),
    path("<int:pk>/merge/", views.customer_merge, name="merge"),
    path("<int:pk>/reviewed/", views.customer_reviewed, name="reviewed"),
    path(
        "<int:pk>/portal-sign-out/", views.customer_revoke_portal_links, name="revoke_portal_links"
    ),
]
