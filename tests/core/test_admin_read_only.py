"""The admin shows the records that change only through actions, and offers no way to add,
edit or delete them (a hold lifted, a promise kept or a complaint closed from the admin
would skip every rule)."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.test import Client

from posventa.billing.models import CollectionAttempt, Hold, Invoice, InvoiceImport
from posventa.complaints.models import Complaint
from posventa.core.models import ShiftInterval, User
from posventa.promises.models import Promise

RECORDS = [Invoice, Hold, CollectionAttempt, InvoiceImport, Complaint, Promise, ShiftInterval]


@pytest.mark.parametrize("model", RECORDS, ids=lambda model: model.__name__)
def test_the_record_is_listed_but_not_editable(model: type, db: None) -> None:
    superuser = User.objects.create_superuser("root", "root@example.test", "x")
    model_admin = admin.site._registry[model]
    request = type("Request", (), {"user": superuser})()
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request)
    assert not model_admin.has_delete_permission(request)
    client = Client()
    client.force_login(superuser)
    meta = model._meta
    response = client.get(f"/admin/{meta.app_label}/{meta.model_name}/")
    assert response.status_code == 200
