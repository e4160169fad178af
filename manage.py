#!/usr/bin/env python
import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "atmp_portal.settings")
    from django.core.management import execute_from_command_line
    from django.db import InterfaceError, OperationalError

    try:
        execute_from_command_line(sys.argv)
    except (OperationalError, InterfaceError) as exc:
        # One line an operator can act on (wrong DATABASE_URL, database down), not a traceback.
        from atmp_portal import health

        where = health.database_where()
        sys.exit(
            f"atmp_portal: {health.DATABASE_DOWN.format(where=where, reason=health.first_line(exc))}"
        )


if __name__ == "__main__":
    main()
