"""Settings of 长治县全民技能提升工程管理系统.

Every difference between environments comes from the environment (django-environ), with an
optional `.env` file beside manage.py that real environment variables override. Programme
thresholds are never settings: they live in the policy year (programme.models.PolicyYear).
"""

from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env(
    DEBUG=(bool, False),
    ALLOWED_HOSTS=(list, ["127.0.0.1", "localhost"]),
)
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env("DEBUG")
# The default key is unusable in production on purpose: `check --deploy` flags it.
SECRET_KEY = env("SECRET_KEY", default="django-insecure-local-development-key-do-not-deploy")
ALLOWED_HOSTS = env("ALLOWED_HOSTS")

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"].setdefault("ATOMIC_REQUESTS", False)
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=0)
# With persistent connections, a connection the server dropped (a PostgreSQL restart, a failover)
# is noticed and replaced at the start of the next request instead of failing it.
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Two processes write to the file: the server and the background worker (`make run` starts
    # both). A transaction takes the write lock when it begins and waits for it (up to 20 s), instead
    # of failing with "database is locked" when a read turns into a write while the other writes.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("transaction_mode", "IMMEDIATE")
    DATABASES["default"]["OPTIONS"].setdefault("timeout", 20)
# A streaming replica for reports and public pages (common.routers); optional.
if env("REPLICA_DATABASE_URL", default=""):
    DATABASES["replica"] = env.db("REPLICA_DATABASE_URL")
    DATABASES["replica"]["CONN_MAX_AGE"] = DATABASES["default"]["CONN_MAX_AGE"]
    DATABASES["replica"]["CONN_HEALTH_CHECKS"] = True
DATABASE_ROUTERS = ["common.routers.ReplicaRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

INSTALLED_APPS = [
    "skills_program.apps.AdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "simple_history",
    "import_export",
    "axes",
    "csp",
    # Background jobs (common/jobs.py): the queue is a table of this database, the worker is
    # `manage.py db_worker` (README "Long work in the background").
    "django_tasks",
    "django_tasks_db",
    # The project's apps, from the bottom layer up (docs/architecture.md).
    "common",
    "programme",
    "accounts",
    "trainees",
    "institutions",
    "courses",
    "certification",
    "subsidies",
    "checkin",
    "reporting",
    "portals",
    "tools",
    "skills_program.apps.SkillsProgramConfig",
]

MIDDLEWARE = [
    # Benchmark servers only (QUERY_COUNT_HEADER=true): every response says how many queries it ran.
    "skills_program.middleware.QueryCountHeaderMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Deny by default: every view needs a signed-in user unless it is marked public.
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "accounts.security.SecurityHeadersAndLogMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "csp.middleware.CSPMiddleware",
    # Last, as django-axes requires: locks out repeated login failures.
    "axes.middleware.AxesMiddleware",
]

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Five failures for one username from one address lock that pair for 30 minutes; the same
# username from another address still works.
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = 0.5
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
# Lockouts are read and lifted with `manage.py axes_list_attempts` / `axes_reset_username`.
AXES_ENABLE_ADMIN = False
# Log lines name only the lockout parameters (username and address), not every request attribute.
AXES_VERBOSE = False
# Reverse proxies in front of the application (README "Running it in production": nginx is 1).
# Each appends the address it was reached from to X-Forwarded-For; accounts.security.client_address
# takes the PROXY_COUNT-th address from the right (0: REMOTE_ADDR only, the header is never read),
# and django-axes, the security log and the full-ID view records all use it.
PROXY_COUNT = env.int("PROXY_COUNT", default=0)
AXES_CLIENT_IP_CALLABLE = "accounts.security.client_address"

QUERY_COUNT_HEADER = env.bool("QUERY_COUNT_HEADER", default=False)
# The dashboard and the public page show figures at most this many seconds old (recomputed by
# the first request after, or by `manage.py refresh_figures` from cron so no visitor waits).
FIGURES_MAX_AGE = env.int("FIGURES_MAX_AGE", default=600)
# Stale figures that took longer than this to compute are refreshed by the worker, not by a
# page's request (reporting.dashboard.snapshot).
FIGURES_IN_REQUEST_SECONDS = env.float("FIGURES_IN_REQUEST_SECONDS", default=5.0)

# Long work runs as a job in the background (common/jobs.py), queued in this database and run by
# `manage.py db_worker` (`make run` starts one beside the development server). An import's
# confirmation above IMPORT_BACKGROUND_ROWS data rows, and an export above EXPORT_BACKGROUND_ROWS
# rows, become jobs whose page shows their progress and keeps the result for download; smaller
# ones are answered at once, as before.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
IMPORT_BACKGROUND_ROWS = env.int("IMPORT_BACKGROUND_ROWS", default=2000)
EXPORT_BACKGROUND_ROWS = env.int("EXPORT_BACKGROUND_ROWS", default=5000)

# Counters shared by every application process (the self check-in rate limits, checkin/): the
# database by default (its table is created by checkin's migrations, with an atomic `incr`),
# Redis where CACHE_URL points at one (redis://127.0.0.1:6379/0). Never the per-process memory.
CACHES = {"default": env.cache_url("CACHE_URL", default="dbcache://django_cache")}
if CACHES["default"]["BACKEND"] == "django.core.cache.backends.db.DatabaseCache":
    CACHES["default"]["BACKEND"] = "checkin.cache.DatabaseCache"

ROOT_URLCONF = "skills_program.urls"
WSGI_APPLICATION = "skills_program.wsgi.application"

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
                "skills_program.context_processors.deployment",
            ],
        },
    },
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Chinese first: the interface is Simplified Chinese, dates are Asia/Shanghai.
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文")]
TIME_ZONE = "Asia/Shanghai"
# The deployment's own county (programme.County): every row made where no other county is named
# belongs to it, so a one-county deployment needs nothing else.
COUNTY_CODE = env("COUNTY_CODE", default="140421")
COUNTY_NAME = env("COUNTY_NAME", default="长治县")
COUNTY_CITY_NAME = env("COUNTY_CITY_NAME", default="长治市")
# What the pages call the deployment: the county, or the province when it serves every county.
DEPLOYMENT_NAME = env("DEPLOYMENT_NAME", default=COUNTY_NAME)
USE_I18N = True
USE_TZ = True
LOCALE_PATHS = [BASE_DIR / "locale"]
# Django's zh_Hans input formats cannot parse the dates it displays; ours can.
FORMAT_MODULE_PATH = ["common.formats"]

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = DEBUG
MEDIA_URL = "media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "media")
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

SESSION_COOKIE_AGE = 30 * 60
SESSION_SAVE_EVERY_REQUEST = True
SESSION_COOKIE_HTTPONLY = True
# Cookies go over HTTPS only, except in development and on a local benchmark server over plain
# HTTP (SECURE_COOKIES=false; `check --deploy` then warns, as it should).
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = env.bool("SECURE_COOKIES", default=not DEBUG)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Behind nginx terminating TLS (see README): redirect to HTTPS and ask browsers to stay there.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=False)  # production: true (README)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
# Content-Security-Policy: everything from this site only, no inline scripts (styles may be
# inline: the admin and the charts use style attributes).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    },
}
CSRF_FAILURE_VIEW = "skills_program.views.csrf_failure"

IMPORT_EXPORT_ESCAPE_FORMULAE_ON_EXPORT = True
SIMPLE_HISTORY_HISTORY_CHANGE_REASON_USE_TEXT_FIELD = True
# History is evidence, not an undo button: reverting would step around every state machine.
SIMPLE_HISTORY_REVERT_DISABLED = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"redact_personal_data": {"()": "skills_program.log_filters.RedactPersonalData"},
                "one_line_per_refusal": {"()": "skills_program.log_filters.OneLinePerRefusal"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["redact_personal_data"]}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        # Sign-ins, failures, lockouts and refusals (accounts.security): keep them at INFO or lower.
        "skills_program.security": {"level": "INFO"},
        # django-axes: its warnings (repeated failures, lockouts) only. Its INFO lines, the start-up
        # banner of every process and command and a few lines per sign-in ("Deleted 0 failed login
        # attempts"), repeat what skills_program.security already records once.
        "axes": {"level": "WARNING"},
        # Django's own handler would print these a second time without the filter.
        "django": {"handlers": ["console"], "level": "INFO", "propagate": False},
        # A refused request is one line in the log (the security log's), never a traceback.
        "django.request": {"handlers": ["console"], "level": "INFO", "propagate": False,
                           "filters": ["one_line_per_refusal"]},
        "django.server": {"handlers": ["console"], "level": "INFO", "propagate": False,
                          "filters": ["one_line_per_refusal"]},
    },
}
