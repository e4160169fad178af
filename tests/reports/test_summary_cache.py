"""The ranking's cache (reports/readiness/summary_cache.py): asked again, the ranking is read
from the cache; after any readiness-relevant write, however it is made, it is counted afresh.

Each write below is checked against the full engine (the row path, which reads the tables and
never the cache), for today and for a past date (read from the change history). The writes
include the ones no Django signal sees (`QuerySet.update`, `bulk_create`, raw SQL), since the
site's stamp is moved by database triggers. Run with the locmem cache and, when REDIS_URL is
set, with Redis as in production.
"""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext, override_settings
from django.utils import timezone

from reports import readiness
from reports.models import ReadinessStamp
from reports.readiness import summary_cache
from sites.models import SiteCapability
from tests.sites.factories import CapabilityFactory, SiteCapabilityFactory, SiteFactory
from tests.training.factories import CourseFactory, StaffMemberFactory, TrainingRecordFactory
from tests.trials.factories import (
    CapabilityRequirementFactory,
    RequirementProfileFactory,
    TrainingRequirementFactory,
)
from training.models import StaffMember, TrainingRecord

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="the stamps are PostgreSQL triggers"
    ),
]

BACKENDS = {"locmem": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
if settings.REDIS_URL:
    BACKENDS["redis"] = {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": settings.REDIS_URL,
        "KEY_PREFIX": f"test-summary-cache-{uuid.uuid4().hex}",
    }


@pytest.fixture(params=list(BACKENDS))
def backend(request):
    with override_settings(CACHES={"default": BACKENDS[request.param]}):
        yield request.param


@pytest.fixture(params=["stamps by id", "every stamp"])
def stamp_read(request, monkeypatch):
    """The stamps of a short list are read by id, of a long one (1,000 sites or more) all."""
    if request.param == "every stamp":
        monkeypatch.setattr(summary_cache, "ALL_STAMPS_FROM", 1)
    return request.param


def _fields(assessment) -> tuple:
    return (assessment.site.pk, assessment.score, assessment.ready, assessment.blockers,
            assessment.warnings, assessment.expiring, assessment.met)  # fmt: skip


class Network:
    """Two sites against a profile of two capabilities and a course for two pharmacists."""

    def __init__(self) -> None:
        self.today = timezone.localdate()
        self.capabilities = CapabilityFactory.create_batch(2)
        self.course = CourseFactory(renewal_months=12)
        profile = RequirementProfileFactory()
        for capability in self.capabilities:
            CapabilityRequirementFactory(profile=profile, capabilities=[capability])
        TrainingRequirementFactory(profile=profile, course=self.course, role="PHARMACIST",
                                   min_staff=2)  # fmt: skip
        self.requirements = readiness.requirement_set_for_profile(profile)
        self.sites = [SiteFactory(), SiteFactory()]
        for site in self.sites:
            for capability in self.capabilities:
                SiteCapabilityFactory(site=site, capability=capability,
                                      status=SiteCapability.Status.IN_PLACE)  # fmt: skip
            for _ in range(2):
                TrainingRecordFactory(
                    course=self.course,
                    staff=StaffMemberFactory(site=site, roles=["PHARMACIST"]),
                    completed_on=self.today - dt.timedelta(days=30),
                )

    def ranked(self, on: dt.date) -> list[tuple]:
        return [_fields(a) for a in readiness.assess(
            sites=self.sites, requirements=self.requirements, on=on, summary_only=True
        )]  # fmt: skip

    def expected(self, on: dt.date) -> list[tuple]:
        return [_fields(a) for a in readiness.assess(
            sites=self.sites, requirements=self.requirements, on=on
        )]  # fmt: skip


def _first_site_capability(network: Network) -> SiteCapability:
    return SiteCapability.objects.filter(site=network.sites[0]).order_by("pk").first()


def _first_record(network: Network) -> TrainingRecord:
    return TrainingRecord.objects.filter(staff__site=network.sites[0]).order_by("pk").first()


def _save_status(network):
    item = _first_site_capability(network)
    item.status = SiteCapability.Status.IN_PROGRESS
    item.save()


def _update_expiry(network):
    SiteCapability.objects.filter(pk=_first_site_capability(network).pk).update(
        evidence_expires_on=network.today + dt.timedelta(days=10)
    )


def _delete_item(network):
    SiteCapability.objects.filter(pk=_first_site_capability(network).pk).delete()


def _add_item_in_bulk(network):
    SiteCapability.objects.filter(site=network.sites[1]).delete()
    SiteCapability.objects.bulk_create([
        SiteCapability(site=network.sites[1], capability=capability, status=status)
        for capability, status in zip(network.capabilities, SiteCapability.Status, strict=False)
    ])  # fmt: skip


def _staff_leaves(network):
    StaffMember.objects.filter(site=network.sites[0]).update(active=False)


def _staff_moves_site(network):
    member = StaffMember.objects.filter(site=network.sites[0]).first()
    member.site = network.sites[1]
    member.save()


def _role_changes(network):
    StaffMember.objects.filter(site=network.sites[0]).update(roles=["NURSE"])


def _record_lapses(network):
    TrainingRecord.objects.filter(pk=_first_record(network).pk).update(
        completed_on=network.today - dt.timedelta(days=800)
    )


def _record_deleted(network):
    _first_record(network).delete()


def _record_added_in_bulk(network):
    members = StaffMember.objects.filter(site=network.sites[1])
    TrainingRecord.objects.filter(staff__in=members).delete()
    TrainingRecord.objects.bulk_create([
        TrainingRecord(staff=member, course=network.course,
                       completed_on=network.today - dt.timedelta(days=400))
        for member in members
    ])  # fmt: skip


def _raw_sql(network):
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {SiteCapability._meta.db_table} SET status = %s WHERE site_id = %s",
            [SiteCapability.Status.NOT_IN_PLACE, network.sites[1].pk],
        )


WRITES = [
    _save_status, _update_expiry, _delete_item, _add_item_in_bulk, _staff_leaves,
    _staff_moves_site, _role_changes, _record_lapses, _record_deleted, _record_added_in_bulk,
    _raw_sql,
]  # fmt: skip


def test_a_ranking_asked_again_is_read_from_the_cache(backend, stamp_read):
    network = Network()
    today = network.ranked(network.today)
    with CaptureQueriesContext(connection) as queries:
        assert network.ranked(network.today) == today
    assert len(queries) == 1, [q["sql"] for q in queries]  # the stamps; no counting statement
    assert "readinessstamp" in queries[0]["sql"]


@pytest.mark.parametrize("write", WRITES, ids=lambda write: write.__name__.strip("_"))
def test_every_readiness_write_makes_the_cached_ranking_stale(backend, stamp_read, write):
    network = Network()
    before = network.ranked(network.today)
    assert before == network.expected(network.today)
    write(network)
    after = network.expected(network.today)
    assert after != before, "the write should change the ranking, or it proves nothing"
    assert network.ranked(network.today) == after


def test_a_back_dated_history_row_makes_a_past_ranking_stale(backend):
    network = Network()
    yesterday = network.today - dt.timedelta(days=1)
    item = _first_site_capability(network)
    # The history says the item was in place from a week ago.
    item.history.update(history_date=timezone.now() - dt.timedelta(days=7))
    before = network.ranked(yesterday)
    assert before == network.expected(yesterday)
    # A correction written into the history (as the demo seed writes its timelines): it was
    # only in progress then. No current row changes.
    item.history.update(status=SiteCapability.Status.IN_PROGRESS)
    after = network.expected(yesterday)
    assert after != before
    assert network.ranked(yesterday) == after


def test_each_write_gives_the_site_a_new_stamp_and_leaves_the_others():
    network = Network()
    first, second = (site.pk for site in network.sites)

    def stamps():
        return dict(ReadinessStamp.objects.values_list("site_id", "version"))

    before = stamps()
    _record_lapses(network)  # a training record: found through its staff member's site
    after = stamps()
    assert after[first] > before[first]
    assert after[second] == before[second]
