"""Sign-in attempts, kept to throttle password guessing per account."""

from django.db import models
from django.utils import timezone


def normalized_username(username: str) -> str:
    """The username attempts are counted under: case variants share one count."""
    return username.lower()


class LoginAttempt(models.Model):
    """One submission of the sign-in form for ``username`` (lowercased), and its outcome."""

    username = models.CharField(max_length=254)
    ip = models.GenericIPAddressField(null=True, blank=True)
    at = models.DateTimeField(default=timezone.now)
    succeeded = models.BooleanField()

    class Meta:
        ordering = ["-at"]
        indexes = [models.Index(fields=["username", "at"], name="loginattempt_username_at_idx")]

    def __str__(self):
        outcome = "succeeded" if self.succeeded else "failed"
        return f"{self.username} {outcome} at {self.at:%Y-%m-%d %H:%M:%S}"
