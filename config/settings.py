"""Settings, driven by the environment.

SQLite under var/ is the embedded default; DATABASE_URL points at PostgreSQL in production.
Secrets (CRM_SECRET_KEY, CRM_FIELD_KEYS, CRM_BLIND_INDEX_KEY) come from the environment;
`make run` and `make test` write a private var/local.env with fresh random values the first
time, which is read here for anything the environment does not set.
"""

import os
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("CRM_VAR_DIR", BASE_DIR / "var"))


def _load_local_env(path: Path) -> None:
    if not path.exists():
        return
    for line in path.read_text(encoding="utf-8").splitlines():
        key, sep, value = line.strip().partition("=")
        if sep and not key.startswith("#"):
            os.environ.setdefault(key.strip(), value.strip())


_load_local_env(VAR_DIR / "local.env")


def env_bool(name: str, default: bool = False) -> bool:
    return os.environ.get(name, "1" if default else "0").lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("CRM_DEBUG")
SECRET_KEY = os.environ.get("CRM_SECRET_KEY", "")
if not SECRET_KEY:
    raise RuntimeError(
        "CRM_SECRET_KEY is not set: run `make run` once or set it in the environment"
    )

# Field encryption keys: "kid:base64key,kid2:base64key"; the first encrypts, all decrypt.
CRM_FIELD_KEYS = os.environ.get("CRM_FIELD_KEYS", "")
CRM_BLIND_INDEX_KEY = os.environ.get("CRM_BLIND_INDEX_KEY", "")

ALLOWED_HOSTS = env_list("CRM_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = env_list("CRM_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "django_filters",
    "django_htmx",
    "axes",
    "crm.core",
    "crm.accounts",
    "crm.audit",
    "crm.customers",
    "crm.contacts",
    "crm.configuration",
    "crm.records",
    "crm.pipeline",
    "crm.needs",
    "crm.aftersales",
    "crm.workdays",
    "django_tasks_db",
    "crontask",
    "crm.discipline",
    "crm.notifications",
    "crm.transfer",
    "crm.bench",
]

MIDDLEWARE = [
    # Server-Timing and query-count headers for `crm bench`; inert unless CRM_BENCH=1.
    "crm.bench.middleware.BenchTimingMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "crm.accounts.middleware.SlidingSessionMiddleware",
    "crm.core.middleware.ChineseFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "crm.accounts.middleware.FirstAdminMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "crm.core.navigation.navigation",
                "crm.notifications.views.badge",
            ],
        },
    }
]

# --- database -------------------------------------------------------------------------------
SQLITE_PATH = VAR_DIR / "crm.sqlite3"
SQLITE_OPTIONS = {
    # WAL lets readers work while one writer writes; IMMEDIATE takes the write lock at BEGIN so
    # two writers queue on the busy timeout instead of failing with "database is locked".
    # A 32 MB page cache and memory-mapped reads per connection: lists and searches scan.
    "init_command": (
        "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON; "
        "PRAGMA cache_size=-32000; PRAGMA mmap_size=268435456;"
    ),
    "transaction_mode": "IMMEDIATE",
    "timeout": 30,
}
# Persistent connections (one per server thread): a new SQLite connection per request re-reads
# the schema and starts with a cold page cache.
SQLITE_CONN_MAX_AGE = 600
if os.environ.get("DATABASE_URL"):
    DATABASES = {"default": dj_database_url.parse(os.environ["DATABASE_URL"], conn_max_age=60)}
    if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # a SQLite file elsewhere
        DATABASES["default"]["OPTIONS"] = SQLITE_OPTIONS
        DATABASES["default"]["CONN_MAX_AGE"] = SQLITE_CONN_MAX_AGE
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(SQLITE_PATH),
            "OPTIONS": SQLITE_OPTIONS,
            "CONN_MAX_AGE": SQLITE_CONN_MAX_AGE,
            # Tests use a file, not :memory:, so threads see one database with real locking;
            # one file per test process, so parallel runs never share it.
            "TEST": {"NAME": str(VAR_DIR / f"test-{os.getpid()}.sqlite3")},
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- accounts -------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "customers:list"
LOGOUT_REDIRECT_URL = "accounts:login"
SESSION_COOKIE_AGE = int(os.environ.get("CRM_SESSION_SECONDS", 8 * 3600))
# Idle sessions expire; active ones slide forward, re-saved at most every 5 minutes
# (crm.accounts.middleware.SlidingSessionMiddleware) rather than written on every request.
SESSION_SAVE_EVERY_REQUEST = False
SESSION_REFRESH_SECONDS = 300
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = env_bool("CRM_SECURE_COOKIES")
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
API_TOKEN_DAYS = int(os.environ.get("CRM_API_TOKEN_DAYS", 90))

AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = 0.25  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_ENABLED = env_bool("CRM_AXES", True)
AXES_LOCKOUT_CALLABLE = "crm.accounts.lockout.locked_out"

# --- i18n -----------------------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# --- static ---------------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
# Uploaded spreadsheets wait here between upload, preview and import (removed when done).
CRM_IMPORT_DIR = Path(os.environ.get("CRM_IMPORT_DIR", VAR_DIR / "imports"))
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = DEBUG

# --- security -------------------------------------------------------------------------------
from django.utils.csp import CSP  # noqa: E402

SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF, CSP.NONCE],
    "img-src": [CSP.SELF, "data:"],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# --- REST API -------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "crm.accounts.api.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    # JSON only: DRF's browsable HTML API pre-fills its edit forms with the raw (unmasked,
    # decrypted) values, bypassing masking and the reveal log. /api/v1/docs/ documents the API.
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": [
        "crm.core.api_base.SafeJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_PAGINATION_CLASS": "crm.core.api_base.CursorPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "crm.core.api.exception_handler",
    "UNAUTHENTICATED_USER": None,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "CRM API",
    "DESCRIPTION": "客户关系管理系统 REST API. Authenticate with `Authorization: Token <token>`.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "ENUM_NAME_OVERRIDES": {
        "CustomerKindEnum": "crm.customers.choices.Kind",
        "AddressKindEnum": "crm.customers.choices.AddressKind",
        "CustomerStatusEnum": "crm.customers.choices.Status",
        "ClaimStatusEnum": "crm.customers.choices.ClaimStatus",
        "StageEnum": "crm.customers.choices.Stage",
        "DecisionRoleEnum": "crm.contacts.choices.DecisionRole",
        "RoleEnum": "crm.accounts.choices.Role",
        "ChannelEnum": "crm.customers.choices.Channel",
        "RecordKindEnum": "crm.records.choices.RecordKind",
        "ImportKindEnum": "crm.transfer.choices.ImportKind",
        "OnDuplicateEnum": "crm.transfer.choices.Resolution",
        # OpportunityStatus has the same values and labels: one enum for both
        "StageKindEnum": "crm.pipeline.choices.StageKind",
        "ContractStatusEnum": "crm.pipeline.choices.ContractStatus",
        # RiskLevel has the same values and labels (高/中/低): one enum for both
        "PriorityEnum": "crm.needs.choices.Priority",
        "LevelEnum": "crm.customers.choices.Level",
        "DeliveryStatusEnum": "crm.aftersales.choices.DeliveryStatus",
        "SurveyMethodEnum": "crm.aftersales.choices.SurveyMethod",
        "FeedbackKindEnum": "crm.aftersales.choices.FeedbackKind",
        "FeedbackCategoryEnum": "crm.aftersales.choices.FeedbackCategory",
        "FeedbackStatusEnum": "crm.aftersales.choices.FeedbackStatus",
        "ReferralStatusEnum": "crm.aftersales.choices.ReferralStatus",
        "RiskKindEnum": "crm.aftersales.choices.RiskKind",
        "RiskStatusEnum": "crm.aftersales.choices.RiskStatus",
        "RiskOutcomeEnum": "crm.aftersales.choices.RiskOutcome",
        "CaseKindEnum": "crm.aftersales.choices.CaseKind",
        "ClockStatusEnum": "crm.aftersales.api.serializers.CLOCK_STATES",
    },
    # Swagger UI is served from our own static files (npm swagger-ui-dist), never a CDN.
    "SWAGGER_UI_DIST": "/static/vendor/swagger-ui",
    "SWAGGER_UI_FAVICON_HREF": "/static/vendor/swagger-ui/favicon-32x32.png",
}

# --- logging --------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("CRM_LOG_LEVEL", "WARNING")},
}

# --- background jobs ------------------------------------------------------------------------
# django.tasks with the database queue: `crm db_worker` runs tasks, `crm crontask` enqueues
# the scheduled ones (crm/<app>/tasks.py, @cron); `make run` starts both beside gunicorn.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

# --- e-mail (notification digests) ----------------------------------------------------------
# Notifications always show in the app (the bell, 消息提醒). With CRM_EMAIL_HOST set, the
# daily run also mails each recipient one digest of their new notifications over SMTP.
_EMAIL_HOST = os.environ.get("CRM_EMAIL_HOST", "")
MAILERS = {
    "default": (
        {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {
                "host": _EMAIL_HOST,
                "port": int(os.environ["CRM_EMAIL_PORT"])
                if os.environ.get("CRM_EMAIL_PORT")
                else None,
                "username": os.environ.get("CRM_EMAIL_USER", ""),
                "password": os.environ.get("CRM_EMAIL_PASSWORD", ""),
                "use_tls": env_bool("CRM_EMAIL_USE_TLS"),
                "use_ssl": env_bool("CRM_EMAIL_USE_SSL"),
                "timeout": 20,
            },
        }
        if _EMAIL_HOST
        else {"BACKEND": "django.core.mail.backends.console.EmailBackend"}
    )
}
DEFAULT_FROM_EMAIL = os.environ.get("CRM_EMAIL_FROM", "CRM <crm@localhost>")
CRM_NOTIFY_EMAIL = bool(_EMAIL_HOST)
# The address users reach the app at (links in e-mails and calendar events), e.g.
# https://crm.example.com; without it e-mails say to sign in and events carry no link.
CRM_SITE_URL = os.environ.get("CRM_SITE_URL", "").rstrip("/")
