"""`manage.py seed_demo [--scale N] [--as-of YYYY-MM-DD]`: load the demo data (idempotent)."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from demo.seed import seed_demo
from demo.users import DEMO_USERS

BAD_SCALE = "--scale must be a whole number of 1 or more (it adds N x 37 synthetic sites)."
BAD_DATE = "--as-of must be a date written YYYY-MM-DD, e.g. 2026-11-23."
NOT_PRODUCTION_FLAG = "--i-know-this-is-not-production"
REFUSED_WITHOUT_DEBUG = (
    "Refusing to load demo data with DEBUG off: it creates users whose password is published "
    f"in the README; pass {NOT_PRODUCTION_FLAG} if this is not a real deployment."
)


def _scale(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise CommandError(BAD_SCALE) from None
    if number < 1:
        raise CommandError(BAD_SCALE)
    return number


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise CommandError(BAD_DATE) from None


class Command(BaseCommand):
    help = (
        "Load the demo data: regions, real NHS sites, catalogues, requirement profiles, trials, "
        "guidance, synthetic readiness records and one user per role. Running it again gives "
        "the same rows."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--scale",
            type=_scale,
            default=0,
            metavar="N",
            help="Also add N x 37 synthetic sites with staff and records (benchmarks).",
        )
        parser.add_argument(
            "--as-of",
            dest="anchor",
            type=_date,
            default=None,
            metavar="YYYY-MM-DD",
            help="Date the synthetic expiries and completions are counted from (default today).",
        )
        parser.add_argument(
            NOT_PRODUCTION_FLAG,
            dest="not_production",
            action="store_true",
            help="Load the demo data even though DEBUG is off (a staging or benchmark copy).",
        )

    def handle(self, *args, **options) -> None:
        if not settings.DEBUG and not options["not_production"]:
            raise CommandError(REFUSED_WITHOUT_DEBUG)
        try:
            result = seed_demo(scale=options["scale"], anchor=options["anchor"])
        except (ValidationError, ValueError) as exc:
            messages = exc.messages if isinstance(exc, ValidationError) else [str(exc)]
            raise CommandError(" ".join(messages)) from None
        if options["verbosity"] == 0:
            return
        out = self.stdout
        out.write(
            self.style.SUCCESS(
                f"Demo data loaded in {result.seconds:.1f} s "
                f"(dates as of {result.anchor:%d %b %Y}, scale {result.scale})."
            )
        )
        width = max(len(name) for name in result.counts)
        for name, count in result.counts.items():
            out.write(f"  {name.ljust(width)}  {count:>7}")
        out.write(
            f"Sites planned this run: {result.planned} "
            f"({result.unchanged} unchanged since the last run, left as they were)."
        )
        written = {name: n for name, n in sorted(result.changes.items()) if n}
        if written:
            changes = ", ".join(f"{n} {name}" for name, n in written.items())
            out.write(f"Site records written this run: {changes}")
        else:
            out.write("Site records written this run: nothing (already up to date).")
        out.write("")
        out.write(f"Demo users (password: {result.password}):")
        for user in DEMO_USERS:
            out.write(f"  {user.email.ljust(30)}  {user.description}")
