"""Shared fixtures: the personas every access test uses, and eager Celery.

Site A is in region North; site B in region South. The network coordinator covers North only,
so site B is as invisible to them as site A is to site B's coordinator.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.test import Client

from accounts.models import User
from atmp_portal.celery import app as celery_app
from sites.models import Region, Site, SiteMembership
from tests.accounts.factories import UserFactory
from tests.sites.factories import (
    MembershipFactory,
    NetworkRegionFactory,
    RegionFactory,
    SiteFactory,
)


@dataclass
class Personas:
    north: Region
    south: Region
    site_a: Site
    site_b: Site
    coordinator_a: User
    pharmacist_a: User
    coordinator_b: User
    network: User
    national: User
    editor: User
    nobody: User

    def client_for(self, user: User) -> Client:
        client = Client()
        client.force_login(user)
        return client


@pytest.fixture
def personas(db) -> Personas:
    north = RegionFactory(code="NORTH", name="North")
    south = RegionFactory(code="SOUTH", name="South")
    site_a = SiteFactory(name="Alpha Hospital", ods_code="RAA", region=north)
    site_b = SiteFactory(name="Beta Hospital", ods_code="RBB", region=south)
    coordinator_a = MembershipFactory(
        site=site_a, role=SiteMembership.Role.COORDINATOR, user__email="coord.a@nhs.example"
    ).user
    pharmacist_a = MembershipFactory(
        site=site_a, role=SiteMembership.Role.PHARMACIST, user__email="pharm.a@nhs.example"
    ).user
    coordinator_b = MembershipFactory(
        site=site_b, role=SiteMembership.Role.COORDINATOR, user__email="coord.b@nhs.example"
    ).user
    network = NetworkRegionFactory(region=north, user__email="network.north@nhs.example").user
    national = UserFactory(email="network.national@nhs.example", network_scope="national")
    editor = UserFactory(email="editor@nhs.example", is_guidance_editor=True)
    nobody = UserFactory(email="nobody@nhs.example")
    return Personas(
        north,
        south,
        site_a,
        site_b,
        coordinator_a,
        pharmacist_a,
        coordinator_b,
        network,
        national,
        editor,
        nobody,
    )


@pytest.fixture
def eager():
    """Celery tasks run in the calling process (as `make run` does), for this test only."""
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = previous


@pytest.fixture(autouse=True)
def _empty_cache():
    """Rate-limit and failed sign-in counters live in the cache: each test starts at zero."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()
