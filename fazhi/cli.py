"""The `fazhi` command: the product's CLI, and Django's management commands for operators.

``fazhi import items FILE`` and the other verbs of the product map onto management commands
(see VERBS); anything else (``fazhi migrate``, ``fazhi createsuperuser`` …) goes to Django.
"""

import os
import sys

# Verbs whose Django command name differs from the word an operator types.
VERBS = {
    "import": "import_data",
}


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fazhi.settings")
    from django.core.management import execute_from_command_line

    args = list(sys.argv if argv is None else argv)
    if len(args) > 1 and args[1] in VERBS:
        args[1] = VERBS[args[1]]
    args[0] = "fazhi"
    execute_from_command_line(args)


if __name__ == "__main__":
    main()
