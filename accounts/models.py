"""Portal users. People log in by work e-mail; there is no self sign-up.

Site roles (coordinator, pharmacist) are memberships of a site (sites.SiteMembership);
national roles live here because they are not tied to a site.
"""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.utils import timezone


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create(self, email: str, password: str | None, **extra) -> User:
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=self.normalize_email(email), **extra)  # save() lower-cases it
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra) -> User:
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra) -> User:
        extra.update(is_staff=True, is_superuser=True)
        return self._create(email, password, **extra)

    def get_by_natural_key(self, username: str) -> User:
        return self.get(email__iexact=username)


class User(AbstractBaseUser, PermissionsMixin):
    class NetworkScope(models.TextChoices):
        NONE = "", "Not a network coordinator"
        REGIONS = "regions", "Network coordinator for named regions"
        NATIONAL = "national", "National network coordinator"

    email = models.EmailField("work e-mail", unique=True)
    full_name = models.CharField(max_length=150)
    network_scope = models.CharField(
        max_length=10,
        choices=NetworkScope.choices,
        blank=True,
        default=NetworkScope.NONE,
        help_text="NIHR network coordinators see every site in their regions, or all sites.",
    )

    class ExpiryDigest(models.TextChoices):
        DAILY = "daily", "Every day"
        WEEKLY = "weekly", "Once a week, on Monday"
        NONE = "none", "Never"

    expiry_digest = models.CharField(
        "expiry reminder e-mails",
        max_length=10,
        choices=ExpiryDigest.choices,
        default=ExpiryDigest.WEEKLY,
        help_text="How often to e-mail what has expired or expires soon at the user's sites.",
    )
    is_guidance_editor = models.BooleanField(
        default=False, help_text="May write, version and publish handling guidance."
    )
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False, help_text="May use the Django admin.")
    date_joined = models.DateTimeField(default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["full_name"]

    class Meta:
        ordering = ["email"]

    def __str__(self) -> str:
        return f"{self.full_name} <{self.email}>" if self.full_name else self.email

    def save(self, *args, **kwargs) -> None:
        self.email = self.email.lower()
        # set_password() keeps the raw password until the save; after it, it is gone.
        self.password_changed_on_save = self._password is not None
        super().save(*args, **kwargs)

    @property
    def is_network_coordinator(self) -> bool:
        return bool(self.network_scope)


class ApiToken(models.Model):
    """A named API token a user holds (`Authorization: Token <key>`).

    Only a SHA-256 digest of the key is stored: the key is shown once, when it is made.
    A token works until it expires or is revoked; all of a user's tokens are revoked when
    their password changes or their account is deactivated (accounts.signals).
    """

    KEY_PREFIX_LENGTH = 8

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100)
    digest = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(
        max_length=KEY_PREFIX_LENGTH, help_text="The key's first characters, to recognise it."
    )
    read_only = models.BooleanField(default=False, help_text="May only read (GET, HEAD, OPTIONS).")
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["user", "revoked_at"])]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    def is_usable(self, now=None) -> bool:
        now = now or timezone.now()
        return self.revoked_at is None and self.expires_at > now
