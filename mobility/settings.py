"""The one settings module.

Every value comes from the environment and has an embedded default that runs without any outside service:
no ``DATABASE_URL`` means a SQLite file in the project folder, no ``CELERY_BROKER_URL`` means Celery tasks run
eagerly in-process. ``DJANGO_DEBUG=1`` is the development switch; without it the process is a production run and
refuses to start without ``DJANGO_SECRET_KEY`` and ``ALLOWED_HOSTS`` (docs/configuration.md lists every variable).
"""

import datetime
from email.utils import parseaddr
from pathlib import Path
from typing import Any

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from mobility.beat_schedule import beat_schedule
from mobility.foundation import embedded, retention
from mobility.foundation.logs import logging_config

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()

DEBUG = env.bool("DJANGO_DEBUG", default=False)

# --- secrets and hosts -------------------------------------------------------------------------------------------
_DEV_SECRET_KEY = "dev-only-not-secret-6f1d0c2a9b8e4f7a8c5d3e1b0a9f8e7d6c5b4a3f2e1d0c9b"
SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=[])
if DEBUG:
    SECRET_KEY = SECRET_KEY or _DEV_SECRET_KEY
    ALLOWED_HOSTS = ALLOWED_HOSTS or ["localhost", "127.0.0.1", "[::1]"]
else:
    _missing = [
        name
        for name, value in (
            ("DJANGO_SECRET_KEY", SECRET_KEY),
            ("ALLOWED_HOSTS", ALLOWED_HOSTS),
        )
        if not value
    ]
    if _missing:
        raise ImproperlyConfigured(
            f"Production mode (DJANGO_DEBUG unset) needs {' and '.join(_missing)}. "
            "Set them, or set DJANGO_DEBUG=1 for a local development run."
        )
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
# The proxies in front of the app whose X-Forwarded-For is believed, from the client's side to the one that connects
# to gunicorn (addresses, CIDR networks or prefixes): 127.0.0.1 behind nginx on the same machine. Empty: the client
# is REMOTE_ADDR and X-Forwarded-For is ignored (mobility/foundation/network.py).
TRUSTED_PROXIES = env.list("TRUSTED_PROXIES", default=[])

# --- applications ------------------------------------------------------------------------------------------------
INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework_api_key",
    "django_filters",
    "axes",
    *("django_otp", "django_otp.plugins.otp_totp", "django_otp.plugins.otp_static"),  # two-factor sign-in
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "mobility",
    "programs",
    "students",
    "diplomas",
]

MIDDLEWARE = [
    # First: every response (redirects, static files, errors) carries X-Request-ID, every log line its id.
    "mobility.foundation.request_id.RequestIdMiddleware",
    # Every answer under /api/ is JSON in the API's error shape, also Django's own 400/403/404/500 pages
    # (mobility/foundation/api_errors.py); a body over DATA_UPLOAD_MAX_MEMORY_SIZE is a 413 there before it is read.
    "mobility.foundation.api_errors.ApiErrorsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Static files (STATIC_ROOT) served by the app itself, before sessions and the rest have any work to do.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",  # Content-Security-Policy on every response (CONTENT_SECURITY_POLICY below)
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "mobility.foundation.two_factor.middleware.OTPMiddleware",  # request.user.is_verified(): django-otp's, cheaper
    "django.contrib.messages.middleware.MessageMiddleware",
    "mobility.foundation.two_factor.middleware.TwoFactorMiddleware",  # no page before the code (or the set-up)
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "mobility.urls"
WSGI_APPLICATION = "mobility.wsgi.application"
ASGI_APPLICATION = "mobility.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "mobility.views.staff_navigation",
                "mobility.foundation.notifications.views.unread_notifications",
            ],
        },
    },
]

# --- database ----------------------------------------------------------------------------------------------------
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60 if not DEBUG else 0)
DATABASES["default"]["ATOMIC_REQUESTS"] = False
# SQLite shared by processes (embedded.py); the test database in a file a worker can open with DATABASE_TEST_NAME.
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = embedded.sqlite_options(DATABASES["default"].get("OPTIONS", {}))
    DATABASES["default"]["TEST"] = {"NAME": env.str("DATABASE_TEST_NAME", default="") or None}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- auth --------------------------------------------------------------------------------------------------------
_VALIDATORS = ("UserAttributeSimilarity", "MinimumLength", "CommonPassword", "NumericPassword")
AUTH_PASSWORD_VALIDATORS = [{"NAME": f"django.contrib.auth.password_validation.{v}Validator"} for v in _VALIDATORS]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "login"
# django-axes checks every login against the failures recorded in the database before the password is checked.
# The user name or the e-mail address in any case logs in (mobility.foundation.logins: an address two users share
# logs nobody in); axes counts an address's attempts under its user name, so both share one count.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    # Permissions only, with the groups in one query (foundation.access._access_load); ModelBackend logs people in.
    "mobility.foundation.access.PermissionsBackend",
    "django.contrib.auth.backends.ModelBackend",
    "mobility.foundation.logins.EmailBackend",
]
AXES_USERNAME_CALLABLE = "mobility.foundation.logins.login_username"
# The client's address as every per-client limit sees it (the lockout, the verification page's rate limit, the API's
# throttle): REMOTE_ADDR, or behind TRUSTED_PROXIES the address they forwarded (mobility/foundation/network.py).
AXES_CLIENT_IP_CALLABLE = "mobility.foundation.network.client_ip"
# Lockout: this many failures for one user name from one address refuse the pair for the cool-off time.
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = datetime.timedelta(minutes=env.int("LOGIN_LOCKOUT_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
# Every failed attempt kept too (at most 1,000 a user name), so the office can see who tried, from where and when.
AXES_ENABLE_ACCESS_FAILURE_LOG = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False
AXES_SENSITIVE_PARAMETERS = ["username", "ip_address", "token"]  # a wrong two-factor code is a failure, not logged
OTP_TOTP_ISSUER = env.str("OTP_TOTP_ISSUER", default="STANKIN mobility")  # the name authenticator apps show
# Invitations (students and the partnership's people): the one-time link to set a password is valid this many days
# (a password reset link follows PASSWORD_RESET_TIMEOUT, Django's default of three days).
STUDENT_INVITATION_DAYS = env.int("STUDENT_INVITATION_DAYS", default=14)
# Weeks without a module result that flag an enrolled student at risk (students.progress.enrollments_at_risk).
AT_RISK_WEEKS_WITHOUT_RESULT = env.int("AT_RISK_WEEKS_WITHOUT_RESULT", default=4)
RETENTION = retention.retention_schedule(env)  # months after the studies end, per category of personal data
# The site's public address, for the absolute links in e-mails to students (invitations, notifications). Falls back
# to MOBILITY_PUBLIC_URL, the base of the diplomas' QR links, so a deployment sets one address for both.
SITE_URL = env.str("SITE_URL", default=env.str("MOBILITY_PUBLIC_URL", default="http://127.0.0.1:8000"))

# --- languages ---------------------------------------------------------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [("ru", _("Russian")), ("en", _("English")), ("zh-hans", _("Simplified Chinese"))]
# Our catalogs (locale/ru, locale/zh_Hans; *.mo are built by ./dev setup and ./dev test, never committed).
LOCALE_PATHS = [BASE_DIR / "locale"]
# Dates and numbers follow the page's language (Django's formats: ru 24.11.2026 and 1,5; zh 2026年11月24日), except
# English short dates, which are ISO (2026-11-24) rather than Django's American m/d/Y (mobility/formats/en).
# No thousand separator: the numbers shown are small counts, years, scores and codes, which grouping would only
# disturb ("2 025"); decimals still get the language's decimal mark.
FORMAT_MODULE_PATH = "mobility.formats"
USE_THOUSAND_SEPARATOR = False
# The language switcher's choice is remembered for a year (the cookie), a student's and a member's on their record.
LANGUAGE_COOKIE_AGE = 365 * 24 * 60 * 60
LANGUAGE_COOKIE_SECURE = not DEBUG
LANGUAGE_COOKIE_SAMESITE = "Lax"
TIME_ZONE = env.str("TIME_ZONE", default="Europe/Moscow")
USE_I18N = True
USE_TZ = True

# --- files -------------------------------------------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "static"]
# Uploaded and generated files (signed agreements, diploma PDFs) are private: there is no MEDIA_URL route, they
# are served only through views that check who asks.
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "media")
MEDIA_URL = "/media/"
# Where those files live (docs/scaling.md): "local" is MEDIA_ROOT, for one machine (or a file system mounted by every
# machine); "s3" is an S3-compatible bucket (AWS, MinIO, Yandex Object Storage…) through django-storages, for web
# servers and workers on several machines. boto3 is needed only then (requirements-s3.lock, the runtime set with it).
# Its credentials are boto3's own (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY in the environment, or the machine's
# role), never a setting here. Files are private (no public ACL, signed URLs) and never overwritten: a name in use
# gets a suffix, as on the local file system.
FILE_STORAGE = env.str("FILE_STORAGE", default="local")
_default_storage: dict[str, Any]
if FILE_STORAGE == "local":
    _default_storage = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
elif FILE_STORAGE == "s3":
    _bucket = env.str("AWS_STORAGE_BUCKET_NAME", default="")
    if not _bucket:
        raise ImproperlyConfigured("FILE_STORAGE=s3 needs AWS_STORAGE_BUCKET_NAME.")
    _default_storage = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": _bucket,
            "endpoint_url": env.str("AWS_S3_ENDPOINT_URL", default="") or None,
            "region_name": env.str("AWS_S3_REGION_NAME", default="") or None,
            "location": env.str("AWS_LOCATION", default=""),
            "default_acl": None,
            "querystring_auth": True,
            "file_overwrite": False,
        },
    }
else:
    raise ImproperlyConfigured(f"FILE_STORAGE is {FILE_STORAGE!r}: use local or s3.")
STORAGES = {
    "default": _default_storage,
    # Production: collectstatic writes hashed names (a manifest) with .gz and .br copies, and WhiteNoise serves them
    # with a ten-year Cache-Control; development and tests keep the plain storage (no collectstatic needed).
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
# WhiteNoise: in development (and tests) static files are found where they lie, on each request; in production it
# serves STATIC_ROOT, scanned once at start.
WHITENOISE_USE_FINDERS = DEBUG
WHITENOISE_AUTOREFRESH = DEBUG
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

# --- e-mail ------------------------------------------------------------------------------------------------------
# Development prints e-mails to the console. Production has no default and refuses the console backend: it would write
# every password-reset and invitation link, with its token, into the logs.
_CONSOLE_EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
EMAIL_BACKEND = env.str("EMAIL_BACKEND", default=_CONSOLE_EMAIL_BACKEND if DEBUG else "")
if not DEBUG and EMAIL_BACKEND in ("", _CONSOLE_EMAIL_BACKEND):
    raise ImproperlyConfigured(
        "Production mode (DJANGO_DEBUG unset) needs EMAIL_BACKEND set to a backend that sends mail, such as "
        "django.core.mail.backends.smtp.EmailBackend"
        + (
            ": the console backend would write password-reset and invitation links, with their tokens, to the logs."
            if EMAIL_BACKEND
            else "."
        )
    )
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="International Office <mobility@localhost>")
# The international office as students reach it (the portal's footer); the address defaults to the sender's.
OFFICE_EMAIL = env.str("OFFICE_EMAIL", default=parseaddr(DEFAULT_FROM_EMAIL)[1])
OFFICE_PHONE = env.str("OFFICE_PHONE", default="")
# SMTP, for EMAIL_BACKEND=django.core.mail.backends.smtp.EmailBackend in production.
EMAIL_HOST = env.str("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
EMAIL_USE_SSL = env.bool("EMAIL_USE_SSL", default=False)
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=20)

# --- cache -------------------------------------------------------------------------------------------------------
# The rate limits (API keys, the public verification page) count in this cache. The default is per process; with
# several processes (gunicorn workers, machines) set CACHE_URL to Redis (redis://127.0.0.1:6379/1) so that every
# process counts together.
CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://")}

# --- Celery ------------------------------------------------------------------------------------------------------
# No broker: tasks run in-process (unit tests). filesystem://: the demo's embedded broker, no server (decision 0020).
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_BROKER_FOLDER = Path(env.str("CELERY_BROKER_FOLDER", default=str(BASE_DIR / "var" / "celery-broker")))
EMBEDDED_BROKER = embedded.is_embedded_broker(CELERY_BROKER_URL)
if EMBEDDED_BROKER and not DEBUG:
    raise ImproperlyConfigured(embedded.EMBEDDED_BROKER_REFUSED)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_RESULT_BACKEND = env.str("CELERY_RESULT_BACKEND", default="") or None
CELERY_TASK_IGNORE_RESULT = True
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=60)
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=90)
CELERY_TASK_DEFAULT_QUEUE = env.str("CELERY_TASK_DEFAULT_QUEUE", default="mobility")
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A broker that is down never ends a worker or beat: they keep reconnecting (every 2 s, backing off to 30 s) until it
# is back. A publish fails fast instead of hanging: 2 s to connect (AMQP: the timeout; Redis: socket_connect_timeout),
# 5 s for an answer (above the Redis transport's 1 s BRPOP), and two quick retries. Requests never publish directly:
# they go through the outbox (mobility/foundation/outbox.py, decision 0017).
CELERY_BROKER_CONNECTION_MAX_RETRIES = None
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.5, "interval_max": 1}
# A task left unacknowledged by a dead worker comes back after this many seconds (Redis transport).
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=3600),
    "socket_connect_timeout": 2,
    "socket_timeout": 5,
}
if EMBEDDED_BROKER:
    CELERY_BROKER_TRANSPORT_OPTIONS |= embedded.embedded_broker_options(CELERY_BROKER_FOLDER)
# The outbox: seconds a web request or task waits at most for the broker when it hands over the tasks its
# transaction wrote (then they wait for the relay); seconds a process then leaves new tasks to the relay; seconds
# between two relay runs (Celery beat): a task the broker missed is sent within about this long after it is back.
OUTBOX_PUBLISH_TIMEOUT = env.float("OUTBOX_PUBLISH_TIMEOUT", default=1.0)
OUTBOX_BACKOFF_SECONDS = env.float("OUTBOX_BACKOFF_SECONDS", default=10.0)
OUTBOX_RELAY_SECONDS = env.int("OUTBOX_RELAY_SECONDS", default=20)
CELERY_TIMEZONE = TIME_ZONE
STAFF_DIGEST_HOUR = env.int("STAFF_DIGEST_HOUR", default=7)  # hour (TIME_ZONE) of the staff's daily digest
CELERY_BEAT_SCHEDULE = beat_schedule(outbox_relay_seconds=OUTBOX_RELAY_SECONDS, staff_digest_hour=STAFF_DIGEST_HOUR)

# --- REST framework (the partner API, docs/api.md) ----------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "mobility.foundation.api.APIKeyAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["mobility.foundation.api.ApiAccess"],
    "DEFAULT_THROTTLE_CLASSES": ["mobility.foundation.api.ApiRateThrottle"],
    "DEFAULT_PAGINATION_CLASS": "mobility.foundation.api_lists.ApiPagination",
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_SCHEMA_CLASS": "mobility.foundation.api_schema.ApiAutoSchema",
    "EXCEPTION_HANDLER": "mobility.foundation.api.exception_handler",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"]
    + (["rest_framework.renderers.BrowsableAPIRenderer"] if DEBUG else []),
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
    # JSON bodies only (no endpoint takes a file): the schema then declares application/json alone.
    "DEFAULT_PARSER_CLASSES": ["mobility.foundation.api.ApiJSONParser"],
    "DEFAULT_CONTENT_NEGOTIATION_CLASS": "mobility.foundation.api.ApiContentNegotiation",
}
# Requests per API key (or staff user) and period (second, minute, hour, day); beyond it 429 with Retry-After.
API_RATE_LIMIT = env.str("API_RATE_LIMIT", default="1200/minute")
SPECTACULAR_SETTINGS = {
    "TITLE": "MSTU STANKIN academic mobility: partner API",
    "DESCRIPTION": (
        "Partner colleges' systems nominate students, apply them to cohorts, follow their progress and fetch their "
        'diplomas. Authenticate with "Authorization: Api-Key <key>". Every error has the shape '
        '{"code", "message", "fields", "details"}. Guide: docs/api.md.'
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    # The schema and its Swagger UI are public (they hold no data); Swagger UI's files come from the
    # drf-spectacular-sidecar package through our static files, never from a CDN.
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {
        "EnrollmentStatusEnum": "students.models.Enrollment.Status",
        "DiplomaStatusEnum": "diplomas.models.Diploma.Status",
        "WebhookEventEnum": "mobility.foundation.models.WebhookEndpoint.Event",
    },
}

# --- the program -------------------------------------------------------------------------------------------------
# Code of the host institution (MSTU "STANKIN") among programs.Institution rows.
MOBILITY_HOST_CODE = env.str("MOBILITY_HOST_CODE", default="STANKIN")
# Public base URL used in links that leave the site (QR codes, e-mails).
MOBILITY_PUBLIC_URL = env.str("MOBILITY_PUBLIC_URL", default="http://127.0.0.1:8000")
# Numbers of diplomas, certificates of study and transcripts: "{year}" and "{seq}" (each its own yearly sequence).
DIPLOMA_NUMBER_FORMAT = env.str("DIPLOMA_NUMBER_FORMAT", default="STK-IAM-{year}-{seq:06d}")
CERTIFICATE_NUMBER_FORMAT = env.str("CERTIFICATE_NUMBER_FORMAT", default="STK-IAM-S-{year}-{seq:05d}")
TRANSCRIPT_NUMBER_FORMAT = env.str("TRANSCRIPT_NUMBER_FORMAT", default="STK-IAM-T-{year}-{seq:06d}")

# --- diplomas ----------------------------------------------------------------------------------------------------
# Who signs the diploma and the papers, and the diploma's wording, are in the database (diplomas.designs).
# The institution's signing key and certificate (PEM). Missing files are generated (a self-signed ECDSA P-256 pair)
# on first use only when DIPLOMA_SIGNING_DEMO is on, which it is by default with DJANGO_DEBUG=1 and never otherwise.
DIPLOMA_SIGNING_KEY = env.path("DIPLOMA_SIGNING_KEY", default=BASE_DIR / "var" / "signing" / "diploma-key.pem")
DIPLOMA_SIGNING_CERT = env.path("DIPLOMA_SIGNING_CERT", default=BASE_DIR / "var" / "signing" / "diploma-cert.pem")
DIPLOMA_SIGNING_KEY_PASSPHRASE = env.str("DIPLOMA_SIGNING_KEY_PASSPHRASE", default="")
DIPLOMA_SIGNING_DEMO = env.bool("DIPLOMA_SIGNING_DEMO", default=DEBUG)
# The credentials' Ed25519 key (PEM; generated for the demo like the pair above) and their issuer, by default the
# did:web of MOBILITY_PUBLIC_URL, whose DID document the app serves (diplomas/credentials, docs/credentials.md).
CREDENTIAL_SIGNING_KEY = env.path("CREDENTIAL_SIGNING_KEY", default=BASE_DIR / "var" / "signing" / "credential-key.pem")
CREDENTIAL_ISSUER_DID = env.str("CREDENTIAL_ISSUER_DID", default="")
# PDF/A flavour WeasyPrint writes (an archival format; "pdf/a-3b" allows the signature's incremental update).
DIPLOMA_PDF_VARIANT = env.str("DIPLOMA_PDF_VARIANT", default="pdf/a-3b")
# Where the compact diploma font (diplomas/fonts.py, built from Noto Sans CJK SC at setup) is cached.
DIPLOMA_FONT_DIR = env.path("DIPLOMA_FONT_DIR", default=BASE_DIR / "var" / "fonts")
# Issuing: unexpected render errors are retried this many times with exponential backoff (base seconds), then the
# diploma is "failed"; a diploma run this many times in all (killed workers included) is failed too.
DIPLOMA_RENDER_MAX_RETRIES = env.int("DIPLOMA_RENDER_MAX_RETRIES", default=5)
DIPLOMA_RENDER_RETRY_BACKOFF = env.int("DIPLOMA_RENDER_RETRY_BACKOFF", default=2)
DIPLOMA_MAX_ATTEMPTS = env.int("DIPLOMA_MAX_ATTEMPTS", default=8)
# The sweeper re-sends diplomas left in "requested" or "rendering" for longer than this.
DIPLOMA_STUCK_AFTER_SECONDS = env.int("DIPLOMA_STUCK_AFTER_SECONDS", default=10 * 60)
# Requests per minute and client address to the public verification page (429 beyond; django-ratelimit counts in the
# default cache: a shared one, CACHE_URL, when several processes serve the site; docs/deployment.md).
DIPLOMA_VERIFY_RATE_LIMIT = env.int("DIPLOMA_VERIFY_RATE_LIMIT", default=30)
# Name checks on the verification page per address, django-ratelimit's count/period: few, so initials are not guessed.
DIPLOMA_NAME_CHECK_RATE_LIMIT = env.str("DIPLOMA_NAME_CHECK_RATE_LIMIT", default="10/h")

# --- security -----------------------------------------------------------------------------------------------------
# docs/security.md explains each header and how templates stay within the policy. Cookies: the session's is
# HttpOnly, and every cookie is Secure in production and SameSite=Lax (sent on top-level links from outside, so a
# student following an invitation e-mail arrives logged in; never on cross-site POSTs). No script reads a cookie
# (htmx takes the CSRF token from the form's hidden input), so the CSRF and language cookies are HttpOnly too.
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = not DEBUG
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Lax"
# A form refused for its token gets the site's page, in the visitor's layout and language.
CSRF_FAILURE_VIEW = "mobility.foundation.errors.csrf_failure"
LANGUAGE_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
# Load balancers and container health checks probe /healthz over plain HTTP inside the network.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=not DEBUG)
if env.bool("SECURE_PROXY_SSL_HEADER", default=False):
    # Behind a proxy that terminates TLS and sets X-Forwarded-Proto.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Content Security Policy (django-csp 4), in development too so that a violation shows while the page is written:
# scripts, styles, fonts and fetches only from this site; no inline script or style, no eval, no nonce; images also
# as data: URLs (Bootstrap's icons, Swagger UI); no plugins; no framing. Scripts may still set styles through the
# CSSOM (element.style: Bootstrap, Chart.js, htmx's swaps), which the policy does not restrict.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}
# Uploads (checked by their content, whatever their name: docs/security.md): the largest PDF (a signed agreement, a
# diploma checked on the verification page) and the largest roster or gradebook (CSV, XLSX), in megabytes.
UPLOAD_MAX_PDF_MB = env.int("UPLOAD_MAX_PDF_MB", default=20)
UPLOAD_MAX_TABLE_MB = env.int("UPLOAD_MAX_TABLE_MB", default=10)
# A cohort's results grid posts one field per student and module (60 students x 20 modules is 1,200), over Django's
# default of 1,000 fields a request, which would answer 400; the body stays bounded by DATA_UPLOAD_MAX_MEMORY_SIZE.
DATA_UPLOAD_MAX_NUMBER_FIELDS = 10_000

# --- logging -----------------------------------------------------------------------------------------------------
# One line per record on stderr, with the id of the request (X-Request-ID) or Celery task it belongs to: JSON objects
# in production, plain text in development (mobility/foundation/logs.py; gunicorn.conf.py uses the same configuration).
LOG_FORMAT = env.str("LOG_FORMAT", default="plain" if DEBUG else "json")
LOGGING = logging_config(fmt=LOG_FORMAT, level=env.str("LOG_LEVEL", default="INFO"))

# --- webhooks ----------------------------------------------------------------------------------------------------
# Deliveries to partners' endpoints (mobility.foundation.webhooks, docs/webhooks.md): seconds to connect and to wait
# for the answer; retries after a failed attempt with exponential backoff (base seconds, doubling, capped: keep the
# cap well under CELERY_VISIBILITY_TIMEOUT, or Redis hands out a waiting retry twice), then the delivery is "failed".
WEBHOOK_TIMEOUT = env.float("WEBHOOK_TIMEOUT", default=5.0)
WEBHOOK_MAX_RETRIES = env.int("WEBHOOK_MAX_RETRIES", default=8)
WEBHOOK_RETRY_BACKOFF = env.int("WEBHOOK_RETRY_BACKOFF", default=10)
WEBHOOK_RETRY_BACKOFF_MAX = env.int("WEBHOOK_RETRY_BACKOFF_MAX", default=600)
# The sweeper re-sends a pending delivery whose next attempt (by the backoff) is overdue by this many seconds.
WEBHOOK_STUCK_AFTER_SECONDS = env.int("WEBHOOK_STUCK_AFTER_SECONDS", default=120)
# Endpoints on loopback, private or link-local addresses are refused unless this is on (on with DJANGO_DEBUG=1).
WEBHOOK_ALLOW_PRIVATE_URLS = env.bool("WEBHOOK_ALLOW_PRIVATE_URLS", default=DEBUG)
