from django import template
from django.conf import settings
from django.utils import timezone

from mobility.foundation.forms import date_input_format, date_placeholder
from mobility.foundation.languages import name_language as _name_language
from mobility.foundation.numbers import score_text
from students.list_markup import status_badge as _status_badge

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


@register.filter
def status_badge(enrollment) -> str:
    """An enrollment's status as a coloured badge (``students.list_markup.status_badge``;
    ``students/_status_badge.html`` draws it with this filter): one Python call per row instead of an include."""
    return _status_badge(enrollment)
