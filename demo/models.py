"""What the demo seed last wrote for each site, so that a rerun can leave unchanged sites be."""

from __future__ import annotations

from django.db import models

from sites.models import Site


class SeededSite(models.Model):
    """A site the seed planned and wrote: the digest of everything its plan is made from
    (demo/fresh.py) and the site's readiness stamp (reports.ReadinessStamp) just after.

    On a rerun a site whose digest is the same and whose stamp has not moved since (no write
    to its checklist, staff, training or their history by anyone) would be planned and written
    exactly as it stands, so it is skipped: at --scale 140 planning is ~17 ms a site.
    """

    site = models.OneToOneField(Site, on_delete=models.CASCADE, primary_key=True, related_name="+")
    digest = models.CharField(max_length=64)
    stamp = models.BigIntegerField()

    def __str__(self) -> str:
        return f"site {self.site_id} seeded ({self.digest[:8]}, stamp {self.stamp})"
