"""The language switcher's view: Django's ``set_language``, and for a student the choice kept on their record."""

from django.conf import settings
from django.utils.translation import check_for_language
from django.views.i18n import LANGUAGE_QUERY_PARAMETER
from django.views.i18n import set_language as django_set_language

from students.models import Student


def set_language(request):
    """Set the language cookie (and session) as Django's view does; a logged-in student's choice is also stored on
    ``Student.language``, so that e-mails sent to them later use it. Idempotent."""
    response = django_set_language(request)
    language = request.POST.get(LANGUAGE_QUERY_PARAMETER) if request.method == "POST" else None
    if (
        language
        and request.user.is_authenticated
        and language in dict(settings.LANGUAGES)
        and check_for_language(language)
    ):
        Student.objects.filter(user=request.user).exclude(language=language).update(language=language)
    return response
