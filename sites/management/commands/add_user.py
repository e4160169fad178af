"""`manage.py add_user EMAIL --role ...`: create or update an account (there is no self sign-up)."""

from __future__ import annotations

import sys

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from sites.memberships import ROLE_EDITOR, ROLE_NETWORK, ROLES, user_upsert

EMPTY_PASSWORD = "--password-stdin was given but no password was read from standard input."


class Command(BaseCommand):
    help = (
        "Create or update a portal account with one role: coordinator or pharmacist (at one or "
        "more sites), network (for regions, or national) or editor (guidance). Run it again with "
        "another role to add that role."
    )
    # Tests pass a file-like object here instead of the process's standard input.
    stealth_options = ("stdin",)

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("email", help="Work e-mail address; people sign in with it.")
        parser.add_argument("--role", required=True, choices=ROLES)
        parser.add_argument(
            "--site",
            action="append",
            default=[],
            metavar="ODS",
            help="Organisation code of a site (coordinator, pharmacist). Repeat for several.",
        )
        parser.add_argument(
            "--region",
            action="append",
            default=[],
            metavar="CODE",
            help="Region code for a network coordinator, e.g. NENC. Repeat for several.",
        )
        parser.add_argument(
            "--national", action="store_true", help="Network coordinator who sees every site."
        )
        parser.add_argument("--name", dest="full_name", help='Full name, e.g. "Jane Smith".')
        parser.add_argument(
            "--password-stdin",
            action="store_true",
            help="Read the password from the first line of standard input.",
        )

    def handle(self, *args, **options) -> None:
        password = None
        if options["password_stdin"]:
            stream = options.get("stdin") or sys.stdin
            password = stream.readline().rstrip("\r\n")
            if not password:
                raise CommandError(EMPTY_PASSWORD)
        try:
            result = user_upsert(
                email=options["email"],
                role=options["role"],
                sites=options["site"],
                regions=options["region"],
                national=options["national"],
                full_name=options["full_name"],
                password=password,
            )
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from None

        user, role = result.user, options["role"]
        if role == ROLE_EDITOR:
            where = "guidance editor"
        elif role == ROLE_NETWORK:
            where = f"network coordinator ({', '.join(result.scope)})"
        else:
            where = f"{role} at {', '.join(result.scope)}"
        verb = "Created" if result.created else "Updated"
        self.stdout.write(self.style.SUCCESS(f"{verb} {user.email}: {where}."))
        if result.password_set:
            self.stdout.write("Password set.")
        elif result.created:
            self.stdout.write(
                "No password set, so the account cannot sign in yet. Set one with:\n"
                f"  manage.py changepassword {user.email}"
            )
        else:
            self.stdout.write("Password unchanged.")
