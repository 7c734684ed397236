"""Admin configures transport through the actions (each addition leaves its event), refuses
an online share above the total, and never lets an odometer be typed over."""

from __future__ import annotations

from django.test import Client
from django.urls import reverse

from posventa.core.models import Event, Site, User
from posventa.transport.models import LoanerCar, TransportOption
from tests.conftest import make_user
from tests.transport.conftest import Desk


def superuser_client(client: Client) -> Client:
    user: User = make_user("root-admin")
    user.is_staff = user.is_superuser = True
    user.save()
    client.force_login(user)
    return client


def test_an_option_added_in_the_admin_goes_through_the_action(client: Client, madrid: Site) -> None:
    admin = superuser_client(client)
    url = reverse("admin:transport_transportoption_add")
    fields = {"site": madrid.pk, "kind": "taxi", "name": "Taxi", "daily_total": 2, "active": "on"}
    refused = admin.post(url, {**fields, "online_share": 3})
    assert refused.status_code == 200 and not TransportOption.objects.exists()
    assert admin.post(url, {**fields, "online_share": 1}).status_code == 302
    option = TransportOption.objects.get()
    assert Event.objects.filter(verb="transport.option_added", subject_id=str(option.pk)).exists()


def test_a_loaners_odometer_cannot_be_changed_in_the_admin(client: Client, desk: Desk) -> None:
    admin = superuser_client(client)
    car = desk.cars[0]
    page = admin.get(reverse("admin:transport_loanercar_change", args=[car.pk]))
    assert page.status_code == 200
    assert 'name="odometer_km"' not in page.content.decode()
    admin.post(
        reverse("admin:transport_loanercar_change", args=[car.pk]),
        {"site": car.site_id, "plate": car.plate, "model": "Otro", "odometer_km": 1},
    )
    car.refresh_from_db()
    assert car.odometer_km == 12_000
    assert LoanerCar.objects.filter(model="Otro").exists()
