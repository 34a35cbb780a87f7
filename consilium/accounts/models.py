import time
from datetime import timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.contrib.auth.signals import user_logged_in
from django.db import models
from django.db.models.signals import post_save, pre_save
from django.dispatch import receiver
from django.utils import timezone

from consilium.audit.trail import record_many
from consilium.fields import EncryptedTextField

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
    # When the patient closed the account (mydata.actions.do_close_account): it cannot sign in
    # from then on, and its cases are erased RETENTION_DAYS later (erase_closed_accounts).
    closed_at = models.DateTimeField(null=True, blank=True)
    erased_at = models.DateTimeField(null=True, blank=True)  # its cases and name, erased
    # The IANA zone the user reads times in (do_set_time_zone); blank: settings.TIME_ZONE.
    time_zone = models.CharField(max_length=64, blank=True)

    def __str__(self):
        return self.get_full_name() or self.username

    @property
    def needs_two_factor(self) -> bool:
        if self.role not in settings.TWO_FACTOR_ROLES:
            return False
        return not (settings.DEBUG and self.two_factor_exempt_in_debug)

    @property
    def zone(self) -> ZoneInfo:
        """The time zone this user reads times in: their own, else the program's."""
        try:
            return ZoneInfo(self.time_zone or settings.TIME_ZONE)
        except (ZoneInfoNotFoundError, ValueError):  # a zone the system no longer knows
            return ZoneInfo(settings.TIME_ZONE)


class Sex(models.TextChoices):
    """As records state it (FHIR administrative gender, DICOM PatientSex)."""
    FEMALE = "female", "Female"
    MALE = "male", "Male"
    OTHER = "other", "Other"
    UNKNOWN = "unknown", "Prefer not to say"


class PatientIdentity(models.Model):
    """Who a patient is, as their records name them: asked once, on their profile. Every
    record of their cases is compared with it (records/identity.py); a record about someone
    else is held. Encrypted like all health data; the birth date as its ISO text."""

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="identity")
    given_names = EncryptedTextField()
    family_name = EncryptedTextField()
    birth_date = EncryptedTextField()
    sex = models.CharField(max_length=10, choices=Sex.choices, default=Sex.UNKNOWN)
    # One record number the patient chooses to give, and the institution that issued it.
    record_number = EncryptedTextField(blank=True)
    record_number_issuer = EncryptedTextField(blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "patient identities"

    def __str__(self):
        return f"Identity of user {self.user_id}"


class ApiTokenQuerySet(models.QuerySet):
    def active(self):
        return self.filter(revoked_at__isnull=True, expires_at__gt=timezone.now())


class ApiToken(models.Model):
    """A personal bearer token; only its SHA-256 is stored, the token is shown once."""

    PREFIX = "csl_"

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=80)
    key_hash = models.CharField(max_length=64, unique=True)
    hint = models.CharField(max_length=12)
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]

    @classmethod
    def issue(cls, user: User, name: str, days: int | None = None) -> tuple["ApiToken", str]:
        """Make a token lasting ``days`` (the program's default if not given)."""
        days = days or settings.API_TOKEN_DAYS
        raw, key_hash = new_token(cls.PREFIX)
        now = timezone.now()
        token = cls.objects.create(user=user, name=name, key_hash=key_hash, hint=raw[:10],
                                   created_at=now, expires_at=now + timedelta(days=days))
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


@receiver(pre_save, sender=User)
def _notice_new_password(sender, instance, update_fields=None, **kwargs):
    """Mark a user whose stored password hash changes by any path (their own change, a reset
    link, an administrator, ``changepassword``), except Django re-hashing the same password
    with stronger parameters at sign-in (which saves only the password, without set_password's
    raw value)."""
    instance._password_replaced = False
    if instance.pk is None or (update_fields is not None and "password" not in update_fields):
        return
    rehash = instance._password is None and update_fields is not None \
        and set(update_fields) == {"password"}
    if rehash:
        return
    stored = User.objects.filter(pk=instance.pk).values_list("password", flat=True).first()
    instance._password_replaced = stored is not None and stored != instance.password


@receiver(post_save, sender=User)
def _revoke_tokens_with_old_password(sender, instance, **kwargs):
    """A new password ends every API token made under the old one."""
    if getattr(instance, "_password_replaced", False):
        instance._password_replaced = False
        tokens = list(ApiToken.objects.filter(user=instance, revoked_at__isnull=True))
        ApiToken.objects.filter(pk__in=[t.pk for t in tokens]).update(revoked_at=timezone.now())
        record_many(None, "api_token.revoke_with_password", tokens)


@receiver(user_logged_in)
def _start_session_clock(sender, request, user, **kwargs):
    """The idle and absolute session limits (accounts.middleware) count from this sign-in."""
    from .middleware import LAST_SEEN, SIGNED_IN_AT

    if hasattr(request, "session"):
        now = int(time.time())
        request.session[LAST_SEEN] = request.session[SIGNED_IN_AT] = now


# The roles an administrator invites (settings.TWO_FACTOR_ROLES: each signs in with a second
# factor); patients sign up on their own, caregivers and physicians are a patient's guests.
STAFF_ROLES = (Role.COORDINATOR, Role.SPECIALIST, Role.ADMIN)


class StaffInvitationQuerySet(models.QuerySet):
    def usable(self):
        return self.filter(accepted_at__isnull=True, revoked_at__isnull=True,
                           expires_at__gt=timezone.now())


class StaffInvitation(models.Model):
    """An administrator's invitation for a coordinator, specialist or administrator: a link,
    single use and expiring, where the invitee chooses a password and enrols the second
    factor (accounts/joining.py). Only the SHA-256 of the link's token is stored.

    ``user`` is the account the link sets up: none yet for a new member (made when the
    invitee chooses a password, ``started_at``), or an existing member's (a set-up link after
    an administrator reset their second factor, or for an account made in the Django admin).
    The invitation is spent (``accepted_at``) only when the second factor is enrolled."""

    PREFIX = "join_"

    email = models.EmailField()
    role = models.CharField(max_length=20, choices=Role.choices)
    first_name = models.CharField(max_length=150, blank=True)
    last_name = models.CharField(max_length=150, blank=True)
    user = models.ForeignKey(User, on_delete=models.CASCADE, null=True, blank=True,
                             related_name="staff_invitations")
    invited_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+")
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    started_at = models.DateTimeField(null=True, blank=True)  # the password was chosen
    accepted_at = models.DateTimeField(null=True, blank=True)  # the second factor enrolled
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = StaffInvitationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"Staff invitation {self.pk} ({self.role})"

    def is_usable(self) -> bool:
        return self.accepted_at is None and self.revoked_at is None \
            and self.expires_at > timezone.now()

    def new_key(self) -> str:
        """A fresh link (the old one stops working) lasting STAFF_INVITATION_DAYS; returns the
        token to mail once. The caller saves."""
        raw, self.key_hash = new_token(self.PREFIX)
        self.expires_at = timezone.now() + timedelta(days=settings.STAFF_INVITATION_DAYS)
        return raw

    @classmethod
    def find(cls, raw: str) -> "StaffInvitation | None":
        """The usable invitation behind a link, or None: unknown, used, revoked or expired
        alike."""
        if not raw.startswith(cls.PREFIX):
            return None
        return cls.objects.usable().select_related("user").filter(
            key_hash=hash_token(raw)).first()
