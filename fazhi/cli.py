"""The `fazhi` command: the product's CLI, and Django's management commands for operators.

``fazhi import items FILE`` and the other verbs of the product map onto management commands
(see VERBS); anything else (``fazhi migrate``, ``fazhi createsuperuser`` …) goes to Django.

``main`` catches what an operator gets wrong before setup — a setting that cannot be read, a
database that does not answer, a database not migrated yet (checked when the command first opens
the database), a rule file that does not load — and says so in ONE line on stderr with the
command to run, in zh-hans or English by the terminal's locale (LANGUAGE, LC_ALL, LC_MESSAGES,
LANG), exiting 2; never a traceback (docs/operations/first-hour.md). The lines are in the project's one catalog (locale/), read with
the standard library's gettext because settings may be too broken to start Django's.
"""

from __future__ import annotations

import contextlib
import gettext as stdlib_gettext
import os
import sys
from pathlib import Path

# Verbs whose Django command name differs from the word an operator types.
VERBS = {
    "import": "import_data",
}

# Commands that must work on a database that is not migrated (or not reachable at all).
NO_DATABASE = frozenset(
    {
        "help",
        "--help",
        "-h",
        "version",
        "--version",
        "check",
        "makemigrations",
        "makemessages",
        "i18n",
        "compilemessages",
        "collectstatic",
        "findstatic",
        "test",
        # `fazhi rules test` reads the rule files and the law data files only (a legal officer
        # runs it on a fresh checkout; `make test` runs it before any database exists).
        "rules",
    }
)
# Commands that need the database to answer but not to be migrated.
CONNECT_ONLY = frozenset({"migrate", "showmigrations", "sqlmigrate", "dbshell", "sqlflush"})
# Commands that report the database's state themselves (`fazhi status` fails its check).
REPORTS_DATABASE = frozenset({"status"})

EXIT_SETUP = 2
_LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"


class SetupProblem(Exception):
    """One line for the operator: what is wrong before setup and what to run."""


def terminal_language(environ: dict[str, str] | None = None) -> str:
    """``en`` or ``zh-hans`` from the locale variables, in gettext's order; zh-hans otherwise."""
    env = os.environ if environ is None else environ
    for name in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        value = env.get(name, "")
        for part in value.split(":"):
            code = part.strip().lower()
            if not code or code in {"c", "posix"} or code.startswith(("c.", "posix.")):
                continue
            return "en" if code.startswith("en") else "zh-hans"
    return "zh-hans"


def _(message: str) -> str:
    """Translate MESSAGE (a zh-hans msgid of the project's catalog) into the terminal's language."""
    language = terminal_language()
    if language != "en":
        return message
    catalog = stdlib_gettext.translation(
        "django", localedir=str(_LOCALE_DIR), languages=["en"], fallback=True
    )
    return catalog.gettext(message)


def _database_label() -> str:
    """Engine, host and name of the default database — never the password."""
    from django.conf import settings

    db = settings.DATABASES["default"]
    engine = str(db.get("ENGINE", "")).rsplit(".", 1)[-1]
    where = f"{db.get('HOST')}:{db.get('PORT')}/" if db.get("HOST") else ""
    return f"{engine} {where}{db.get('NAME', '')}"


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


def check_database(*, migrated: bool = True) -> None:
    """Raise SetupProblem when the database does not answer or (MIGRATED) is not migrated."""
    from django.db import connection
    from django.db.utils import Error

    try:
        connection.ensure_connection()
    except Error as exc:
        raise SetupProblem(
            _(
                "数据库无法连接（%(database)s）：%(reason)s。请检查 DATABASE_URL 并确认数据库服务已启动。"
            )
            % {"database": _database_label(), "reason": _first_line(exc)}
        ) from None
    if not migrated:
        return
    from fazhi.core.status import unapplied_migrations

    try:
        missing = unapplied_migrations()
    except Error as exc:
        raise SetupProblem(
            _("数据库无法读取（%(database)s）：%(reason)s。请检查 DATABASE_URL。")
            % {"database": _database_label(), "reason": _first_line(exc)}
        ) from None
    if missing:
        raise SetupProblem(
            _("数据库尚未完成迁移（%(count)s 个迁移未执行）。请先运行：fazhi migrate")
            % {"count": len(missing)}
        )


def _settings_problem(exc: BaseException) -> SetupProblem:
    return SetupProblem(
        _("配置错误：%(reason)s。请检查环境变量（docs/operations/configuration.md）。")
        % {"reason": _first_line(exc)}
    )


def _pack_problem(exc: BaseException) -> SetupProblem:
    return SetupProblem(
        _("规则文件无法加载：%(error)s。修改后运行 fazhi rules test 检查。") % {"error": str(exc)}
    )


def setup(command: str) -> None:
    """Load the settings and the apps, then check the database as COMMAND needs it."""
    import django
    from django.core.exceptions import ImproperlyConfigured

    from fazhi.core.rulepacks import RulePackError

    try:
        from django.conf import settings

        settings.INSTALLED_APPS  # noqa: B018  (reads the settings module)
        settings.SECRET_KEY  # noqa: B018  (required: Django refuses an empty one only when used)
    except (ImproperlyConfigured, ValueError, ImportError) as exc:
        if command in {"help", "--help", "-h", "version", "--version"}:
            return  # Django's help prints a note about the settings and goes on
        raise _settings_problem(exc) from None
    from django.db.utils import Error

    try:
        django.setup()
    except ImproperlyConfigured as exc:
        raise _settings_problem(exc) from None
    except RulePackError as exc:
        raise _pack_problem(exc) from None
    except Error:
        # An app read the database while starting: say why it could not.
        check_database(migrated=command not in CONNECT_ONLY)
        raise
    if command in NO_DATABASE or command in REPORTS_DATABASE or command in CONNECT_ONLY:
        return  # (a database that does not answer is diagnosed when the command fails)
    check_on_first_connection()


def check_on_first_connection() -> None:
    """Check the migrations when the command first opens the database — before its first query,
    so nothing is written to a database that is not migrated, while a command that refuses its
    arguments (or never needs the database) answers as it would."""
    from django.db import DEFAULT_DB_ALIAS
    from django.db.backends.signals import connection_created

    def check(sender: object, connection: object, **kwargs: object) -> None:
        if getattr(connection, "alias", None) != DEFAULT_DB_ALIAS:
            return
        connection_created.disconnect(check)
        check_database()

    connection_created.connect(check, weak=False)


def _diagnose(command: str, exc: BaseException) -> None:
    """After a database error in COMMAND: raise SetupProblem if the cause is the setup."""
    if command in NO_DATABASE or command in REPORTS_DATABASE:
        return
    from django.db import connection

    with contextlib.suppress(Exception):  # a broken connection may not close cleanly
        connection.close()
    check_database(migrated=command not in CONNECT_ONLY)


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fazhi.settings")
    args = list(sys.argv if argv is None else argv)
    if len(args) > 1 and args[1] in VERBS:
        args[1] = VERBS[args[1]]
    args[0] = "fazhi"
    command = args[1] if len(args) > 1 else "help"
    try:
        setup(command)
        _run(args, command)
    except SetupProblem as problem:
        sys.stderr.write(f"fazhi: {problem}\n")
        sys.exit(EXIT_SETUP)


def _run(args: list[str], command: str) -> None:
    from django.core.management import execute_from_command_line

    try:
        from django.db.utils import DatabaseError

        from fazhi.core.rulepacks import RulePackError
    except Exception:  # settings too broken: Django's help says so
        execute_from_command_line(args)
        return
    try:
        execute_from_command_line(args)
    except RulePackError as exc:
        raise _pack_problem(exc) from None
    except DatabaseError as exc:
        _diagnose(command, exc)
        raise


if __name__ == "__main__":
    main()
