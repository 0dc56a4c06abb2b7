"""Django settings for bangfu, read from BANGFU_* environment variables (docs/configuration.md).

Two modes: ``development`` (the default; `make demo`, tests) keeps everything on the machine with
an embedded SQLite database under the data folder, and ``production`` (set by `bangfu serve`)
refuses to start unless the secret key, hosts and database are given explicitly.
"""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from bangfu.core.env import env_bool, env_choice, env_int, env_list, env_str, env_time_zone

BASE_DIR = Path(__file__).resolve().parent.parent
PACKAGE_DIR = Path(__file__).resolve().parent

ENV = env_choice("BANGFU_ENV", ("development", "production"), "development")
PRODUCTION = ENV == "production"

DATA_DIR = Path(env_str("BANGFU_DATA_DIR") or BASE_DIR / "data").resolve()
if not PRODUCTION:
    DATA_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = env_bool("BANGFU_DEBUG", default=not PRODUCTION)
if PRODUCTION and DEBUG:
    raise ImproperlyConfigured(
        "生产模式下不能开启 BANGFU_DEBUG (BANGFU_DEBUG must be false when BANGFU_ENV=production)"
    )


def _secret_key() -> str:
    key = env_str("BANGFU_SECRET_KEY", required=PRODUCTION)
    if key:
        if PRODUCTION and (len(key) < 50 or len(set(key)) < 5):
            raise ImproperlyConfigured(
                "BANGFU_SECRET_KEY 太短或太简单, 至少 50 个字符 "
                "(BANGFU_SECRET_KEY must be at least 50 random characters)"
            )
        return key
    # Development: one random key per data folder, kept so that sessions survive restarts.
    path = DATA_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(64))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _secret_key()

ALLOWED_HOSTS = env_list(
    "BANGFU_ALLOWED_HOSTS", default=() if PRODUCTION else ("127.0.0.1", "localhost", "[::1]")
)
if PRODUCTION and not ALLOWED_HOSTS:
    raise ImproperlyConfigured(
        "生产模式需要设置 BANGFU_ALLOWED_HOSTS, 例如 bangfu.example.gov.cn "
        "(BANGFU_ALLOWED_HOSTS is required in production)"
    )
CSRF_TRUSTED_ORIGINS = env_list("BANGFU_CSRF_TRUSTED_ORIGINS")


def _database() -> dict[str, Any]:
    url = env_str("BANGFU_DATABASE_URL", required=PRODUCTION)
    if url is None:
        url = f"sqlite:///{DATA_DIR / 'bangfu.sqlite3'}"
    try:
        config: dict[str, Any] = dj_database_url.parse(  # type: ignore[assignment]
            url, conn_max_age=env_int("BANGFU_DB_CONN_MAX_AGE", 60)
        )
    except ValueError as exc:
        raise ImproperlyConfigured(
            f"BANGFU_DATABASE_URL 无法解析: {exc} (BANGFU_DATABASE_URL is not a database URL)"
        ) from None
    engine = config.get("ENGINE", "")
    if engine == "django.db.backends.sqlite3":
        config["CONN_MAX_AGE"] = 0
        config["OPTIONS"] = {
            # WAL lets readers go on while one writer writes; IMMEDIATE takes the write lock at
            # BEGIN so that two writers queue instead of failing with "database is locked".
            "init_command": (
                "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
                "PRAGMA foreign_keys=ON; PRAGMA busy_timeout=5000;"
            ),
            "transaction_mode": "IMMEDIATE",
        }
        config["TEST"] = {"NAME": None}
    elif engine == "django.db.backends.postgresql":
        # Kept connections are checked before reuse, so a PostgreSQL restart costs no request.
        config["CONN_HEALTH_CHECKS"] = True
    else:
        raise ImproperlyConfigured(
            "BANGFU_DATABASE_URL 只支持 postgres:// 或 sqlite:/// "
            "(only PostgreSQL and SQLite URLs are supported)"
        )
    config["ATOMIC_REQUESTS"] = False
    return config


DATABASES = {"default": _database()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

INSTALLED_APPS = [
    "bangfu.core",
    "bangfu.orgs",
    "bangfu.accounts",
    "bangfu.audit",
    "bangfu.registry",
    "bangfu.transfer",
    "bangfu.programs",
    "bangfu.pairings",
    "bangfu.activities",
    "bangfu.ledger",
    "bangfu.compliance",
    "bangfu.notifications",
    "bangfu.reports",
    "bangfu.documents",
    "bangfu.assessment",
    "bangfu.publicity",
    "bangfu.workflows",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_filters",
    "django_htmx",
    "template_partials",
    "csp",
    "django_tasks",
    "django_tasks_db",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "bangfu.core.middleware.LanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "csp.middleware.CSPMiddleware",
    "bangfu.core.middleware.RequestContextMiddleware",
    "bangfu.accounts.middleware.PasswordChangeRequiredMiddleware",
]

ROOT_URLCONF = "bangfu.urls"
WSGI_APPLICATION = "bangfu.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "csp.context_processors.nonce",
                "bangfu.core.context_processors.navigation",
            ],
        },
    }
]

AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "core:dashboard"
LOGOUT_REDIRECT_URL = "accounts:login"

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Login throttling (accounts.throttle): after this many failures for one account or one address
# within the window, further attempts are refused until the window has passed.
LOGIN_MAX_FAILURES = env_int("BANGFU_LOGIN_MAX_FAILURES", 5, minimum=1)
LOGIN_FAILURE_WINDOW = env_int("BANGFU_LOGIN_FAILURE_WINDOW", 15 * 60, minimum=60)

SESSION_COOKIE_AGE = env_int("BANGFU_SESSION_AGE", 8 * 3600, minimum=300)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True

HTTPS = env_bool("BANGFU_HTTPS", default=PRODUCTION)
if HTTPS:
    # Behind the reverse proxy that terminates TLS (docs/deploy.md).
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("BANGFU_SSL_REDIRECT", True)
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # local monitoring probes speak plain HTTP
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env_int("BANGFU_HSTS_SECONDS", 31536000, minimum=0)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("BANGFU_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = False
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SILENCED_SYSTEM_CHECKS = [
    # HSTS preload is a decision for the site's owner, never a default.
    "security.W021",
]

# Content Security Policy: every script, style, font and image comes from this site; nothing from
# outside (an intranet has no CDN and must not try to reach one).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("简体中文")), ("en", _("English"))]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
TIME_ZONE = env_time_zone("BANGFU_TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(
    env_str("BANGFU_STATIC_ROOT")
    or (BASE_DIR / "staticfiles" if PRODUCTION else DATA_DIR / "static")
)
if not PRODUCTION:
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
MEDIA_ROOT = DATA_DIR / "media"
WHITENOISE_USE_FINDERS = not PRODUCTION

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {
        "handlers": ["console"],
        "level": env_choice(
            "BANGFU_LOG_LEVEL",
            ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"),
            "INFO",
            upper=True,
        ),
    },
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# Background work (notifications): Django's Tasks API with the database backend; a worker runs
# `bangfu db_worker` (docs/notifications.md).
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}

# Outgoing mail for the notification digests (docs/configuration.md). Without an SMTP server the
# development mode prints mail to the console and production sends none.
EMAIL_HOST = env_str("BANGFU_EMAIL_HOST") or "localhost"
EMAIL_ENABLED = bool(env_str("BANGFU_EMAIL_HOST")) or not PRODUCTION
if env_str("BANGFU_EMAIL_HOST"):
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_PORT = env_int("BANGFU_EMAIL_PORT", 25, minimum=1)
    EMAIL_HOST_USER = env_str("BANGFU_EMAIL_USER") or ""
    EMAIL_HOST_PASSWORD = env_str("BANGFU_EMAIL_PASSWORD") or ""
    _email_security = env_choice("BANGFU_EMAIL_SECURITY", ("none", "starttls", "ssl"), "none")
    EMAIL_USE_TLS = _email_security == "starttls"
    EMAIL_USE_SSL = _email_security == "ssl"
else:
    EMAIL_BACKEND = (
        "django.core.mail.backends.dummy.EmailBackend"
        if PRODUCTION
        else "django.core.mail.backends.console.EmailBackend"
    )
DEFAULT_FROM_EMAIL = env_str("BANGFU_EMAIL_FROM") or "bangfu@localhost"
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# Seconds to wait for the mail server and for a group robot's webhook.
NOTIFY_TIMEOUT = env_int("BANGFU_NOTIFY_TIMEOUT", 10, minimum=1)
EMAIL_TIMEOUT = NOTIFY_TIMEOUT
# The address users open the platform at, for the link in digests (empty: no link).
SITE_URL = (env_str("BANGFU_SITE_URL") or "").rstrip("/")

DEMO_PASSWORD = "bangfu-demo"
