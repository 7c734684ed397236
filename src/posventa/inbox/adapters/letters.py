"""Staff register a letter or a scanned document: /in/letter/<site>/.

Written communication is measured like e-mail (INFO-WRITTEN): once registered, a letter is
a customer message on a case with its clocks. The scan itself is the raw payload, what staff
typed is the metadata (see `inbox.normalise.parse_letter`); both go through `ingest`.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
import zoneinfo
from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from posventa.cases.models import Department
from posventa.core.access import can_see_site
from posventa.core.forms import EmailAddressField
from posventa.core.models import Site, User
from posventa.customers.models import Customer
from posventa.customers.visibility import visible_customers
from posventa.inbox.actions import ingest
from posventa.inbox.adapters import max_inbound_bytes
from posventa.inbox.adapters.webform import normalise_phone, submission_key
from posventa.inbox.models import InboundStatus

REPLY_METHODS = [
    ("letter", _("Letter")),
    ("email", _("E-mail")),
    ("sms", _("SMS")),
    ("whatsapp", _("WhatsApp")),
    ("phone", _("Phone call")),
]
METHOD_NEEDS = {
    "letter": "address",
    "email": "email",
    "sms": "phone",
    "whatsapp": "phone",
    "phone": "phone",
}


class LetterForm(forms.Form):
    customer = forms.ModelChoiceField(
        label=_("Customer number"),
        queryset=Customer.objects.none(),
        required=False,
        # A number box rather than a list: a group has far too many customers for a menu.
        widget=forms.NumberInput,
        help_text=_("If you know the customer, their number is enough."),
        error_messages={
            "invalid_choice": _("There is no customer with this number in your group.")
        },
    )
    name = forms.CharField(label=_("Sender's name"), max_length=200, required=False)
    address = forms.CharField(
        label=_("Postal address"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    email = EmailAddressField(label=_("E-mail"), required=False, max_length=320)
    phone = forms.CharField(label=_("Phone"), required=False, max_length=32)
    department = forms.ChoiceField(
        label=_("Department"), choices=Department.choices, initial=Department.SERVICE
    )
    preferred_channel = forms.ChoiceField(
        label=_("Answer by"), choices=REPLY_METHODS, initial="letter"
    )
    subject = forms.CharField(label=_("Subject"), max_length=300, required=False)
    text = forms.CharField(
        label=_("Summary of the letter"), max_length=20000, widget=forms.Textarea(attrs={"rows": 8})
    )
    received_on = forms.DateField(
        label=_("Date received"), widget=forms.DateInput(attrs={"type": "date"})
    )
    file = forms.FileField(label=_("Scan (PDF or image)"), required=False)
    submission_id = forms.UUIDField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, site: Site, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.site = site
        field = self.fields["customer"]
        assert isinstance(field, forms.ModelChoiceField)
        # Only customers the person registering may see: a number of another site's
        # customer is answered like a number that does not exist.
        field.queryset = visible_customers(user).filter(
            organisation_id=site.organisation_id, merged_into__isnull=True
        )

    def clean_phone(self) -> str:
        value: str = self.cleaned_data.get("phone", "").strip()
        return normalise_phone(value, self.site.country) if value else ""

    def clean_received_on(self) -> dt.date:
        day: dt.date = self.cleaned_data["received_on"]
        today = timezone.localdate(timezone=_site_zone(self.site))
        if day > today:
            raise forms.ValidationError(
                _("The date received cannot be in the future."), code="future"
            )
        return day

    def clean_file(self) -> Any:
        upload = self.cleaned_data.get("file")
        limit = max_inbound_bytes()
        if upload is not None and upload.size > limit:
            raise forms.ValidationError(
                _("The file is %(size)s; the limit is %(limit)s.")
                % {"size": filesizeformat(upload.size), "limit": filesizeformat(limit)},
                code="too_large",
            )
        return upload

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        customer = data.get("customer")
        if customer is None and not data.get("name") and "customer" not in self.errors:
            self.add_error("name", _("Give the sender's name or the customer number."))
        # The case must be answerable: the ingest layer needs a customer, an e-mail or a phone.
        if (
            customer is None
            and not data.get("email")
            and not data.get("phone")
            and not {"customer", "email", "phone"} & set(self.errors)
        ):
            self.add_error(
                "customer",
                _(
                    "Give the customer number, an e-mail address or a "
                    "phone number, so that the letter can be answered."
                ),
            )
        method = data.get("preferred_channel") or ""
        needed = METHOD_NEEDS.get(method)
        if needed and customer is None and not data.get(needed) and needed not in self.errors:
            self.add_error(
                needed,
                _("Needed to answer by %(method)s.") % {"method": dict(REPLY_METHODS)[method]},
            )
        return data

    def metadata(self, staff: User) -> dict[str, Any]:
        """What `inbox.normalise.parse_letter` reads, plus the postal address and who typed it."""
        data = self.cleaned_data
        upload = data.get("file")
        customer = data.get("customer")
        return {
            "site": self.site.slug,
            "customer_id": customer.pk if customer else None,
            "name": data.get("name") or (customer.display_name if customer else ""),
            "address": data.get("address") or "",
            "email": data.get("email") or "",
            "phone": data.get("phone") or "",
            "department": data["department"],
            "preferred_channel": data["preferred_channel"],
            "subject": data.get("subject") or "",
            "text": data["text"],
            "received_on": data["received_on"].isoformat(),
            "filename": upload.name if upload else "",
            "content_type": (upload.content_type or "") if upload else "",
            "registered_by": staff.username,
        }


def _site_zone(site: Site) -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(site.timezone)


def _staff_site(request: HttpRequest, site_slug: str) -> Site:
    site = get_object_or_404(Site, slug=site_slug)
    assert isinstance(request.user, User)
    # Someone from another site gets the same answer as for a site that does not exist.
    if not can_see_site(request.user, site):
        raise Http404
    return site


@login_required
@require_http_methods(["GET", "POST"])
def register_letter(request: HttpRequest, site_slug: str) -> HttpResponse:
    site = _staff_site(request, site_slug)
    assert isinstance(request.user, User)
    if request.method != "POST":
        today = timezone.localdate(timezone=_site_zone(site))
        form = LetterForm(
            site=site,
            user=request.user,
            initial={"submission_id": uuid.uuid4(), "received_on": today},
        )
        return render(request, "inbox/adapters/letter_form.html", {"site": site, "form": form})
    form = LetterForm(request.POST, request.FILES, site=site, user=request.user)
    if not form.is_valid():
        return render(
            request, "inbox/adapters/letter_form.html", {"site": site, "form": form}, status=400
        )
    upload = form.cleaned_data.get("file")
    scan = upload.read() if upload else b""
    metadata = form.metadata(request.user)
    signature = json.dumps(metadata, sort_keys=True).encode("utf-8") + scan
    raw = ingest(
        "letter",
        scan,
        source="staff",
        site=site,
        dedupe_key=submission_key("letter", str(form.cleaned_data["submission_id"]), signature),
        metadata=metadata,
    )
    case = raw.message.case if raw.status == InboundStatus.PROCESSED and raw.message else None
    return render(
        request, "inbox/adapters/letter_done.html", {"site": site, "raw": raw, "case": case}
    )
