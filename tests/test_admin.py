"""Every model of ours is in the Django admin, and each changelist and add page opens."""

import pytest
from django.apps import apps
from django.contrib import admin
from django.urls import reverse

from sites.models import SiteMembership
from tests.accounts.factories import UserFactory
from tests.sites.factories import SiteFactory

OUR_APPS = {"accounts", "sites", "training", "trials", "guidance", "reports"}


def our_models():
    return [
        model
        for model in apps.get_models()
        if model._meta.app_label in OUR_APPS and not model.__name__.startswith("Historical")
    ]


def test_every_model_is_registered_in_the_admin():
    missing = [m.__name__ for m in our_models() if m not in admin.site._registry]
    assert not missing


@pytest.mark.django_db
def test_each_changelist_opens_with_search_for_a_superuser(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    for model in our_models():
        meta = model._meta
        url = reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist")
        response = client.get(url, {"q": "x"})
        assert response.status_code == 200, url


@pytest.mark.django_db
def test_the_user_page_shows_the_users_memberships_and_regions_inline(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    member = UserFactory()
    site = SiteFactory(ods_code="RTD")
    SiteMembership.objects.create(user=member, site=site, role=SiteMembership.Role.COORDINATOR)
    response = client.get(reverse("admin:accounts_user_change", args=[member.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="site_memberships-group"' in html
    assert 'id="network_regions-group"' in html
    assert 'name="site_memberships-0-site"' in html
    assert site.name in html
