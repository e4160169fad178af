"""`manage.py add_user` and sites.memberships.user_upsert."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from accounts.models import User
from sites import memberships as services
from sites.management.commands.add_user import EMPTY_PASSWORD
from sites.models import NetworkRegion, SiteMembership
from tests.sites.factories import RegionFactory, SiteFactory

pytestmark = pytest.mark.django_db

GOOD_PASSWORD = "violet-harbour-lantern-42"


@pytest.fixture
def places():
    north = RegionFactory(code="NENC", name="North East and North Cumbria")
    yorkshire = RegionFactory(code="YH", name="Yorkshire and Humber")
    return {
        "north": north,
        "yorkshire": yorkshire,
        "rtd": SiteFactory(ods_code="RTD", region=north),
        "rr8": SiteFactory(ods_code="RR8", region=yorkshire),
    }


def add_user(*args: str, stdin: str | None = None) -> str:
    out = io.StringIO()
    options = {"stdout": out}
    if stdin is not None:
        options["stdin"] = io.StringIO(stdin)
    call_command("add_user", *args, **options)
    return out.getvalue()


def memberships(user: User) -> set[tuple[str, str]]:
    return set(SiteMembership.objects.filter(user=user).values_list("site__ods_code", "role"))


def test_it_creates_a_coordinator_without_a_usable_password_and_says_how_to_set_one(places):
    output = add_user("Jane.Smith@Trust.nhs.uk", "--role", "coordinator", "--site", "rtd")

    user = User.objects.get(email="jane.smith@trust.nhs.uk")
    assert memberships(user) == {("RTD", "coordinator")}
    assert user.full_name == "Jane Smith"
    assert not user.has_usable_password()
    assert "Created jane.smith@trust.nhs.uk: coordinator at RTD." in output
    assert "manage.py changepassword jane.smith@trust.nhs.uk" in output


def test_it_creates_a_pharmacist_at_several_sites_with_a_name(places):
    add_user(
        "pharm@trust.nhs.uk",
        "--role",
        "pharmacist",
        "--site",
        "RTD",
        "--site",
        "RR8",
        "--name",
        "Tom Robson",
    )

    user = User.objects.get(email="pharm@trust.nhs.uk")
    assert memberships(user) == {("RTD", "pharmacist"), ("RR8", "pharmacist")}
    assert user.full_name == "Tom Robson"


def test_it_creates_a_regional_network_coordinator(places):
    output = add_user("net@nihr.example", "--role", "network", "--region", "NENC", "--region", "yh")

    user = User.objects.get(email="net@nihr.example")
    assert user.network_scope == User.NetworkScope.REGIONS
    assert set(NetworkRegion.objects.filter(user=user).values_list("region__code", flat=True)) == {
        "NENC",
        "YH",
    }
    assert "network coordinator (NENC, YH)" in output


def test_it_creates_a_national_network_coordinator(places):
    add_user("national@nihr.example", "--role", "network", "--national")

    user = User.objects.get(email="national@nihr.example")
    assert user.network_scope == User.NetworkScope.NATIONAL
    assert not NetworkRegion.objects.filter(user=user).exists()


def test_it_creates_a_guidance_editor(places):
    output = add_user("editor@trust.nhs.uk", "--role", "editor")

    user = User.objects.get(email="editor@trust.nhs.uk")
    assert user.is_guidance_editor
    assert not user.is_network_coordinator
    assert "guidance editor" in output


@pytest.mark.parametrize("role", ["coordinator", "pharmacist"])
def test_it_requires_a_site_for_site_roles(places, role):
    with pytest.raises(CommandError, match="needs at least one site"):
        add_user("x@trust.nhs.uk", "--role", role)
    assert not User.objects.filter(email="x@trust.nhs.uk").exists()


def test_it_names_every_unknown_site_code(places):
    with pytest.raises(CommandError) as error:
        add_user(
            "x@trust.nhs.uk",
            "--role",
            "coordinator",
            "--site",
            "RTD",
            "--site",
            "RZZ",
            "--site",
            "QQQ",
        )
    assert str(error.value) == services.UNKNOWN_SITES.format(codes="QQQ, RZZ")
    assert not User.objects.filter(email="x@trust.nhs.uk").exists()


def test_it_requires_a_region_or_national_for_network_coordinators(places):
    with pytest.raises(CommandError) as error:
        add_user("net@nihr.example", "--role", "network")
    assert str(error.value) == services.REGION_OR_NATIONAL_REQUIRED


def test_it_names_unknown_region_codes_and_lists_the_known_ones(places):
    with pytest.raises(CommandError) as error:
        add_user("net@nihr.example", "--role", "network", "--region", "MARS")
    assert str(error.value) == services.UNKNOWN_REGIONS.format(codes="MARS", known="NENC, YH")


def test_it_refuses_regions_together_with_national(places):
    with pytest.raises(CommandError, match="either --region or --national"):
        add_user("net@nihr.example", "--role", "network", "--region", "NENC", "--national")


@pytest.mark.parametrize(
    "args, message",
    [
        (["--role", "editor", "--site", "RTD"], "--site applies only to coordinators"),
        (["--role", "network", "--national", "--site", "RTD"], "--site applies only"),
        (["--role", "coordinator", "--site", "RTD", "--region", "NENC"], "--region and --national"),
        (["--role", "editor", "--national"], "apply only to network coordinators"),
    ],
)
def test_it_refuses_scope_options_that_do_not_fit_the_role(places, args, message):
    with pytest.raises(CommandError, match=message):
        add_user("x@trust.nhs.uk", *args)


def test_it_rejects_an_unknown_role(places):
    with pytest.raises(CommandError, match="invalid choice"):
        add_user("x@trust.nhs.uk", "--role", "superhero")


def test_it_rejects_an_invalid_email(places):
    with pytest.raises(CommandError) as error:
        add_user("not-an-email", "--role", "editor")
    assert str(error.value) == services.INVALID_EMAIL.format(email="not-an-email")


def test_it_sets_the_password_read_from_standard_input(places):
    output = add_user(
        "x@trust.nhs.uk",
        "--role",
        "editor",
        "--password-stdin",
        stdin=GOOD_PASSWORD + "\nignored second line\n",
    )

    user = User.objects.get(email="x@trust.nhs.uk")
    assert user.check_password(GOOD_PASSWORD)
    assert "Password set." in output


@pytest.mark.parametrize(
    "password, reason",
    [
        ("short1", "too short"),
        ("password1234", "too common"),
        ("73829104736251", "entirely numeric"),
    ],
)
def test_it_rejects_a_weak_password_and_creates_nothing(places, password, reason):
    with pytest.raises(CommandError) as error:
        add_user("x@trust.nhs.uk", "--role", "editor", "--password-stdin", stdin=password + "\n")
    assert str(error.value).startswith("Password rejected:")
    assert reason in str(error.value)
    assert not User.objects.filter(email="x@trust.nhs.uk").exists()


def test_it_rejects_a_password_too_like_the_email(places):
    with pytest.raises(CommandError, match="too similar"):
        add_user(
            "harriet.wolstenholme@trust.nhs.uk",
            "--role",
            "editor",
            "--password-stdin",
            stdin="harriet.wolstenholme\n",
        )


def test_it_rejects_an_empty_password_on_standard_input(places):
    with pytest.raises(CommandError) as error:
        add_user("x@trust.nhs.uk", "--role", "editor", "--password-stdin", stdin="\n")
    assert str(error.value) == EMPTY_PASSWORD


def test_it_updates_an_existing_user_keeping_other_roles_and_the_password(places):
    add_user(
        "jane@trust.nhs.uk",
        "--role",
        "coordinator",
        "--site",
        "RTD",
        "--password-stdin",
        stdin=GOOD_PASSWORD,
    )

    output = add_user(
        "JANE@trust.nhs.uk", "--role", "pharmacist", "--site", "RR8", "--name", "Jane Armstrong"
    )
    add_user("jane@trust.nhs.uk", "--role", "editor")

    user = User.objects.get(email="jane@trust.nhs.uk")
    assert User.objects.filter(email__iexact="jane@trust.nhs.uk").count() == 1
    assert memberships(user) == {("RTD", "coordinator"), ("RR8", "pharmacist")}
    assert user.is_guidance_editor
    assert user.full_name == "Jane Armstrong"
    assert user.check_password(GOOD_PASSWORD)
    assert "Updated jane@trust.nhs.uk" in output
    assert "Password unchanged." in output


def test_it_replaces_the_sites_of_the_role_it_is_given(places):
    add_user("jane@trust.nhs.uk", "--role", "coordinator", "--site", "RTD", "--site", "RR8")
    add_user("jane@trust.nhs.uk", "--role", "coordinator", "--site", "RR8")

    assert memberships(User.objects.get(email="jane@trust.nhs.uk")) == {("RR8", "coordinator")}


def test_it_moves_a_network_coordinator_from_regions_to_national(places):
    add_user("net@nihr.example", "--role", "network", "--region", "NENC")
    add_user("net@nihr.example", "--role", "network", "--national")

    user = User.objects.get(email="net@nihr.example")
    assert user.network_scope == User.NetworkScope.NATIONAL
    assert not NetworkRegion.objects.filter(user=user).exists()


def test_it_changes_the_password_of_an_existing_user(places):
    add_user("x@trust.nhs.uk", "--role", "editor", "--password-stdin", stdin=GOOD_PASSWORD)
    add_user(
        "x@trust.nhs.uk", "--role", "editor", "--password-stdin", stdin="another-long-passphrase-77"
    )

    assert User.objects.get(email="x@trust.nhs.uk").check_password("another-long-passphrase-77")
