"""The vocabulary of an assessment: what one requirement's row says about one site."""

from __future__ import annotations

from django.db import models


class Outcome(models.TextChoices):
    """The outcome of one requirement for one site on one date (docs/readiness.md).

    Worst first: the order in which reports list them. The values are the API's and the
    CSV's; templates ask a row `is_blocker` and so on rather than comparing strings.
    """

    BLOCKER = "blocker", "Blocker"  # a mandatory requirement not met
    WARNING = "warning", "Warning"  # a recommended requirement not met
    EXPIRING = "expiring", "Expiring"  # met, but its validity ends within the window
    MET = "met", "Met"

    @property
    def is_met(self) -> bool:
        """Counts as met for the score and readiness: met or expiring."""
        return self in (Outcome.MET, Outcome.EXPIRING)


MET = Outcome.MET
BLOCKER = Outcome.BLOCKER
WARNING = Outcome.WARNING
EXPIRING = Outcome.EXPIRING
OUTCOMES = tuple(Outcome)
