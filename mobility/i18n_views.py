"""The language switcher's view: Django's ``set_language``, and for a student or a member of the partnership the
choice kept on their record."""

from django.conf import settings
from django.utils.translation import check_for_language
from django.views.i18n import LANGUAGE_QUERY_PARAMETER
from django.views.i18n import set_language as django_set_language

from mobility.foundation.notifications.services import staff_language_remember
from mobility.foundation.people.services import member_language_default, member_language_remember
from students.models import Student
from students.services.accounts import student_language_remember


def set_language(request):
    """Set the language cookie (and session) as Django's view does; a logged-in student's choice is also stored on
        ``Student.language``, so that e-mails sent to them later use it, and a staff user's on their notification
    preferences, for their digest. Idempotent."""
    response = django_set_language(request)
    language = request.POST.get(LANGUAGE_QUERY_PARAMETER) if request.method == "POST" else None
    if (
        language
        and request.user.is_authenticated
        and language in dict(settings.LANGUAGES)
        and check_for_language(language)
    ):
        student_language_remember(user=request.user, language=language)
        staff_language_remember(user=request.user, language=language)
        member_language_remember(user=request.user, language=language)
    return response


def language_after_login(request, response):
    """A student's or a member's language follows them across devices: on login, a language chosen on this device
    (the cookie) becomes their stored choice; without one, their stored choice is set as this device's cookie. A
    member who never chose opens in their role's language (Chinese for partners and the facilitator)."""
    chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
    chosen = chosen if chosen in dict(settings.LANGUAGES) else None
    student = Student.objects.filter(user=request.user).only("pk", "language").first()
    if student is not None:
        if chosen:
            student_language_remember(user=request.user, language=chosen)
        return _language_cookie_set(response, None if chosen else student.language)
    if chosen:
        member_language_remember(user=request.user, language=chosen)
        return response
    return _language_cookie_set(response, member_language_default(user=request.user))


def _language_cookie_set(response, language: str | None):
    if language:
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            language,
            max_age=settings.LANGUAGE_COOKIE_AGE,
            path=settings.LANGUAGE_COOKIE_PATH,
            domain=settings.LANGUAGE_COOKIE_DOMAIN,
            secure=settings.LANGUAGE_COOKIE_SECURE,
            httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
            samesite=settings.LANGUAGE_COOKIE_SAMESITE,
        )
    return response
