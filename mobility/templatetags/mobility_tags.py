from django import template

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
