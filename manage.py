#!/usr/bin/env python
"""Django's manage.py; operators use the `fazhi` command, which does the same and more."""

from fazhi.cli import main

if __name__ == "__main__":
    main()
