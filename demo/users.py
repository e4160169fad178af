"""One demo account per role, all sharing one known password (listed in docs/demo-data.md)."""

from __future__ import annotations

import os
from dataclasses import dataclass

from django.contrib.auth.hashers import check_password, make_password
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError

from accounts.models import User
from sites.memberships import (
    ROLE_COORDINATOR,
    ROLE_EDITOR,
    ROLE_NETWORK,
    ROLE_PHARMACIST,
    user_upsert,
)

DEFAULT_DEMO_PASSWORD = "demo-password-2026"
WEAK_DEMO_PASSWORD = "DEMO_PASSWORD is not accepted by the password rules: {reasons}"


@dataclass(frozen=True)
class DemoUser:
    email: str
    full_name: str
    role: str  # a sites.memberships role, or "admin"
    description: str
    sites: tuple[str, ...] = ()
    regions: tuple[str, ...] = ()
    national: bool = False


DEMO_USERS: tuple[DemoUser, ...] = (
    DemoUser(
        "coordinator@demo.nhs.uk",
        "Aisha Patel",
        ROLE_COORDINATOR,
        "Site coordinator, Newcastle upon Tyne Hospitals (RTD)",
        sites=("RTD",),
    ),
    DemoUser(
        "pharmacist@demo.nhs.uk",
        "Tom Robson",
        ROLE_PHARMACIST,
        "Clinical trials pharmacist, Newcastle upon Tyne Hospitals (RTD)",
        sites=("RTD",),
    ),
    DemoUser(
        "coordinator.ucl@demo.nhs.uk",
        "Grace Okafor",
        ROLE_COORDINATOR,
        "Site coordinator, University College London Hospitals (RRV)",
        sites=("RRV",),
    ),
    DemoUser(
        "network@demo.nhs.uk",
        "Michael Dunn",
        ROLE_NETWORK,
        "Network coordinator, North East and North Cumbria (NENC) and Yorkshire and Humber (YH)",
        regions=("NENC", "YH"),
    ),
    DemoUser(
        "national@demo.nhs.uk",
        "Priya Shah",
        ROLE_NETWORK,
        "National network coordinator (every site)",
        national=True,
    ),
    DemoUser("editor@demo.nhs.uk", "Eleanor Hughes", ROLE_EDITOR, "Guidance editor"),
    DemoUser(
        "admin@demo.nhs.uk",
        "Portal Administrator",
        "admin",
        "Administrator: Django admin (superuser)",
    ),
)


def demo_password() -> str:
    return os.environ.get("DEMO_PASSWORD") or DEFAULT_DEMO_PASSWORD


class _SharedPassword:
    """Hash the demo password once and check each stored hash once.

    PBKDF2 takes about half a second per call here; seven accounts would cost seconds on every
    `make run`. The accounts share one known password anyway, so sharing its salt loses nothing.
    """

    def __init__(self, password: str) -> None:
        try:
            validate_password(password)
        except ValidationError as exc:
            raise ValidationError(
                WEAK_DEMO_PASSWORD.format(reasons=" ".join(exc.messages))
            ) from None
        self.password = password
        self._hash: str | None = None
        self._checked: dict[str, bool] = {}

    def apply(self, user: User) -> None:
        stored = user.password
        if stored not in self._checked:
            self._checked[stored] = user.has_usable_password() and check_password(
                self.password, stored
            )
        if not self._checked[stored]:
            if self._hash is None:
                self._hash = make_password(self.password)
                self._checked[self._hash] = True
            user.password = self._hash
            user.save(update_fields=["password"])


def load_users(password: str) -> dict[str, User]:
    shared = _SharedPassword(password)
    users = {}
    for demo in DEMO_USERS:
        if demo.role == "admin":
            user = User.objects.filter(email=demo.email).first()
            if user is None:
                user = User(email=demo.email)
                user.set_unusable_password()
            wanted = (demo.full_name, True, True)
            if user.pk is None or (user.full_name, user.is_staff, user.is_superuser) != wanted:
                user.full_name, user.is_staff, user.is_superuser = demo.full_name, True, True
                user.save()
        else:
            user = user_upsert(
                email=demo.email,
                role=demo.role,
                sites=demo.sites,
                regions=demo.regions,
                national=demo.national,
                full_name=demo.full_name,
            ).user
        shared.apply(user)
        users[demo.email] = user
    return users
