"""fediama settings: one module, driven by environment variables (see README, "Configuration")."""

import os
from pathlib import Path

import dj_database_url

from . import env

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / env.text("FEDIAMA_VAR_DIR", "var")  # relative paths are taken from the checkout

DEBUG = env.flag("DEBUG", False)
FEDIAMA_DOMAIN = env.text("FEDIAMA_DOMAIN", "127.0.0.1:" + env.text("PORT", "8000")).lower()
FEDIAMA_SCHEME = env.text("FEDIAMA_SCHEME", "http" if DEBUG else "https").lower()
FEDIAMA_ALLOW_PRIVATE_ADDRESSES = env.flag("FEDIAMA_ALLOW_PRIVATE_ADDRESSES", False)
FEDIAMA_VERSION = "0.1.0"
_secret_from_env = env.text("SECRET_KEY")

env.refuse_insecure(env.insecure_production_problems(
    debug=DEBUG, secret_key_set=bool(_secret_from_env), scheme=FEDIAMA_SCHEME,
    allow_private=FEDIAMA_ALLOW_PRIVATE_ADDRESSES,
))

SECRET_KEY = _secret_from_env or env.local_secret_key(VAR_DIR)
_domain_host = FEDIAMA_DOMAIN.split(":")[0]
ALLOWED_HOSTS = [_domain_host, "localhost", "127.0.0.1", "[::1]"] + [
    h for h in env.text("FEDIAMA_EXTRA_HOSTS").split(",") if h
]
CSRF_TRUSTED_ORIGINS = [f"{FEDIAMA_SCHEME}://{FEDIAMA_DOMAIN}"]
if FEDIAMA_SCHEME == "https" and not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Redoc for /api/docs/ served from our own static files
    "federation",
    "ama",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

# Content-Security-Policy on every response (django-csp): no inline script or style anywhere, nothing framed, no
# plugins. Two views widen their own policy: /api/docs/ (ama/api_urls.py) and the AMA page's form-action, because the
# "ask from your own account" box redirects to the visitor's server (ama/views/public.py).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    },
}

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
            ],
        },
    },
]

VAR_DIR.mkdir(parents=True, exist_ok=True)
DATABASE_URL = env.text("DATABASE_URL")
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": VAR_DIR / "fediama.sqlite3",
            "OPTIONS": {
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
            },
            "TEST": {"NAME": str(VAR_DIR / "test.sqlite3")},
            "CONN_MAX_AGE": 600,
        }
    }
DATABASE_IS_SQLITE = DATABASES["default"]["ENGINE"].endswith("sqlite3")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
]
LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/dashboard/"
LOGOUT_REDIRECT_URL = "/"

LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("fr", "Français")]
LOCALE_PATHS = [BASE_DIR / "ama" / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
WHITENOISE_USE_FINDERS = True  # serve app static files without collectstatic in the embedded default

# Celery: ids travel through the broker, the database rows are the truth.
REDIS_URL = env.text("REDIS_URL")
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 600}
else:
    _broker_dir = VAR_DIR / "broker"
    for _sub in ("out", "processed", "control"):
        (_broker_dir / _sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_URL = "fediamafs://"  # kombu's filesystem transport, atomic writes (config/broker.py)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "out"),
        "data_folder_out": str(_broker_dir / "out"),
        "data_folder_processed": str(_broker_dir / "processed"),
        "store_processed": False,
        "control_folder": str(_broker_dir / "control"),
    }
CELERY_TASK_ALWAYS_EAGER = env.flag("FEDIAMA_TASKS_EAGER", False)

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "rest_framework.authentication.TokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticatedOrReadOnly"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.LimitOffsetPagination",
    "PAGE_SIZE": 50,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "fediama API",
    "DESCRIPTION": "AMAs, questions, answers and votes. Anonymous users read approved content only.",
    "VERSION": FEDIAMA_VERSION,
    "REDOC_DIST": "SIDECAR",  # no CDN: the page would be blank offline and would tell a third party who reads it
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.text("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# Federation limits (DESIGN.md §5).
FEDIAMA_MAX_BODY_BYTES = 1024 * 1024
FEDIAMA_FETCH_TIMEOUT = float(os.environ.get("FEDIAMA_FETCH_TIMEOUT", "10"))
FEDIAMA_INBOX_KEY_FETCHES = max(1, int(os.environ.get("FEDIAMA_INBOX_KEY_FETCHES", "1")))  # per web process
FEDIAMA_DELIVERY_TIMEOUT = float(os.environ.get("FEDIAMA_DELIVERY_TIMEOUT", "10"))
FEDIAMA_DELIVERY_RETENTION_DAYS = int(os.environ.get("FEDIAMA_DELIVERY_RETENTION_DAYS", "7"))
FEDIAMA_INBOX_RETENTION_DAYS = int(os.environ.get("FEDIAMA_INBOX_RETENTION_DAYS", "30"))
FEDIAMA_DOMAIN_CONCURRENCY = int(os.environ.get("FEDIAMA_DOMAIN_CONCURRENCY", "4"))
# Seconds a queued delivery waits for its Celery message before the sweeper sends another one.
FEDIAMA_REQUEUE_AFTER = float(os.environ.get("FEDIAMA_REQUEUE_AFTER", "120"))
# Seconds a claimed delivery stays leased to its worker beyond the request deadline (a dead worker's
# rows return to the sweeper after FEDIAMA_DELIVERY_TIMEOUT * 2 + this).
FEDIAMA_DELIVERY_LEASE_GRACE = float(os.environ.get("FEDIAMA_DELIVERY_LEASE_GRACE", "30"))
