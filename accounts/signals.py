"""API tokens end with the password they were made under, and with the account."""

from __future__ import annotations

from django.db.models.signals import post_save
from django.dispatch import receiver

from accounts.models import User
from accounts.services import api_tokens_revoke_all


@receiver(post_save, sender=User)
def revoke_tokens_on_password_change_or_deactivation(
    sender, instance: User, created: bool, **kwargs
) -> None:
    if created:
        return
    if getattr(instance, "password_changed_on_save", False) or not instance.is_active:
        api_tokens_revoke_all(user=instance)
