"""The requirement sets' cache (reports/readiness/catalogue_cache.py): asked again, the sets are
read from the cache; after any write to the catalogue, however it is made, they are built
afresh, equal to the uncached builder's (`requirement_sets_afresh`), field by field.
"""

from __future__ import annotations

import pickle

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from reports.models import CatalogueStamp
from reports.readiness import catalogue_cache
from reports.readiness.requirements import (
    Requirement,
    RequirementSet,
    requirement_sets,
    requirement_sets_afresh,
)
from sites.models import Capability
from tests.sites.factories import CapabilityFactory
from tests.training.factories import CourseFactory
from tests.trials.factories import (
    CapabilityRequirementFactory,
    RequirementProfileFactory,
    TrainingRequirementFactory,
    TrialFactory,
)
from training.models import Course
from trials.models import (
    CapabilityRequirement,
    RequirementOverride,
    RequirementProfile,
    TrainingRequirement,
)

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="the stamp is a PostgreSQL trigger"
    ),
]


class Catalogue:
    """Two profiles (one inherited by the trial), a trial with its own requirements."""

    def __init__(self) -> None:
        self.capabilities = CapabilityFactory.create_batch(4)
        a, b, c, d = self.capabilities
        self.course = CourseFactory(renewal_months=12)
        self.profile = RequirementProfileFactory()
        self.other = RequirementProfileFactory()
        self.cap_a = CapabilityRequirementFactory(profile=self.profile, capabilities=[a, b])
        CapabilityRequirementFactory(profile=self.other, capabilities=[c])
        self.train = TrainingRequirementFactory(profile=self.profile, course=self.course,
                                                role="TRIAL_PHARM", min_staff=2)  # fmt: skip
        self.trial = TrialFactory()
        self.trial.profiles.add(self.profile)
        CapabilityRequirementFactory(trial=self.trial, capabilities=[d])
        self.override = RequirementOverride.objects.create(
            trial=self.trial, capability_requirement=self.cap_a,
            level=RequirementOverride.Level.RECOMMENDED, reason="Shared with another site",
        )  # fmt: skip

    def cached(self):
        return requirement_sets(trials=[self.trial], profiles=[self.profile, self.other])

    def afresh(self):
        return requirement_sets_afresh([self.trial], [self.profile, self.other])


def _capability_renamed(c):
    capability = c.capabilities[0]
    capability.name = "Renamed capability"
    capability.save()


def _expected_evidence(c):
    Capability.objects.filter(pk=c.capabilities[2].pk).update(
        evidence_expected=[{"label": "A new certificate"}]
    )


def _renewal_by_raw_sql(c):
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {Course._meta.db_table} SET renewal_months = 3 WHERE id = %s",
                       [c.course.pk])  # fmt: skip


def _profile_renamed(c):
    RequirementProfile.objects.filter(pk=c.profile.pk).update(name="Renamed profile")


def _level_changed(c):
    CapabilityRequirement.objects.filter(profile=c.other).update(level="recommended")


def _alternative_added(c):
    c.cap_a.capabilities.add(c.capabilities[2])


def _alternative_removed(c):
    c.cap_a.capabilities.remove(c.capabilities[1])


def _training_added_in_bulk(c):
    TrainingRequirement.objects.bulk_create([
        TrainingRequirement(profile=c.other, course=c.course, min_staff=1, level="mandatory")
    ])  # fmt: skip


def _training_deleted(c):
    TrainingRequirement.objects.filter(pk=c.train.pk).delete()


def _override_deleted(c):
    c.override.delete()


def _override_added(c):
    RequirementOverride.objects.create(
        trial=c.trial, training_requirement=c.train,
        level=RequirementOverride.Level.EXCLUDED, reason="Not for this trial",
    )  # fmt: skip


def _trial_inherits_another_profile(c):
    c.trial.profiles.add(c.other)


def _trial_drops_its_profile(c):
    c.trial.profiles.remove(c.profile)


WRITES = [
    _capability_renamed, _expected_evidence, _renewal_by_raw_sql, _profile_renamed,
    _level_changed, _alternative_added, _alternative_removed, _training_added_in_bulk,
    _training_deleted, _override_deleted, _override_added, _trial_inherits_another_profile,
    _trial_drops_its_profile,
]  # fmt: skip


@pytest.mark.parametrize("write", WRITES, ids=lambda write: write.__name__.strip("_"))
def test_every_catalogue_write_makes_the_cached_sets_stale(write):
    catalogue = Catalogue()
    before = catalogue.afresh()
    assert catalogue.cached() == before
    assert catalogue.cached() == before
    write(catalogue)
    after = catalogue.afresh()
    assert after != before, "the write should change a set, or it proves nothing"
    assert catalogue.cached() == after


def test_the_labels_come_from_the_callers_trial_and_profiles():
    catalogue = Catalogue()
    catalogue.cached()
    catalogue.trial.short_title = "Renamed in memory"
    trial_sets, _ = catalogue.cached()
    assert trial_sets[catalogue.trial.pk].label == "Renamed in memory"


def test_a_key_without_the_stamp_would_serve_stale_sets(monkeypatch):
    monkeypatch.setattr(catalogue_cache, "stamp", lambda: 0)
    catalogue = Catalogue()
    catalogue.cached()
    _capability_renamed(catalogue)
    assert catalogue.cached() != catalogue.afresh()


def test_sets_asked_again_cost_one_query_and_are_plain_data():
    catalogue = Catalogue()
    with CaptureQueriesContext(connection) as cold:
        catalogue.cached()
    with CaptureQueriesContext(connection) as warm:
        sets = catalogue.cached()
    assert len(cold) == 5  # the stamp, then the four that build the sets
    assert len(warm) == 1 and "cataloguestamp" in warm[0]["sql"]
    allowed = (dict, list, tuple, str, int, type(None), RequirementSet, Requirement)

    def walk(value):
        assert isinstance(value, allowed), type(value)
        if isinstance(value, dict):
            for item in value.items():
                walk(item)
        elif isinstance(value, list | tuple):
            for item in value:
                walk(item)
        elif isinstance(value, RequirementSet | Requirement):
            for item in vars(value).values():
                walk(item)

    walk(sets)
    assert pickle.loads(pickle.dumps(sets)) == sets


def test_each_catalogue_write_moves_the_stamp():
    for write in WRITES:
        catalogue = Catalogue()
        before = CatalogueStamp.objects.get().version
        write(catalogue)
        assert CatalogueStamp.objects.get().version > before, write.__name__
