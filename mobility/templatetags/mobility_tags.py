from django import template
from django.conf import settings
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import get_language

from mobility.foundation.forms import date_input_format, date_placeholder
from mobility.foundation.languages import name_language as _name_language
from mobility.foundation.numbers import score_text

register = template.Library()


@register.simple_tag(takes_context=True)
def query_replace(context, **changes) -> str:
    """The current query string with some parameters replaced (pagination and sorting keep the filters)."""
    query = context["request"].GET.copy()
    for key, value in changes.items():
        if value in (None, ""):
            query.pop(key, None)
        else:
            query[key] = value
    return query.urlencode()


@register.filter
def name_language(language: str) -> str:
    """``"ru"``, ``"zh"`` or ``"en"`` for a language code (``mobility.foundation.languages.name_language``)."""
    return _name_language(language)


@register.filter
def score(value) -> str:
    """A score as people write it: 80, 80.5 (80,5 in Russian), never "80.00"; empty for none."""
    return score_text(value)


@register.inclusion_tag("includes/office_contact.html")
def office_contact() -> dict:
    """How a student reaches the international office: ``OFFICE_EMAIL`` as a mailto link and ``OFFICE_PHONE``."""
    return {"email": settings.OFFICE_EMAIL, "phone": settings.OFFICE_PHONE}


@register.simple_tag
def today_input() -> dict:
    """Today (the site's date) as a date field shows it, and the placeholder: for a hand-written date input."""
    return {"value": timezone.localdate().strftime(date_input_format()), "placeholder": date_placeholder()}


# An enrollment's status as a badge's colour; any other status (withdrawn) is drawn as a warning.
STATUS_BADGE_CLASSES = {
    "applied": "text-bg-secondary",
    "admitted": "text-bg-info",
    "enrolled": "text-bg-primary",
    "completed": "text-bg-success",
    "rejected": "text-bg-light border text-danger",
    "failed": "text-bg-danger",
}


# (status, language) → the badge's markup: the label is the status's, translated.
_badges: dict[tuple[str, str | None], str] = {}


@register.filter
def status_badge(enrollment) -> str:
    """An enrollment's status as a coloured badge (``students/_status_badge.html`` draws it with this filter):
    one Python call per row instead of an ``{% include %}`` where a page lists many enrollments; written once per
    status and language."""
    key = (enrollment.status, get_language())
    badge = _badges.get(key)
    if badge is None:
        css = STATUS_BADGE_CLASSES.get(enrollment.status, "text-bg-warning")
        badge = _badges[key] = format_html('<span class="badge {}">{}</span>', css, enrollment.get_status_display())
    return badge
