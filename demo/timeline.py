"""The year behind each real demo site's records, as it would have happened (pure, no database).

Every event is a number of days before the anchor date; demo/records.py writes one history row
per event (django-simple-history), so a past as-of date, "what changed" views and readiness
over time show real movement:

- a checklist item goes not in place -> in progress -> in place, and its evidence is renewed
  as it runs out (now and then late: a lapse);
- people join during the year and leave; their training is renewed (now and then late).

What the story counts on (demo/story.py) does not lapse: an item an open trial needed is in
place, with valid evidence, from before the day the trial opened until today (but for the one
lapse the story wants), and people counted towards a training floor were in post all year
with their training valid throughout.
"""

from __future__ import annotations

from dataclasses import replace

from demo.plans import CapabilityEvent, CapabilityPlan, CourseInfo, SiteProfile, StaffPlan
from demo.story import seeded_rng
from sites.models import SiteCapability

HISTORY_DAYS = 365
LAPSE_CHANCE = 0.1
Status = SiteCapability.Status

IMPORTED = "Checklist imported when the site joined the portal"
STARTED = "Work started"
IN_PLACE = "Marked in place with evidence"
RENEWED = "Evidence renewed"


def _days_per_month(months: int | None) -> int | None:
    return None if months is None else int(months * 30.4)


def _evidence_chain(rng, plan: CapabilityPlan, since: int, period: int | None, steady: bool):
    """In-place events from `since` days ago to now: one per evidence renewal."""
    expiry = plan.expires_in_days
    events = []
    while period is not None and expiry is not None:
        issued = period - expiry  # days ago the current evidence started
        if issued >= since or issued <= 0 or len(events) > 24:
            break
        events.append(CapabilityEvent(issued, Status.IN_PLACE, expiry, RENEWED))
        if not steady and rng.random() < LAPSE_CHANCE:
            expiry = -issued - rng.randint(7, 45)  # renewed weeks after it ran out
        else:
            expiry = -issued + rng.randint(3, 30)  # renewed shortly before it ran out
    events.append(CapabilityEvent(since, Status.IN_PLACE, expiry, IN_PLACE))
    return events[::-1]


def _before_in_place(rng, since: int) -> list[CapabilityEvent]:
    if since >= HISTORY_DAYS:
        return []
    started = min(HISTORY_DAYS, since + rng.randint(20, 150))
    events = [CapabilityEvent(started, Status.IN_PROGRESS, None, STARTED)]
    if started < HISTORY_DAYS:
        events.insert(0, CapabilityEvent(HISTORY_DAYS, Status.NOT_IN_PLACE, None, IMPORTED))
    return events


def with_capability_history(
    site: SiteProfile, plan: CapabilityPlan, validity_months: int | None
) -> CapabilityPlan:
    rng = seeded_rng(site.ods_code, "history", plan.code)
    if plan.status == Status.IN_PLACE:
        needed_since = site.intent.met_since.get(plan.code)
        if needed_since is not None:
            since = min(HISTORY_DAYS, needed_since + rng.randint(14, 120))
        else:
            since = min(HISTORY_DAYS, rng.randint(20, HISTORY_DAYS + 150))
        steady = plan.code in site.intent.met
        period = _days_per_month(validity_months)
        events = _before_in_place(rng, since)
        events += _evidence_chain(rng, plan, since, period, steady)
    elif plan.status == Status.IN_PROGRESS:
        started = min(HISTORY_DAYS, rng.randint(10, HISTORY_DAYS + 100))
        events = [CapabilityEvent(started, Status.IN_PROGRESS, plan.expires_in_days, STARTED)]
        if started < HISTORY_DAYS:
            events.insert(0, CapabilityEvent(HISTORY_DAYS, Status.NOT_IN_PLACE, None, IMPORTED))
    else:
        events = [CapabilityEvent(HISTORY_DAYS, plan.status, plan.expires_in_days, IMPORTED)]
    events[0] = replace(events[0], reason=IMPORTED)
    return replace(plan, history=tuple(events))


def _chain(rng, course: CourseInfo, current: int, start: int, steady: bool) -> tuple[int, ...]:
    """Completions (days ago, oldest first) that led to the current record since `start`."""
    period = None if course.renewal_months is None else int(course.renewal_months * 30.44)
    completions = [current]
    while period is not None and completions[0] < start and len(completions) < 6:
        renewed = completions[0]
        if not steady and rng.random() < LAPSE_CHANCE:
            completions.insert(0, renewed + period + rng.randint(7, 60))
        else:
            completions.insert(0, renewed + period - rng.randint(5, 40))
    return tuple(completions)


def with_staff_history(
    site: SiteProfile, staff: tuple[StaffPlan, ...], courses: tuple[CourseInfo, ...]
) -> tuple[StaffPlan, ...]:
    """When each person joined (some during the year), and their training's renewals."""
    by_code = {course.code: course for course in courses}
    planned = []
    for person in staff:
        rng = seeded_rng(site.ods_code, "joined", person.email)
        joined = None
        if not person.steady and rng.random() < 0.15:
            low = (person.left_days_ago or 0) + 30
            if low < HISTORY_DAYS - 20:
                joined = rng.randint(low, HISTORY_DAYS - 20)
        start = HISTORY_DAYS if joined is None else joined
        training = tuple(
            replace(
                plan,
                completions=_chain(
                    rng,
                    by_code[plan.course],
                    plan.completions[-1],
                    start,
                    plan.course in person.steady,
                ),
            )
            for plan in person.training
        )
        planned.append(replace(person, joined_days_ago=joined, training=training))
    return tuple(planned)
