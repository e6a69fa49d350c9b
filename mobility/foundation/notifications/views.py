"""The staff user's notifications: the list (unread first, a filter by kind), opening one, marking read, the
settings; and the context processor of the menu's bell. Each user reaches only their own notifications."""

from __future__ import annotations

import functools

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views import View

from mobility.foundation.access import is_office_staff
from mobility.foundation.views import StaffRequiredMixin

from . import selectors, services
from .forms import NotificationFilterForm, NotificationPreferenceForm
from .models import StaffNotification
from .registry import kind_label, notification_kinds

PAGE_SIZE = 50


def unread_notifications(request):
    """Context processor: ``staff_notifications_unread``, the viewer's unread count, for office staff only. A function,
    which a template calls. The count comes with the viewer's permissions, in the access check's one query; for a
    superuser (whose permissions need no query) one query runs where a page shows the count (the bell,
    ``includes/nav_notifications.html``), once per request however often it is read."""
    user = getattr(request, "user", None)
    if not is_office_staff(user):
        return {}
    # Read with the viewer's permissions by the access check (foundation.access._access_load), superusers aside.
    known = getattr(user, "_unread_notifications", None)
    if known is not None:
        return {"staff_notifications_unread": lambda: known}
    return {"staff_notifications_unread": functools.cache(lambda: selectors.unread_count(viewer=user))}


def _back(request, default: str) -> str:
    target = request.POST.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return default


class NotificationListView(StaffRequiredMixin, View):
    template_name = "mobility/notifications.html"

    def get(self, request):
        form = NotificationFilterForm(request.GET)
        filters = form.filters()
        notifications = selectors.notification_list(viewer=request.user, **filters)
        page = Paginator(notifications, PAGE_SIZE).get_page(request.GET.get("page"))
        context = {
            "form": form,
            "page_obj": page,
            "notifications": list(page.object_list),
            "kind": filters["kind"],
            "kind_label": kind_label(filters["kind"]) if filters["kind"] else "",
            "filtered": any(filters.values()),
            "unread_total": selectors.unread_count(viewer=request.user),
        }
        return render(request, self.template_name, context)


class _OwnNotificationMixin:
    def notification(self, request, pk) -> StaffNotification:
        try:
            return selectors.notification_for_viewer(viewer=request.user, pk=pk)
        except StaffNotification.DoesNotExist:
            raise Http404 from None


class NotificationOpenView(_OwnNotificationMixin, StaffRequiredMixin, View):
    """POST: mark the notification read and go where it leads (the list if nowhere)."""

    def post(self, request, pk):
        notification = services.notification_mark_read(notification=self.notification(request, pk))
        return HttpResponseRedirect(notification.link() or reverse("notifications:list"))


class NotificationReadView(_OwnNotificationMixin, StaffRequiredMixin, View):
    """POST: mark the notification read and come back to the list."""

    def post(self, request, pk):
        services.notification_mark_read(notification=self.notification(request, pk))
        return redirect(_back(request, reverse("notifications:list")))


class NotificationReadAllView(StaffRequiredMixin, View):
    """POST: mark all the viewer's unread notifications read (of the ``kind`` posted, if any)."""

    def post(self, request):
        kind = request.POST.get("kind") or ""
        count = services.notifications_mark_all_read(user=request.user, kind=kind)
        messages.success(
            request,
            ngettext("%(n)s notification marked read.", "%(n)s notifications marked read.", count) % {"n": count},
        )
        return redirect(_back(request, reverse("notifications:list")))


class NotificationSettingsView(StaffRequiredMixin, View):
    template_name = "mobility/notification_settings.html"

    def get(self, request):
        preference = services.notification_preference_get(user=request.user)
        muted = set(preference.muted_kinds or [])
        form = NotificationPreferenceForm(
            initial={
                "kinds": [entry.kind for entry in notification_kinds() if entry.kind not in muted],
                "digest": preference.digest,
                "language": preference.language,
            }
        )
        return render(request, self.template_name, {"form": form, "has_email": bool(request.user.email)})

    def post(self, request):
        form = NotificationPreferenceForm(request.POST)
        if not form.is_valid():
            return render(request, self.template_name, {"form": form, "has_email": bool(request.user.email)})
        wanted = set(form.cleaned_data["kinds"])
        services.notification_preference_update(
            user=request.user,
            muted_kinds=[entry.kind for entry in notification_kinds() if entry.kind not in wanted],
            digest=form.cleaned_data["digest"],
            language=form.cleaned_data["language"],
        )
        messages.success(request, _("Your notification settings are saved."))
        return redirect("notifications:settings")
