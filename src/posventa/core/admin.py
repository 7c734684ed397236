"""Django admin for configuring the group: sites and their hours, staff, roles, teams.

Admin is a configuration screen, so it saves rows itself, but it keeps the same rules as the
actions layer: hours are validated by the business calendar (overlaps and inverted intervals
are refused by name), any calendar change bumps the site's calendar version so open clocks
are re-planned, and every change leaves an event in the audit log. The log itself is
read-only here.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.core.exceptions import ValidationError
from django.db import models
from django.forms import BaseInlineFormSet, ModelForm
from django.http import HttpRequest
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from posventa.core.actions import (
    bump_calendar_version,
    cancel_absence,
    record_absence,
    validate_intervals,
)
from posventa.core.events import record_event
from posventa.core.models import (
    Absence,
    Certification,
    Event,
    HolidayOverride,
    Membership,
    OpeningInterval,
    Organisation,
    ShiftInterval,
    Site,
    SiteClosure,
    Team,
    User,
)
from posventa.core.validators import validate_timezone_name

admin.site.site_header = _("Posventa administration")
admin.site.site_title = _("Posventa")
admin.site.index_title = _("Configuration")

# Site fields that change how business time is counted.
CALENDAR_FIELDS = ("timezone", "country", "subdivision")


class ReadOnlyAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """A record to look at: rows that change only through an app's actions (and their
    events) are neither added, edited nor deleted here."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


def actor_of(request: HttpRequest) -> User | None:
    user = request.user
    return user if isinstance(user, User) else None


class OpeningIntervalFormSet(BaseInlineFormSet):  # type: ignore[type-arg]
    """Checks the week as a whole: overlaps only show when intervals are seen together."""

    def clean(self) -> None:
        super().clean()
        if any(self.errors):
            return
        timezone = self.instance.timezone
        try:
            validate_timezone_name(timezone)
        except ValidationError:
            return  # The site form already reports the timezone on its own field.
        intervals = [
            (form.cleaned_data["weekday"], form.cleaned_data["start"], form.cleaned_data.get("end"))
            for form in self.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE")
        ]
        try:
            validate_intervals(timezone, intervals)
        except ValidationError as error:
            raise ValidationError(
                [
                    gettext("Opening hours (%(field)s): %(message)s")
                    % {"field": field, "message": message}
                    for field, messages in error.message_dict.items()
                    for message in messages
                ]
            ) from error


class OpeningIntervalInline(admin.TabularInline):  # type: ignore[type-arg]
    model = OpeningInterval
    formset = OpeningIntervalFormSet
    extra = 1


class SiteClosureInline(admin.TabularInline):  # type: ignore[type-arg]
    model = SiteClosure
    extra = 0


class HolidayOverrideInline(admin.TabularInline):  # type: ignore[type-arg]
    model = HolidayOverride
    extra = 0


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("name", "slug", "share_customers_across_sites", "created_at")
    search_fields = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}

    def save_model(
        self,
        request: HttpRequest,
        obj: Organisation,
        form: ModelForm[Any],
        change: bool,
    ) -> None:
        super().save_model(request, obj, form, change)
        record_event(
            "organisation.changed" if change else "organisation.created",
            subject=obj,
            organisation=obj,
            actor=actor_of(request),
            summary=obj.name,
            data={"fields": form.changed_data},
        )


@admin.register(Site)
class SiteAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = (
        "name",
        "organisation",
        "timezone",
        "country",
        "subdivision",
        "calendar_version",
    )
    list_filter = ("organisation", "country")
    search_fields = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}
    readonly_fields = ("calendar_version", "created_at")
    inlines = [OpeningIntervalInline, SiteClosureInline, HolidayOverrideInline]

    def save_model(
        self,
        request: HttpRequest,
        obj: Site,
        form: ModelForm[Any],
        change: bool,
    ) -> None:
        super().save_model(request, obj, form, change)
        record_event(
            "site.changed" if change else "site.created",
            subject=obj,
            site=obj,
            actor=actor_of(request),
            summary=obj.name,
            data={"fields": form.changed_data},
        )

    def save_related(
        self,
        request: HttpRequest,
        form: ModelForm[Any],
        formsets: Any,  # type: ignore[type-arg]
        change: bool,
    ) -> None:
        """Runs inside the admin's transaction, after the inlines are saved.

        Any change to hours, closures, holiday overrides or the site's timezone/region
        invalidates cached calendars and re-plans the site's open clocks.
        """
        super().save_related(request, form, formsets, change)
        site = form.instance
        changed_inlines = [fs.model._meta.model_name for fs in formsets if fs.has_changed()]
        changed_fields = [name for name in CALENDAR_FIELDS if name in form.changed_data]
        if change and (changed_inlines or changed_fields):
            bump_calendar_version(site)
            record_event(
                "site.calendar_changed",
                subject=site,
                site=site,
                actor=actor_of(request),
                data={
                    "inlines": changed_inlines,
                    "fields": changed_fields,
                    "calendar_version": site.calendar_version,
                },
            )


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("user", "role", "site", "organisation")
    list_filter = ("role", "organisation", "site")
    search_fields = ("user__username", "user__first_name", "user__last_name")
    autocomplete_fields = ("user",)

    def save_model(
        self,
        request: HttpRequest,
        obj: Membership,
        form: ModelForm[Any],
        change: bool,
    ) -> None:
        super().save_model(request, obj, form, change)
        record_event(
            "staff.role_granted",
            subject=obj.user,
            site=obj.site,
            organisation=obj.organisation,
            actor=actor_of(request),
            data={"role": obj.role, "user": obj.user.username},
        )

    def delete_model(self, request: HttpRequest, obj: Membership) -> None:
        record_event(
            "staff.role_revoked",
            subject=obj.user,
            site=obj.site,
            organisation=obj.organisation,
            actor=actor_of(request),
            data={"role": obj.role, "user": obj.user.username},
        )
        super().delete_model(request, obj)


@admin.register(Certification)
class CertificationAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("user", "code", "name", "valid_until")
    search_fields = ("user__username", "code", "name")
    autocomplete_fields = ("user",)

    def save_model(
        self,
        request: HttpRequest,
        obj: Certification,
        form: ModelForm[Any],
        change: bool,
    ) -> None:
        super().save_model(request, obj, form, change)
        record_event(
            "staff.certified",
            subject=obj.user,
            actor=actor_of(request),
            data={"code": obj.code, "user": obj.user.username},
        )


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("name", "site", "department", "lead")
    list_filter = ("site",)
    search_fields = ("name",)
    filter_horizontal = ("members",)


@admin.register(User)
class UserAdmin(DjangoUserAdmin):  # type: ignore[type-arg]
    fieldsets = (
        *(DjangoUserAdmin.fieldsets or ()),
        (_("Posventa"), {"fields": ("language", "phone")}),
    )
    list_display = ("username", "first_name", "last_name", "email", "language", "is_staff")
    list_filter = ("is_staff", "is_active", "language")


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """The audit log: visible to staff with view permission, never editable."""

    list_display = ("occurred_at", "verb", "site", "actor_display", "summary", "internal")
    list_filter = ("verb", "site", "internal")
    search_fields = ("verb", "summary", "actor_label", "actor__username")
    date_hierarchy = "occurred_at"
    list_select_related = ("site", "actor")

    @admin.display(description=_("actor"))
    def actor_display(self, event: Event) -> str:
        return str(event.actor) if event.actor else event.actor_label

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: models.Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: models.Model | None = None) -> bool:
        return False


@admin.register(ShiftInterval)
class ShiftIntervalAdmin(ReadOnlyAdmin):
    """Read here; a person's week is replaced whole by `set_working_hours` (overlaps refused)."""

    list_display = ("user", "site", "weekday", "start", "end")
    list_filter = ("site", "weekday")
    search_fields = ("user__username",)


@admin.register(Absence)
class AbsenceAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("user", "starts_at", "ends_at", "reason")
    search_fields = ("user__username", "reason")
    autocomplete_fields = ("user",)

    def save_model(
        self, request: HttpRequest, obj: Absence, form: ModelForm[Any], change: bool
    ) -> None:
        if change:
            super().save_model(request, obj, form, change)
            return
        saved = record_absence(
            obj.user, obj.starts_at, obj.ends_at, obj.reason, actor=actor_of(request)
        )
        obj.pk = saved.pk

    def delete_model(self, request: HttpRequest, obj: Absence) -> None:
        cancel_absence(obj, actor=actor_of(request))
