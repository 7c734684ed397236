from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.generic import RedirectView

from posventa.core.login import LoginView

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="clocks:waiting", permanent=False), name="home"),
    path("login/", LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("s/<slug:site_slug>/book/", include("posventa.workshop.public_urls")),
    path("", include("posventa.core.urls")),
    path("waiting/", include("posventa.clocks.urls")),
    path("compliance/", include("posventa.reports.urls")),
    path("phone/", include("posventa.telephony.board_urls")),
    path("orders/", include("posventa.workshop.order_urls")),
    path("customers/", include("posventa.customers.urls")),
    path("cases/", include("posventa.cases.urls")),
    path("billing/", include("posventa.billing.urls")),
    path("complaints/", include("posventa.complaints.urls")),
    path("promises/", include("posventa.promises.urls")),
    path("advisor/", include("posventa.advisor.urls")),
    path("transport/", include("posventa.transport.urls")),
    path("routing/", include("posventa.routing.urls")),
    path("workshop/", include("posventa.workshop.urls")),
    path("inbox/", include("posventa.inbox.urls")),
    path("in/phone/", include("posventa.telephony.webhook_urls")),
    path("in/", include("posventa.inbox.adapter_urls")),
    path("calls/", include("posventa.telephony.urls")),
    path("portal/", include("posventa.portal.urls")),
    path("api/", include("posventa.api.urls")),
]

# Django's own views render templates/403.html, 404.html and 500.html; a size limit gets
# its own translated 413 page (see core/errors.py).
handler400 = "posventa.core.errors.bad_request"
