"""Template tags of the office's papers (``templates/diplomas/papers/``): text in Russian and the paper's second
language (the context's ``second_language``, ``diplomas.papers.labels``)."""

from __future__ import annotations

from django import template
from django.utils.html import format_html
from django.utils.translation import override

from diplomas.papers.labels import OFFICE_LANGUAGE, lang_attribute
from mobility.foundation.languages import name_in

register = template.Library()


def _pair(ru: str, other: str, second: str, stacked: bool):
    if not other or other == ru:
        return format_html("{}", ru)
    css = "tr stacked" if stacked else "tr"
    return format_html('{}<span class="{}" lang="{}">{}</span>', ru, css, lang_attribute(second), other)


@register.simple_tag(takes_context=True)
def both(context, text, stacked=False):
    """A translatable text (a lazy gettext string) in Russian, then in the second language (smaller, after a
    separator or on its own line when ``stacked``); once when the two are the same."""
    second = context.get("second_language", OFFICE_LANGUAGE)
    with override(OFFICE_LANGUAGE):
        ru = str(text)
    with override(second):
        other = str(text)
    return _pair(ru, other, second, stacked)


@register.simple_tag(takes_context=True)
def both_names(context, obj, field="name", stacked=False):
    """An object's ``<field>_ru`` / ``_en`` / ``_zh`` in Russian, then in the second language (each with the usual
    fallbacks, ``mobility.foundation.languages``)."""
    second = context.get("second_language", OFFICE_LANGUAGE)
    return _pair(name_in(obj, OFFICE_LANGUAGE, field=field), name_in(obj, second, field=field), second, stacked)


@register.simple_tag(takes_context=True)
def in_second(context, text, stacked=True):
    """A translatable text in the second language only, after Russian written otherwise (a status whose Russian
    agrees with the student's sex, ``diplomas.wording.status_ru``); nothing on a Russian-only paper."""
    second = context.get("second_language", OFFICE_LANGUAGE)
    if second == OFFICE_LANGUAGE:
        return ""
    with override(second):
        other = str(text)
    return format_html(
        '<span class="{}" lang="{}">{}</span>', "tr stacked" if stacked else "tr", lang_attribute(second), other
    )
