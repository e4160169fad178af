"""The requirement sets' cache (reports/readiness/catalogue_cache.py): the sets a site's pages
read through the cache are equal to the sets built afresh (`requirement_sets_afresh`), dict
order included, after every kind of write to every table they are built from.

Each write is made after the site's sets were cached, and must change them (a write that left
the sets as they were would prove nothing): the cached answer must then be the new one, which
only a key that moved can give. Writes by ORM saves, `QuerySet.update`, bulk creates and
updates, many-to-many links, raw SQL and TRUNCATE, which no Django signal sees.
"""

from __future__ import annotations

import pickle

import pytest
from django.core.cache import cache
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext, override_settings

from accounts.models import User
from reports.models import CatalogueStamp
from reports.readiness import catalogue_cache
from reports.readiness.requirements import (
    Requirement,
    RequirementSet,
    requirement_sets,
    requirement_sets_afresh,
)
from reports.selectors import site_trials_and_profiles
from sites.models import Capability
from tests.accounts.factories import UserFactory
from tests.reports.test_detail_cache import BACKEND  # Redis when there is one, else locmem
from tests.sites.factories import CapabilityFactory, SiteFactory
from tests.training.factories import CourseFactory
from tests.trials.factories import (
    CapabilityRequirementFactory,
    RequirementProfileFactory,
    TrainingRequirementFactory,
    TrialFactory,
    TrialSiteFactory,
)
from training.models import Course
from trials.models import (
    CapabilityRequirement,
    RequirementOverride,
    RequirementProfile,
    TrainingRequirement,
    Trial,
    TrialSite,
)

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="the stamp is moved by PostgreSQL triggers"
    ),
]


@pytest.fixture(autouse=True)
def backend():
    with override_settings(CACHES={"default": BACKEND}):
        yield
        cache.clear()


class World:
    """A site taking part in two trials, a third trial elsewhere, and two profiles.

    The first trial inherits both profiles, relaxes one inherited requirement and has its own;
    the second inherits one profile; every kind of requirement row (capability with
    alternatives, training with a role) is present."""

    def __init__(self) -> None:
        self.user = UserFactory(network_scope=User.NetworkScope.NATIONAL)
        self.site = SiteFactory()
        self.a, self.b, self.c, self.d = CapabilityFactory.create_batch(4)
        self.course = CourseFactory(renewal_months=12)
        self.other_course = CourseFactory(renewal_months=None)
        self.profile = RequirementProfileFactory()
        self.cap_a = CapabilityRequirementFactory(profile=self.profile, capabilities=[self.a])
        self.cap_bc = CapabilityRequirementFactory(profile=self.profile, capabilities=[self.b, self.c],
                                                   level="recommended")  # fmt: skip
        self.train = TrainingRequirementFactory(profile=self.profile, course=self.course,
                                                role="TRIAL_PHARM", min_staff=2)  # fmt: skip
        self.second_profile = RequirementProfileFactory()
        CapabilityRequirementFactory(profile=self.second_profile, capabilities=[self.c])
        TrainingRequirementFactory(profile=self.second_profile, course=self.other_course)
        self.trial = TrialFactory()
        self.trial.profiles.add(self.profile, self.second_profile)
        self.own = CapabilityRequirementFactory(trial=self.trial, capabilities=[self.d],
                                                note="Trial-specific note")  # fmt: skip
        RequirementOverride.objects.create(trial=self.trial, capability_requirement=self.cap_a,
                                           level="recommended", reason="Sponsor agreed")  # fmt: skip
        self.second_trial = TrialFactory()
        self.second_trial.profiles.add(self.profile)
        self.elsewhere = TrialFactory()
        CapabilityRequirementFactory(trial=self.elsewhere, capabilities=[self.b])
        for trial in (self.trial, self.second_trial):
            TrialSiteFactory(trial=trial, site=self.site)
        TrialSiteFactory(trial=self.elsewhere, site=SiteFactory())

    def asked(self) -> tuple[list[Trial], list[RequirementProfile]]:
        """What the site's pages ask for, read afresh (reports/selectors.py)."""
        return site_trials_and_profiles(self.user, self.site)


def _raw(sql: str, params=()) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


# Each write changes what the site's sets hold.
WRITES = {
    "capability renamed (save)": lambda w: (
        setattr(w.a, "name", "Renamed cell therapy unit"),
        w.a.save(),
    ),
    "capability's expected evidence (QuerySet.update)": lambda w: Capability.objects.filter(
        pk=w.b.pk
    ).update(evidence_expected=[{"label": "A new SOP"}]),
    "capability renamed (raw SQL)": lambda w: _raw(
        "UPDATE sites_capability SET name = %s WHERE id = %s", ["Raw name", w.c.pk]
    ),
    "capability's category (bulk_update)": lambda w: Capability.objects.bulk_update(
        [
            Capability(
                pk=w.d.pk,
                category=Capability.Category.values[-1]
                if w.d.category != Capability.Category.values[-1]
                else Capability.Category.values[0],
            )
        ],
        ["category"],
    ),
    "course retitled (save)": lambda w: (
        setattr(w.course, "title", "Retitled course"),
        w.course.save(),
    ),
    "course's renewal period (raw SQL)": lambda w: _raw(
        "UPDATE training_course SET renewal_months = 36 WHERE id = %s", [w.course.pk]
    ),
    "profile renamed (save)": lambda w: (
        setattr(w.profile, "name", "Renamed profile"),
        w.profile.save(),
    ),
    "profile renamed (QuerySet.update)": lambda w: RequirementProfile.objects.filter(
        pk=w.second_profile.pk
    ).update(name="Updated profile"),
    "requirement added to a profile": lambda w: CapabilityRequirementFactory(
        profile=w.second_profile, capabilities=[w.d], level="recommended"
    ),
    "requirements bulk-created": lambda w: (
        CapabilityRequirement.objects.bulk_create(
            [CapabilityRequirement(profile=w.profile, level="mandatory", note="bulk")]
        )
        and w.profile.capability_requirements.get(note="bulk").capabilities.add(w.d)
    ),
    "requirement's level edited (save)": lambda w: (
        setattr(w.own, "level", "recommended"),
        w.own.save(),
    ),
    "requirement's note (raw SQL)": lambda w: _raw(
        "UPDATE trials_capabilityrequirement SET note = 'Raw note' WHERE id = %s", [w.own.pk]
    ),
    "alternative added (m2m add)": lambda w: w.cap_a.capabilities.add(w.b),
    "alternative removed (raw SQL on the m2m table)": lambda w: _raw(
        "DELETE FROM trials_capabilityrequirement_capabilities"
        " WHERE capabilityrequirement_id = %s AND capability_id = %s",
        [w.own.pk, w.d.pk],
    ),
    "requirement deleted": lambda w: w.own.delete(),
    "training requirement's staff number (QuerySet.update)": lambda w: (
        TrainingRequirement.objects.filter(pk=w.train.pk).update(min_staff=3)
    ),
    "training requirement's role (save)": lambda w: (
        setattr(w.train, "role", "RESEARCH_NURSE"),
        w.train.save(),
    ),
    "training requirement deleted (raw SQL)": lambda w: _raw(
        "DELETE FROM trials_trainingrequirement WHERE id = %s", [w.train.pk]
    ),
    "own training requirement added": lambda w: TrainingRequirementFactory(
        trial=w.second_trial, course=w.other_course, min_staff=2
    ),
    "profile removed from a trial (m2m remove)": lambda w: w.trial.profiles.remove(
        w.second_profile
    ),
    "profile added to a trial (raw SQL on the m2m table)": lambda w: _raw(
        "INSERT INTO trials_trial_profiles (trial_id, requirementprofile_id) VALUES (%s, %s)",
        [w.second_trial.pk, w.second_profile.pk],
    ),
    "override added": lambda w: RequirementOverride.objects.create(
        trial=w.trial, training_requirement=w.train, level="excluded", reason="Not needed"
    ),
    "override's level changed (QuerySet.update)": lambda w: RequirementOverride.objects.filter(
        trial=w.trial
    ).update(level="excluded"),
    "override deleted": lambda w: RequirementOverride.objects.filter(trial=w.trial).delete(),
    # The test's transaction has deferred foreign key checks pending: run them first.
    "overrides truncated": lambda w: _raw(
        "SET CONSTRAINTS ALL IMMEDIATE; TRUNCATE trials_requirementoverride"
    ),
    "trial added to the site": lambda w: TrialSiteFactory(trial=w.elsewhere, site=w.site),
    "trial removed from the site": lambda w: TrialSite.objects.filter(
        trial=w.second_trial, site=w.site
    ).delete(),
    "trial renamed": lambda w: Trial.objects.filter(pk=w.trial.pk).update(short_title="ZZ renamed"),
    "profile added": lambda w: RequirementProfileFactory(name="Another profile"),
    "requirement's level (QuerySet.update)": lambda w: CapabilityRequirement.objects.filter(
        profile=w.second_profile
    ).update(level="recommended"),
    "alternative removed (m2m remove)": lambda w: w.cap_bc.capabilities.remove(w.c),
    "training requirements bulk-created": lambda w: TrainingRequirement.objects.bulk_create(
        [
            TrainingRequirement(
                profile=w.second_profile, course=w.course, min_staff=1, level="mandatory"
            )
        ]
    ),  # fmt: skip
    "training requirement deleted (QuerySet.delete)": lambda w: TrainingRequirement.objects.filter(
        pk=w.train.pk
    ).delete(),
    "profile added to a trial (m2m add)": lambda w: w.second_trial.profiles.add(w.second_profile),
}

# Writes answered by the key's trials and labels (what the caller asks for), not by the stamp:
# trials_trial and trials_trialsite have no trigger (migration 0006).
ASKED_WRITES = {"trial added to the site", "trial removed from the site", "trial renamed"}


def _site_sets(world: World):
    trials, profiles = world.asked()
    return requirement_sets(trials=trials, profiles=profiles)


def _afresh(world: World):
    trials, profiles = world.asked()
    return requirement_sets_afresh(trials, profiles)


def _as_lists(sets) -> tuple[list, list]:
    """The answer with its order: (pk, set) pairs, as the callers iterate them."""
    trial_sets, profile_sets = sets
    return list(trial_sets.items()), list(profile_sets.items())


def _stamp() -> int:
    return CatalogueStamp.objects.get().version


@pytest.mark.parametrize("name", WRITES.keys())
def test_cached_sets_equal_fresh_ones_after_each_write(name):
    world = World()
    before = _as_lists(_site_sets(world))
    assert before == _as_lists(_afresh(world))
    assert _as_lists(_site_sets(world)) == before  # now read from the cache
    stamp_before = _stamp()
    WRITES[name](world)
    fresh = _as_lists(_afresh(world))
    assert fresh != before, "the write must change the sets, or it proves nothing"
    if name not in ASKED_WRITES:
        assert _stamp() > stamp_before, "a catalogue write must move the stamp"
    assert _as_lists(_site_sets(world)) == fresh  # stored anew
    assert _as_lists(_site_sets(world)) == fresh  # and read back


def test_a_key_without_the_stamp_would_serve_stale_sets(monkeypatch):
    """The write cases above prove something only because the stamp is in the key."""
    monkeypatch.setattr(catalogue_cache, "stamp", lambda: 0)
    world = World()
    _site_sets(world)
    WRITES["capability renamed (save)"](world)
    assert _as_lists(_site_sets(world)) != _as_lists(_afresh(world))


def test_a_second_call_runs_only_the_stamp_query_whatever_the_data():
    world = World()
    trials, profiles = world.asked()
    with CaptureQueriesContext(connection) as cold:
        requirement_sets(trials=trials, profiles=profiles)
    assert len(cold) == 5  # the stamp, then the four that build the sets
    with CaptureQueriesContext(connection) as warm:
        requirement_sets(trials=trials, profiles=profiles)
    assert len(warm) == 1 and "reports_cataloguestamp" in warm[0]["sql"]
    for _ in range(5):  # more trials at the site, profiles and requirements
        trial = TrialFactory()
        trial.profiles.add(world.profile, RequirementProfileFactory())
        TrialSiteFactory(trial=trial, site=world.site)
        CapabilityRequirementFactory.create_batch(3, trial=trial, capabilities=[world.c])
        TrainingRequirementFactory(trial=trial, course=CourseFactory())
    trials, profiles = world.asked()
    assert len(trials) == 7
    requirement_sets(trials=trials, profiles=profiles)
    with CaptureQueriesContext(connection) as larger:
        cached = requirement_sets(trials=trials, profiles=profiles)
    assert len(larger) == 1
    assert _as_lists(cached) == _as_lists(requirement_sets_afresh(trials, profiles))


def test_labels_are_the_callers_instances():
    """The uncached path labels a set with the instance it is given; so does the cache."""
    world = World()
    trials, profiles = world.asked()
    requirement_sets(trials=trials, profiles=profiles)
    trials[0].short_title, profiles[0].name = "Unsaved title", "Unsaved name"
    cached = _as_lists(requirement_sets(trials=trials, profiles=profiles))
    assert cached == _as_lists(requirement_sets_afresh(trials, profiles))
    assert cached[0][0][1].label == "Unsaved title" and cached[1][0][1].label == "Unsaved name"


def test_each_call_gets_its_own_sets():
    """A caller that changes the sets it was given (the checklist filters their requirements)
    changes nothing another call reads."""
    world = World()
    trials, profiles = world.asked()
    first, _ = requirement_sets(trials=trials, profiles=profiles)
    first[trials[0].pk].requirements.clear()
    second, _ = requirement_sets(trials=trials, profiles=profiles)
    assert second[trials[0].pk].requirements


def test_entries_are_plain_data():
    world = World()
    trials, profiles = world.asked()
    requirement_sets(trials=trials, profiles=profiles)
    entry = cache.get(catalogue_cache.key(catalogue_cache.stamp(), trials, profiles))
    trial_sets, profile_sets = entry
    assert list(trial_sets) == [t.pk for t in trials]
    assert list(profile_sets) == [p.pk for p in profiles]
    for stored in (*trial_sets.values(), *profile_sets.values()):
        assert type(stored) is RequirementSet and type(stored.label) is str
        assert type(stored.requirements) is list and stored.requirements
        for requirement in stored.requirements:
            assert type(requirement) is Requirement
            for value in vars(requirement).values():
                assert type(value) in {str, int, tuple, type(None)}
                if type(value) is tuple:
                    assert {type(item) for item in value} <= {str, int}
    assert pickle.loads(pickle.dumps(entry)) == entry


def test_an_entry_written_in_a_rolled_back_transaction_is_never_read():
    world = World()
    trials, profiles = world.asked()
    before = _as_lists(requirement_sets(trials=trials, profiles=profiles))
    with pytest.raises(RuntimeError), transaction.atomic():
        Course.objects.filter(pk=world.course.pk).update(title="Rolled back")
        assert _as_lists(requirement_sets(trials=trials, profiles=profiles)) != before
        raise RuntimeError
    assert _as_lists(requirement_sets(trials=trials, profiles=profiles)) == before


def test_without_the_stamp_row_the_sets_are_built_afresh():
    """A deleted row (by hand; the triggers put it back at the next write) has no version to
    file an entry under: nothing is stored, so an entry can never outlive two deletions."""
    world = World()
    trials, profiles = world.asked()
    _raw("DELETE FROM reports_cataloguestamp")
    for _ in range(2):  # nothing is stored, so the second call builds them again
        with CaptureQueriesContext(connection) as queries:
            sets = requirement_sets(trials=trials, profiles=profiles)
        assert len(queries) == 5
    assert _as_lists(sets) == _as_lists(requirement_sets_afresh(trials, profiles))
    world.a.save()  # the next write puts the row back
    assert catalogue_cache.stamp() is not None


def test_no_sets_asked_reads_nothing():
    with CaptureQueriesContext(connection) as queries:
        assert requirement_sets(trials=[], profiles=[]) == ({}, {})
    assert not queries


def test_requirement_set_type_is_kept():
    world = World()
    trials, profiles = world.asked()
    requirement_sets(trials=trials, profiles=profiles)
    trial_sets, profile_sets = requirement_sets(trials=trials, profiles=profiles)
    assert all(type(s) is RequirementSet and type(s.requirements) is list
               for s in (*trial_sets.values(), *profile_sets.values()))  # fmt: skip
