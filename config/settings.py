"""fediama settings: one module, driven by environment variables (see README, "Configuration")."""

from datetime import timedelta
from pathlib import Path

import dj_database_url

from . import env

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = env.var_dir(BASE_DIR)

DEBUG = env.flag("DEBUG", False)
FEDIAMA_DOMAIN = env.text("FEDIAMA_DOMAIN", "127.0.0.1:" + env.text("PORT", "8000")).lower()
FEDIAMA_DOMAIN_GIVEN = bool(env.text("FEDIAMA_DOMAIN") or env.text("PORT"))  # else a guess: commands refuse it
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
    "axes",  # login brute-force protection (ama/login_lockout.py)
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
    "axes.middleware.AxesMiddleware",  # last: turns a locked-out login into the lockout page
]

# Content-Security-Policy on every response (django-csp): no inline script or style anywhere, nothing framed, no
# plugins. Two views widen their own policy: /api/docs/ (ama/api/urls.py) and the AMA page's form-action, because the
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
    # Health checks: a kept connection the server dropped (a restart) is replaced before a request uses it, not a 500
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60, conn_health_checks=True)}
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
            "CONN_HEALTH_CHECKS": True,
        }
    }
DATABASE_IS_SQLITE = DATABASES["default"]["ENGINE"].endswith("sqlite3")
# Processes of the inbox worker (the Procfile's and compose's `inbox`, which pass no -c; a worker given -c, as the
# deliveries' is, keeps its own): its work is CPU, so one per core on PostgreSQL. On SQLite one: the database lets
# one process write at a time, so a second only waits for the lock and takes CPU from the web (bench/inbox.py,
# a burst of Likes and replies: 791-1,159 processed/s with one, 725-1,031/s with two, while the web accepted
# 1,334-1,981/s beside one and 804-1,370/s beside two).
CELERY_WORKER_CONCURRENCY = env.integer("FEDIAMA_INBOX_PROCESSES", 1 if DATABASE_IS_SQLITE else 2, minimum=1)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
]
AUTHENTICATION_BACKENDS = [
    "ama.login_lockout.LoginLockoutBackend",  # axes' lockout check first: a locked-out login never reaches a password
    "django.contrib.auth.backends.ModelBackend",
]
# Login brute-force protection (django-axes, ama/login_lockout.py): per account from one address, and per address.
AXES_FAILURE_LIMIT = env.integer("FEDIAMA_LOGIN_FAILURES", 5)
FEDIAMA_LOGIN_FAILURES_PER_ADDRESS = env.integer("FEDIAMA_LOGIN_FAILURES_PER_ADDRESS", 20)
AXES_COOLOFF_TIME = timedelta(minutes=env.integer("FEDIAMA_LOGIN_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_HANDLER = "ama.login_lockout.AccountAndAddressHandler"
AXES_LOCKOUT_CALLABLE = "ama.login_lockout.lockout_response"
AXES_HTTP_RESPONSE_CODE = 429
AXES_VERBOSE = False  # no banner at every start; its log lines name what a lockout counts (account, address)
AXES_SENSITIVE_PARAMETERS: list[str] = []  # the lockout log line names the account and address (never the password)
# Behind FEDIAMA_PROXY_COUNT proxies the client's address is the one they append to X-Forwarded-For (else REMOTE_ADDR).
FEDIAMA_PROXY_COUNT = env.integer("FEDIAMA_PROXY_COUNT", 0)
if FEDIAMA_PROXY_COUNT:
    AXES_IPWARE_META_PRECEDENCE_ORDER = ("HTTP_X_FORWARDED_FOR", "REMOTE_ADDR")
    AXES_IPWARE_PROXY_ORDER = "right-most"
    AXES_IPWARE_PROXY_COUNT = FEDIAMA_PROXY_COUNT
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
WHITENOISE_ROOT = BASE_DIR / "config" / "root"  # files served at the site's root: /favicon.ico, which browsers ask
# for on every site whatever the page links
# Files the server writes: avatars' thumbnails (federation.avatars), served by us at /media/avatars/ with a year's
# immutable cache (their names carry their content's digest).
MEDIA_URL = "/media/"
MEDIA_ROOT = VAR_DIR / "media"

# Counters every web and worker process shares (the failed-token throttle, the live votes' "flush scheduled"
# keys): Redis when REDIS_URL is set, else files in var/.
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "throttle": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": env.text("REDIS_URL"),
                 "KEY_PREFIX": "fediama-throttle"} if env.text("REDIS_URL") else
                {"BACKEND": "django.core.cache.backends.filebased.FileBasedCache", "LOCATION": VAR_DIR / "throttle"},
    # Rendered anonymous AMA pages (ama/views/caching.py), keyed by AMA version: a new version is a new key, the
    # timeout only collects garbage. Redis when REDIS_URL is set: every web process on every machine shares it;
    # its keys carry their own prefix beside the Celery broker's (never clear() it: that flushes the broker's
    # database). Else files in var/pages: shared by gunicorn's processes (local memory would render each page
    # once per process) and kept across restarts; renders past MAX_ENTRIES are culled.
    "pages": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": env.text("REDIS_URL"),
              "KEY_PREFIX": "fediama-pages", "TIMEOUT": 600} if env.text("REDIS_URL") else
             {"BACKEND": "django.core.cache.backends.filebased.FileBasedCache", "LOCATION": VAR_DIR / "pages",
              "TIMEOUT": 600, "OPTIONS": {"MAX_ENTRIES": 2000}},
}

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

# failed `Authorization: Token` attempts per client address (ama/api/authentication.py); past it, 429
FEDIAMA_TOKEN_FAILURE_RATE = env.text("FEDIAMA_TOKEN_FAILURE_RATE", "30/hour")
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "ama.api.authentication.ThrottledTokenAuthentication",
    ],
    "NUM_PROXIES": FEDIAMA_PROXY_COUNT,  # the client address is never taken from a header a client can write
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
FEDIAMA_MAX_BODY_BYTES = 1024 * 1024  # inbox POSTs and fetched documents alike
FEDIAMA_FETCH_TIMEOUT = env.number("FEDIAMA_FETCH_TIMEOUT", 10, minimum=0.1)
FEDIAMA_INBOX_KEY_FETCHES = env.integer("FEDIAMA_INBOX_KEY_FETCHES", 1, minimum=1)  # per web process
FEDIAMA_DELIVERY_TIMEOUT = env.number("FEDIAMA_DELIVERY_TIMEOUT", 10, minimum=0.1)
FEDIAMA_DELIVERY_RETENTION_DAYS = env.integer("FEDIAMA_DELIVERY_RETENTION_DAYS", 7, minimum=0)
FEDIAMA_INBOX_RETENTION_DAYS = env.integer("FEDIAMA_INBOX_RETENTION_DAYS", 30, minimum=0)
FEDIAMA_DOMAIN_CONCURRENCY = env.integer("FEDIAMA_DOMAIN_CONCURRENCY", 4, minimum=1)
# Seconds a queued delivery waits for its Celery message before the sweeper sends another one.
FEDIAMA_REQUEUE_AFTER = env.number("FEDIAMA_REQUEUE_AFTER", 120, minimum=1)
# Seconds a claimed delivery stays leased to its worker beyond the request deadline (a dead worker's
# rows return to the sweeper after FEDIAMA_DELIVERY_TIMEOUT * 2 + this).
FEDIAMA_DELIVERY_LEASE_GRACE = env.number("FEDIAMA_DELIVERY_LEASE_GRACE", 30, minimum=0)
# Threads per web process for inbox POSTs and, separately, for pages (config/asgi.py).
WEB_THREADS = env.integer("WEB_THREADS", 2, minimum=1)

# Live events (ama/live; README "Live updates"): seconds between the event hub's checks of the events table
# (each web process, one query for all AMAs with viewers; with REDIS_URL pub/sub wakes it and this is a backstop
# at ten times the interval), between heartbeat comments on an open stream, and the vote-event window per
# question; hours an event is kept for reconnecting viewers.
FEDIAMA_LIVE_POLL_INTERVAL = env.number("FEDIAMA_LIVE_POLL_INTERVAL", 0.5, minimum=0.01)
FEDIAMA_LIVE_HEARTBEAT = env.number("FEDIAMA_LIVE_HEARTBEAT", 15, minimum=0.1)
FEDIAMA_LIVE_VOTE_WINDOW = env.number("FEDIAMA_LIVE_VOTE_WINDOW", 1, minimum=0)
FEDIAMA_LIVE_RETENTION_HOURS = env.number("FEDIAMA_LIVE_RETENTION_HOURS", 24, minimum=0)

# Remote tallies (ama/tallies; README "Scores"): requests in flight per origin and per origin per minute, refetch
# threads of a cycle, most rows per cycle, the shortest and longest seconds between refetches of one question,
# how many of a live AMA's questions (by score) get the shortest.
FEDIAMA_TALLY_ORIGIN_CONCURRENCY = env.integer("FEDIAMA_TALLY_ORIGIN_CONCURRENCY", 2, minimum=1)
FEDIAMA_TALLY_ORIGIN_BUDGET = env.integer("FEDIAMA_TALLY_ORIGIN_BUDGET", 60, minimum=1)
FEDIAMA_TALLY_THREADS = env.integer("FEDIAMA_TALLY_THREADS", 16, minimum=1)
FEDIAMA_TALLY_BATCH = env.integer("FEDIAMA_TALLY_BATCH", 5000, minimum=1)
FEDIAMA_TALLY_MIN_INTERVAL = env.integer("FEDIAMA_TALLY_MIN_INTERVAL", 30, minimum=1)
FEDIAMA_TALLY_MAX_INTERVAL = env.integer("FEDIAMA_TALLY_MAX_INTERVAL", 600, minimum=1)
FEDIAMA_TALLY_TOP = env.integer("FEDIAMA_TALLY_TOP", 20, minimum=0)

# Hosts' notifications (ama/services/notifications.py): e-mail where EMAIL_HOST is set (the console in
# development), digests checked every FEDIAMA_NOTIFY_EVERY_MINUTES, each person's default period below.
EMAIL_HOST = env.text("EMAIL_HOST")
EMAIL_PORT = env.integer("EMAIL_PORT", 587, minimum=1)
EMAIL_HOST_USER = env.text("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env.text("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env.flag("EMAIL_USE_TLS", True)
EMAIL_TIMEOUT = 20
DEFAULT_FROM_EMAIL = env.text("DEFAULT_FROM_EMAIL", f"fediama@{FEDIAMA_DOMAIN.split(':')[0]}")
EMAIL_BACKEND = ("django.core.mail.backends.smtp.EmailBackend" if EMAIL_HOST else
                 "django.core.mail.backends.console.EmailBackend" if DEBUG else
                 "django.core.mail.backends.dummy.EmailBackend")
FEDIAMA_NOTIFY_EVERY_MINUTES = env.integer("FEDIAMA_NOTIFY_EVERY_MINUTES", 5, minimum=1)
FEDIAMA_NOTIFY_DIGEST_MINUTES = env.integer("FEDIAMA_NOTIFY_DIGEST_MINUTES", 60, minimum=0)
