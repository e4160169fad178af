"""A site's whole plan: checklist (demo/plans.py), staff and training (demo/staffing.py), and,
for the real demo sites, the year of history behind them (demo/timeline.py)."""

from __future__ import annotations

from collections.abc import Iterable

from demo.plans import CapabilityInfo, CourseInfo, SitePlan, SiteProfile, plan_capability
from demo.staffing import plan_staff
from demo.story import seeded_rng
from demo.timeline import with_capability_history, with_staff_history


def plan_site(
    site: SiteProfile,
    capabilities: Iterable[CapabilityInfo],
    courses: Iterable[CourseInfo],
) -> SitePlan:
    maturity = seeded_rng(site.ods_code, "maturity").uniform(-0.12, 0.12)
    courses = tuple(courses)
    planned = []
    for capability in capabilities:
        plan = plan_capability(site, capability, maturity)
        if plan is None:
            continue
        if site.history:
            plan = with_capability_history(site, plan, capability.validity_months)
        planned.append(plan)
    staff = plan_staff(site, courses)
    if site.history:
        staff = with_staff_history(site, staff, courses)
    return SitePlan(capabilities=tuple(planned), staff=staff)
