"""Users and their email addresses."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models.functions import Lower


class User(AbstractUser):
    """A person with an account. Started as a custom model so it can grow without a migration."""

    def has_verified_primary_email(self) -> bool:
        return self.emails.filter(primary=True, verified=True).exists()


class Email(models.Model):
    """One address of a user; exactly one is primary, and only verified ones receive mail."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="emails")
    email = models.EmailField(max_length=254)
    verified = models.BooleanField(default=False)
    primary = models.BooleanField(default=False)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(Lower("email"), name="accounts_email_unique_ci"),
            models.UniqueConstraint(
                fields=["user"], condition=models.Q(primary=True), name="accounts_one_primary_email"
            ),
        ]

    def __str__(self) -> str:
        return self.email
