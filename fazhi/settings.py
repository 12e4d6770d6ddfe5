"""Django settings for Fazhi: one module, configured by the environment.

Each variable read here is listed in docs/operations/configuration.md. The defaults make
`make demo` work on a fresh machine (embedded SQLite, debug off, a generated secret key).
"""

import os
import secrets
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from fazhi.env import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
# Runtime state (the SQLite database, uploads, the generated secret key) lives here.
VAR_DIR = Path(env_str("FAZHI_VAR_DIR", str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)
RULES_DIR = Path(env_str("FAZHI_RULES_DIR", str(BASE_DIR / "rules")))

DEBUG = env_bool("DEBUG", default=False)


def _secret_key() -> str:
    """Return SECRET_KEY from the environment, or a key generated once for this installation.

    A generated key is never a known default: it is written to var/secret_key (mode 600) on
    first start so sessions survive a restart. Production sets SECRET_KEY explicitly.
    """
    key = env_str("SECRET_KEY", "")
    if key:
        if len(key) < 32:
            raise ImproperlyConfigured("SECRET_KEY must be at least 32 characters long")
        return key
    path = VAR_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _secret_key()
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "treebeard",
    "axes",
    "django_otp",  # TOTP two-factor login (ADR 0024)
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",  # one-time recovery codes
    "django_htmx",
    "ninja",  # serves the API docs page's assets itself (without it, ninja links a CDN)
    "fazhi.core",
    "fazhi.org",
    "fazhi.audit",
    "fazhi.law",
    "fazhi.catalog",
    "fazhi.cases",
    "fazhi.discretion",
    "fazhi.supervision",
    "fazhi.services",
    "fazhi.litigation",  # 行政复议与行政诉讼 (issue 13)
    "fazhi.petitions",  # 信访与矛盾纠纷调解 (issue 13)
    "fazhi.rulebook",  # 规范性文件、立法储备、重大行政决策 (issue 14)
    "fazhi.training",  # 教育训练与执法资格考试 (issue 15)
    "fazhi.reports",
    "huey.contrib.djhuey",  # `fazhi run_huey`: the worker of the periodic scan (ADR 0011)
    "fazhi.portal",
]

MIDDLEWARE = [
    # Request counts and latency by view for /metrics (fazhi/core/monitoring.py): first and …
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "fazhi.core.middleware.LanguageMiddleware",  # zh-hans unless the user switched
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",  # request.user.is_verified() (two-factor)
    # NUL, control characters and bidi overrides refused in every field (ADR 0027), after CSRF.
    "fazhi.core.middleware.CleanTextMiddleware",
    # One log line per request, JSON with FAZHI_LOG_FORMAT=json (docs/operations/logs.md).
    "fazhi.core.logs.RequestLogMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # A password an administrator knew, or past its maximum age, is changed first (ADR 0024).
    "fazhi.org.middleware.PasswordPolicyMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # … last but Axes.
    "django_prometheus.middleware.PrometheusAfterMiddleware",
    # AxesMiddleware must be last: it turns a locked-out login into its response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "fazhi.urls"
WSGI_APPLICATION = "fazhi.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "fazhi" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "fazhi.core.context.navigation",
                "fazhi.core.calendar_views.banner",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
# DATABASE_URL selects the engine; the embedded default is SQLite in WAL mode. IMMEDIATE write
# transactions make concurrent writers queue on the busy timeout instead of failing with
# "database is locked" when a DEFERRED reader tries to upgrade to a writer.
_DATABASE_URL = env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'fazhi.sqlite3'}")
try:
    DATABASES = {
        "default": dj_database_url.parse(
            _DATABASE_URL, conn_max_age=env_int("FAZHI_DB_CONN_MAX_AGE", default=0)
        )
    }
except ValueError:  # an unknown scheme, a malformed port …: name the scheme, never the password
    _scheme = _DATABASE_URL.split("://", 1)[0] if "://" in _DATABASE_URL else ""
    raise ImproperlyConfigured(
        f"DATABASE_URL is not a database URL (scheme {_scheme!r}); "
        "use e.g. postgres://user:password@host:5432/name or sqlite:////path/fazhi.sqlite3"
    ) from None
if DATABASES["default"]["ENGINE"].startswith("django.db.backends.postgresql"):
    # A server that does not answer fails a command within seconds instead of hanging.
    DATABASES["default"].setdefault("OPTIONS", {})["connect_timeout"] = env_int(
        "FAZHI_DB_CONNECT_TIMEOUT", default=10
    )
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": env_int("FAZHI_SQLITE_TIMEOUT", default=30),
        "init_command": (
            "PRAGMA journal_mode=WAL;"
            "PRAGMA synchronous=NORMAL;"
            "PRAGMA foreign_keys=ON;"
            "PRAGMA cache_size=-64000;"
        ),
    }
    # A file, not shared-cache memory, so that tests with real concurrent writers see WAL.
    # One file per test process, so that two test runs on one machine never share a database.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / f"test-{os.getpid()}.sqlite3")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Identity, login, sessions -------------------------------------------------------------
AUTH_USER_MODEL = "org.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# The password policy of 等保 level 3 (docs/decisions/0024): checked whenever an owner chooses
# a password (activation, the password-change page); administrators never set one.
FAZHI_PASSWORD_MIN_LENGTH = env_int("FAZHI_PASSWORD_MIN_LENGTH", default=10)
FAZHI_PASSWORD_HISTORY = env_int("FAZHI_PASSWORD_HISTORY", default=5)
FAZHI_PASSWORD_MAX_AGE_DAYS = env_int("FAZHI_PASSWORD_MAX_AGE_DAYS", default=0)  # 0: no expiry
FAZHI_PASSWORD_WARN_DAYS = env_int("FAZHI_PASSWORD_WARN_DAYS", default=14)
FAZHI_ACTIVATION_HOURS = env_int("FAZHI_ACTIVATION_HOURS", default=24)
if FAZHI_PASSWORD_MIN_LENGTH < 8 or FAZHI_ACTIVATION_HOURS < 1 or FAZHI_PASSWORD_MAX_AGE_DAYS < 0:
    raise ImproperlyConfigured(
        "FAZHI_PASSWORD_MIN_LENGTH must be at least 8, FAZHI_ACTIVATION_HOURS at least 1 and "
        "FAZHI_PASSWORD_MAX_AGE_DAYS 0 (no expiry) or more"
    )
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "fazhi.org.passwords.MinimumLengthValidator",
        "OPTIONS": {"min_length": FAZHI_PASSWORD_MIN_LENGTH},
    },
    {"NAME": "fazhi.org.passwords.CharacterClassesValidator", "OPTIONS": {"min_classes": 3}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "fazhi.org.passwords.PasswordHistoryValidator",
        "OPTIONS": {"count": FAZHI_PASSWORD_HISTORY},
    },
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "login"
SESSION_COOKIE_AGE = env_int("FAZHI_SESSION_SECONDS", default=30 * 60)  # 等保: session timeout
SESSION_SAVE_EVERY_REQUEST = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SECURE_COOKIES = env_bool("FAZHI_SECURE_COOKIES", default=False)
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = SECURE_COOKIES

# django-axes: lock the account after repeated failures (等保 level 3: login lockout).
AXES_FAILURE_LIMIT = env_int("FAZHI_LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env_int("FAZHI_LOGIN_LOCKOUT_MINUTES", default=30) / 60  # hours
# Count failures by (username, client address): a third party guessing from another address
# locks only their own attempts, never the owner out (issue 11); nor does it lock the address,
# which many officers share behind the police network's NAT. Attempts made during a lockout do
# not restart it, so nobody can hold an account locked by retrying.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_RESET_ON_SUCCESS = True
# Two-factor login (TOTP): required for the three administrators and the supervision and legal
# roles (fazhi/org/twofactor.py), optional for the others; `false` only for a trial install.
FAZHI_2FA_REQUIRED = env_bool("FAZHI_2FA_REQUIRED", default=True)
OTP_TOTP_ISSUER = "Fazhi"
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_LOCKOUT_CALLABLE = "fazhi.org.views.locked_out"  # the same page, with the remaining wait
AXES_VERBOSE = False

# --- Security headers ----------------------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}

# --- Language and time -----------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = "Asia/Shanghai"  # stored in UTC, shown in Shanghai time

# --- Static files: every asset is served by the app itself (no CDN on the police network) ----
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)  # WhiteNoise warns on every request when it is missing
STATICFILES_DIRS = [
    ("vendor/bootstrap", BASE_DIR / "node_modules" / "bootstrap" / "dist"),
    ("vendor/bootstrap-icons", BASE_DIR / "node_modules" / "bootstrap-icons" / "font"),
    ("vendor/htmx", BASE_DIR / "node_modules" / "htmx.org" / "dist"),
    ("vendor/chartjs", BASE_DIR / "node_modules" / "chart.js" / "dist"),
]
STATICFILES_DIRS = [entry for entry in STATICFILES_DIRS if entry[1].exists()]
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

MEDIA_ROOT = VAR_DIR / "media"

# --- Domain settings ---------------------------------------------------------------------------
FAZHI_AUDIT_RETENTION_DAYS = env_int("FAZHI_AUDIT_RETENTION_DAYS", default=183)
if FAZHI_AUDIT_RETENTION_DAYS < 183:
    # 网络安全法 第二十一条: network logs are kept for at least six months.
    raise ImproperlyConfigured("FAZHI_AUDIT_RETENTION_DAYS must be at least 183 (six months)")
# `fazhi status` warns when the audit log was last pruned (its anchor), or when never pruned its
# first entry was written, more than this many days ago; 0 never warns (docs/operations/).
FAZHI_AUDIT_ANCHOR_WARN_DAYS = env_int("FAZHI_AUDIT_ANCHOR_WARN_DAYS", default=0)
if FAZHI_AUDIT_ANCHOR_WARN_DAYS < 0:
    raise ImproperlyConfigured("FAZHI_AUDIT_ANCHOR_WARN_DAYS must be 0 (never warn) or more")

# 应进必进: a case of an item that must be handled in a case-handling centre, opened elsewhere, is
# refused ("refuse") or accepted and flagged for a warning ("warn"). See docs/operations/configuration.md.
FAZHI_CENTRE_POLICY = env_str("FAZHI_CENTRE_POLICY", "refuse")
if FAZHI_CENTRE_POLICY not in {"refuse", "warn"}:
    raise ImproperlyConfigured(f"FAZHI_CENTRE_POLICY={FAZHI_CENTRE_POLICY!r}: use refuse or warn")

# The supervision scan's schedule and its task queue (docs/decisions/0011-task-queue.md): the demo
# keeps the queue in a SQLite file under var/, production in Redis (FAZHI_TASK_QUEUE=redis://…).
FAZHI_SCAN_MINUTES = env_int("FAZHI_SCAN_MINUTES", default=5)
if not 1 <= FAZHI_SCAN_MINUTES <= 60:
    raise ImproperlyConfigured(f"FAZHI_SCAN_MINUTES={FAZHI_SCAN_MINUTES}: use 1 to 60")
_TASK_QUEUE = env_str("FAZHI_TASK_QUEUE", "sqlite")
HUEY = {
    "name": "fazhi",
    "immediate": False,
    "utc": True,
    "consumer": {"workers": 1, "worker_type": "thread"},
    **(
        {"huey_class": "huey.SqliteHuey", "filename": str(VAR_DIR / "tasks.sqlite3")}
        if _TASK_QUEUE == "sqlite"
        else {"huey_class": "huey.RedisHuey", "url": _TASK_QUEUE}
    ),
}
if _TASK_QUEUE != "sqlite" and not _TASK_QUEUE.startswith(("redis://", "rediss://", "unix://")):
    raise ImproperlyConfigured(f"FAZHI_TASK_QUEUE={_TASK_QUEUE!r}: use sqlite or a redis:// URL")

# 警快办 (fazhi/services): who delivers citizens' login codes, and where uploaded materials are kept
# (a private root: never under MEDIA_URL or the static files; served only by access-checked views).
FAZHI_SMS_SENDER = env_str("FAZHI_SMS_SENDER", "fazhi.services.citizens.console_sender")
FAZHI_PRIVATE_MEDIA_ROOT = Path(env_str("FAZHI_PRIVATE_MEDIA_ROOT", str(VAR_DIR / "private")))
FAZHI_UPLOAD_MAX_MB = env_int("FAZHI_UPLOAD_MAX_MB", default=10)
if not 1 <= FAZHI_UPLOAD_MAX_MB <= 100:
    raise ImproperlyConfigured(f"FAZHI_UPLOAD_MAX_MB={FAZHI_UPLOAD_MAX_MB}: use 1 to 100")
FAZHI_UPLOAD_MAX_BYTES = FAZHI_UPLOAD_MAX_MB * 1024 * 1024

# --- Monitoring (docs/operations/first-hour.md) ----------------------------------------------
# /metrics answers only these addresses (comma-separated CIDRs); every other address gets 404.
FAZHI_METRICS_ALLOW = env_list("FAZHI_METRICS_ALLOW", default=["127.0.0.1/32"])
try:
    import ipaddress as _ipaddress

    for _net in FAZHI_METRICS_ALLOW:
        _ipaddress.ip_network(_net, strict=False)
except ValueError:
    raise ImproperlyConfigured(
        f"FAZHI_METRICS_ALLOW={','.join(FAZHI_METRICS_ALLOW)!r}: use CIDRs such as 10.0.0.0/8"
    ) from None

# Structured logs (docs/operations/logs.md): "json" writes one JSON object per line and one line
# per request and per worker task (fazhi.request, fazhi.task at INFO); "text" the plain lines.
FAZHI_LOG_FORMAT = env_str("FAZHI_LOG_FORMAT", "text")
if FAZHI_LOG_FORMAT not in {"text", "json"}:
    raise ImproperlyConfigured(f"FAZHI_LOG_FORMAT={FAZHI_LOG_FORMAT!r}: use text or json")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "fazhi.core.logs.JsonFormatter"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            **({"formatter": "json"} if FAZHI_LOG_FORMAT == "json" else {}),
        }
    },
    "root": {"handlers": ["console"], "level": env_str("FAZHI_LOG_LEVEL", "WARNING")},
    "loggers": (
        {name: {"level": "INFO"} for name in ("fazhi.request", "fazhi.task")}
        if FAZHI_LOG_FORMAT == "json"
        else {}
    ),
}

MESSAGE_TAGS = {40: "danger"}
NINJA_PAGINATION_PER_PAGE = 50
