from django.urls import URLPattern, URLResolver, path

from posventa.billing import views

app_name = "billing"
urlpatterns: list[URLPattern | URLResolver] = [
    path("customers/<int:pk>/invoices/", views.customer_invoices, name="invoices"),
    path("customers/<int:pk>/invoices/add/", views.add_invoice, name="add_invoice"),
    path("customers/<int:pk>/invoices/import/", views.import_invoices, name="import_invoices"),
    path("cases/<str:reference>/", views.case_dispute, name="dispute"),
    path("cases/<str:reference>/hold/", views.place_hold, name="place_hold"),
    path("cases/<str:reference>/dossier.pdf", views.dossier_pdf, name="dossier_pdf"),
    path("cases/<str:reference>/dossier.zip", views.dossier_zip, name="dossier_zip"),
]
