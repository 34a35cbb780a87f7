from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone

from .tokens import hash_token, new_token


class Role(models.TextChoices):
    PATIENT = "patient", "Patient"
    CAREGIVER = "caregiver", "Caregiver"
    COORDINATOR = "coordinator", "Coordinator"
    SPECIALIST = "specialist", "Specialist"
    PHYSICIAN = "physician", "Treating physician"
    ADMIN = "admin", "Administrator"


class User(AbstractUser):
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.PATIENT)
    # Demo accounts may skip two-factor sign-in, but only while DEBUG is on.
    two_factor_exempt_in_debug = models.BooleanField(default=False)

    def __str__(self):
        return self.get_full_name() or self.username

    @property
    def needs_two_factor(self) -> bool:
        if self.role not in settings.TWO_FACTOR_ROLES:
            return False
        return not (settings.DEBUG and self.two_factor_exempt_in_debug)


class ApiTokenQuerySet(models.QuerySet):
    def active(self):
        return self.filter(revoked_at__isnull=True)


class ApiToken(models.Model):
    """A personal bearer token; only its SHA-256 is stored, the token is shown once."""

    PREFIX = "csl_"

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=80)
    key_hash = models.CharField(max_length=64, unique=True)
    hint = models.CharField(max_length=12)
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]

    @classmethod
    def issue(cls, user: User, name: str) -> tuple["ApiToken", str]:
        raw, key_hash = new_token(cls.PREFIX)
        token = cls.objects.create(user=user, name=name, key_hash=key_hash, hint=raw[:10])
        return token, raw

    @classmethod
    def authenticate(cls, raw: str) -> User | None:
        if not raw.startswith(cls.PREFIX):
            return None
        token = (
            cls.objects.active()
            .select_related("user")
            .filter(key_hash=hash_token(raw), user__is_active=True)
            .first()
        )
        if token is None:
            return None
        cls.objects.filter(pk=token.pk).update(last_used_at=timezone.now())
        return token.user
