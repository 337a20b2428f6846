from django.conf import settings
from django.db import models


class ApiToken(models.Model):
    """A personal access token: a secret a script sends as `Authorization: Bearer …`.

    The secret itself is never stored: `key` (its public part, also inside the token)
    finds the row and `digest` (SHA-256 of the whole token) proves the rest
    (parley/accounts/tokens.py). A revoked or expired token stays listed, unusable.
    """

    class Scope(models.TextChoices):
        READ = "read", "Read"
        WRITE = "write", "Read and write"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(max_length=64)
    key = models.CharField(max_length=16, unique=True, editable=False)
    digest = models.CharField(max_length=64, editable=False)
    scope = models.CharField(max_length=8, choices=Scope.choices, default=Scope.WRITE)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.user})"

    @property
    def may_write(self) -> bool:
        return self.scope == self.Scope.WRITE
