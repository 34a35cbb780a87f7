import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from consilium.cases.models import Case
from consilium.fields import EncryptedJSONField, EncryptedTextField


class RecordType(models.TextChoices):
    PATHOLOGY_REPORT = "pathology_report", "Pathology report"
    IMAGING_STUDY = "imaging_study", "Imaging study"
    IMAGING_REPORT = "imaging_report", "Imaging report"
    LAB_RESULTS = "lab_results", "Lab results"
    MEDICATION_LIST = "medication_list", "Medication list"
    CLINICAL_NOTE = "clinical_note", "Clinical note"
    DISCHARGE_SUMMARY = "discharge_summary", "Discharge summary"
    REFERRAL_LETTER = "referral_letter", "Referral letter"
    HEALTH_RECORD = "health_record", "Health record (FHIR)"
    OTHER = "other", "Other"


class IdentityCheck(models.TextChoices):
    """Whether the record is about the case's patient (records/identity.py)."""
    UNSTATED = "", "Does not say who it is about"
    FITS = "fits", "About the patient"
    HELD = "held", "On hold: may be about someone else"
    CONFIRMED = "confirmed", "Confirmed as the patient's"


class RecordQuerySet(models.QuerySet):
    def in_use(self):
        """The records that feed what is built from a case (its summary, checklist, packet,
        reports, exports, matching, copies): all but those on hold."""
        return self.exclude(identity=IdentityCheck.HELD)


class Record(models.Model):
    """One file of a case, encrypted at rest. It exists only once its file is fully stored."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="records")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(default=timezone.now)
    name = models.CharField(max_length=255)
    kind = models.CharField(max_length=20)  # what the bytes are: see sniff.py
    media_type = models.CharField(max_length=100)  # a Word document's is 71 characters
    record_type = models.CharField(max_length=20, choices=RecordType.choices,
                                   default=RecordType.OTHER)
    # Set once a person chose the type; reading the content then no longer changes it.
    type_confirmed = models.BooleanField(default=False)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    # Where the encrypted bytes are, and the file key wrapped by a master key.
    storage_name = models.CharField(max_length=255)
    wrapped_key = models.CharField(max_length=120)
    key_id = models.CharField(max_length=16)
    # For DICOM images: the series it belongs to (set from its header at upload).
    series = models.ForeignKey("ImagingSeries", null=True, blank=True,
                               on_delete=models.SET_NULL, related_name="records")
    instance_number = models.IntegerField(null=True, blank=True)  # its place in the series
    frames = models.PositiveIntegerField(default=1)  # images in a multi-frame DICOM file
    # A document that arrived inside another record (a FHIR DocumentReference's attachment).
    source = models.ForeignKey("self", null=True, blank=True, on_delete=models.CASCADE,
                               related_name="derived")
    # Text read from a PDF or text file, for search and for guessing the type.
    text = models.TextField(blank=True)
    # Background reading of the content (FHIR import, PDF text, picture): "", queued,
    # running, done or failed.
    processing = models.CharField(max_length=10, blank=True)
    processing_claimed_at = models.DateTimeField(null=True, blank=True)
    processing_note = models.TextField(blank=True)
    # Who the record says it is about (identity.Subject as JSON), and the verdict on it.
    subject = EncryptedJSONField(default=dict, blank=True)
    identity = models.CharField(max_length=10, choices=IdentityCheck.choices, blank=True)
    hold_reason = models.CharField(max_length=300, blank=True)

    objects = RecordQuerySet.as_manager()

    class Meta:
        ordering = ["-uploaded_at"]
        constraints = [
            models.UniqueConstraint(fields=["case", "sha256"], name="one_copy_per_case")
        ]
        # the work queue's "Records on hold": the few held records, not every record
        indexes = [models.Index(fields=["case"], name="record_held",
                                condition=models.Q(identity=IdentityCheck.HELD))]

    def __str__(self):
        return f"Record {str(self.id)[:8]}"


class Preview(models.Model):
    """A small picture of a record (PDF first page, photo, DICOM image), encrypted like it."""

    record = models.OneToOneField(Record, on_delete=models.CASCADE, related_name="preview")
    storage_name = models.CharField(max_length=255)
    wrapped_key = models.CharField(max_length=120)
    key_id = models.CharField(max_length=16)
    sha256 = models.CharField(max_length=64)
    size = models.PositiveIntegerField()

    def __str__(self):
        return f"Preview {self.pk}"


class RemovedRecord(models.Model):
    """That a record was in the case, once it is removed (records.actions.do_remove_record):
    its file is erased and what was read out of it deleted, but a signed opinion's "records
    reviewed" still lists it, as removed. Only a record a person added is kept here (the
    documents found in it went with it); the name of one that was on hold (it may be about
    someone else) is not kept."""

    id = models.UUIDField(primary_key=True, editable=False)  # the record's
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="removed_records")
    name = models.CharField(max_length=255, blank=True)
    record_type = models.CharField(max_length=20, choices=RecordType.choices)
    uploaded_at = models.DateTimeField()
    removed_at = models.DateTimeField(default=timezone.now)
    removed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   related_name="+")

    class Meta:
        ordering = ["uploaded_at"]

    def __str__(self):
        return f"Removed record {str(self.id)[:8]}"


class PendingUpload(models.Model):
    """A resumable upload in progress (tus protocol); it becomes a Record when complete.

    The bytes received so far wait in a part file under ``var/uploads``; nothing is a record
    until the whole file has arrived and been checked, encrypted and stored.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="+")
    name = models.CharField(max_length=255)
    length = models.PositiveBigIntegerField()
    offset = models.PositiveBigIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)


class ImagingSeriesQuerySet(models.QuerySet):
    def in_use(self):
        """Series with an image not on hold (see RecordQuerySet.in_use)."""
        return self.filter(models.Exists(Record.objects.in_use().filter(
            series=models.OuterRef("pk"))))


class ImagingSeries(models.Model):
    """One DICOM series of a case (a study is the series that share a study UID)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="imaging_series")
    study_uid = models.CharField(max_length=64)
    series_uid = models.CharField(max_length=64)
    modality = models.CharField(max_length=16, blank=True)
    # Free text from the DICOM header, encrypted: descriptions have been found to name the
    # patient. Length is bounded where the header is read (dicom.py, actions._series_for).
    body_part = EncryptedTextField(blank=True)
    study_date = models.DateField(null=True, blank=True)
    study_description = EncryptedTextField(blank=True)
    series_description = EncryptedTextField(blank=True)
    series_number = models.IntegerField(null=True, blank=True)
    images = models.PositiveIntegerField(default=0)
    burned_in_annotation = models.BooleanField(
        default=False, help_text="Some images carry text in the pixels, which may identify.",
    )
    # The image whose picture stands for the series (the middle one), and whether it must
    # be chosen again because images arrived since.
    preview_record = models.ForeignKey(Record, null=True, blank=True,
                                       on_delete=models.SET_NULL, related_name="+")
    preview_due = models.BooleanField(default=False)

    objects = ImagingSeriesQuerySet.as_manager()

    class Meta:
        ordering = ["study_date", "study_uid", "series_number"]
        constraints = [
            models.UniqueConstraint(fields=["case", "series_uid"], name="one_series_per_case")
        ]


class EntryCategory(models.TextChoices):
    PATIENT = "patient", "Patient"
    CONDITION = "condition", "Condition"
    MEDICATION = "medication", "Medication"
    ALLERGY = "allergy", "Allergy"
    LAB = "lab", "Lab result"
    VITAL = "vital", "Vital sign"
    OBSERVATION = "observation", "Observation"
    PROCEDURE = "procedure", "Procedure"
    REPORT = "report", "Diagnostic report"
    IMMUNIZATION = "immunization", "Immunization"
    DOCUMENT = "document", "Document"


class ClinicalEntryQuerySet(models.QuerySet):
    def in_use(self):
        """The entries of records not on hold (see RecordQuerySet.in_use)."""
        return self.exclude(record__identity=IdentityCheck.HELD)


class ClinicalEntry(models.Model):
    """One fact imported from a FHIR record: a condition, medication, lab value, ..."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="clinical_entries")
    record = models.ForeignKey(Record, on_delete=models.CASCADE, related_name="entries")
    resource_type = models.CharField(max_length=40)
    resource_id = models.CharField(max_length=64, blank=True)
    category = models.CharField(max_length=16, choices=EntryCategory.choices)
    display = models.CharField(max_length=300)
    codings = models.JSONField(default=list, blank=True)  # every coding: SNOMED, ICD-10, LOINC
    status = models.CharField(max_length=40, blank=True)
    effective = models.DateTimeField(null=True, blank=True)
    value = models.FloatField(null=True, blank=True)
    value_text = models.CharField(max_length=200, blank=True)
    unit = models.CharField(max_length=40, blank=True)

    objects = ClinicalEntryQuerySet.as_manager()

    class Meta:
        ordering = ["-effective", "id"]
        indexes = [models.Index(fields=["case", "category", "effective"])]


class ChecklistMark(models.Model):
    """The patient's word on one checklist item of their case (records.checklist): they sent
    it another way (it is ticked) or they do not have it; a coordinator may confirm it. An
    item the patient unmarks has no row."""

    class Mark(models.TextChoices):
        SENT = "sent", "I have sent this another way"
        NONE = "none", "I do not have this"

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="checklist_marks")
    key = models.CharField(max_length=40)  # a key of case.checklist
    mark = models.CharField(max_length=4, choices=Mark.choices)
    marked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                  related_name="+")
    marked_at = models.DateTimeField(default=timezone.now)
    confirmed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="+")
    confirmed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["case", "key"], name="one_mark_per_item")
        ]

    def __str__(self):
        return f"Checklist mark {self.key}"


class RecordsRequestQuerySet(models.QuerySet):
    def open(self):
        """Neither received nor cancelled: still being asked for (sent or not yet)."""
        return self.filter(received_on__isnull=True, cancelled_on__isnull=True)

    def overdue(self, today):
        """Sent, not received nor cancelled, and past the day it was due."""
        return self.open().filter(sent_on__isnull=False, due_on__lt=today)

    def overdue_untold(self, today):
        """Overdue, and nobody told yet that its due day passed (records.overdue): never
        told, or told before the due day it has now (a reminder moved it)."""
        return self.overdue(today).filter(
            Q(overdue_notified_on__isnull=True) | Q(overdue_notified_on__lte=F("due_on")))


# A request's states (RecordsRequest.state) in the pages' and the export's words.
STATE_LABELS = {"to_send": "To send", "sent": "Sent", "overdue": "Overdue",
                "received": "Received", "cancelled": "Cancelled"}


class RecordsRequest(models.Model):
    """A request to one provider holding a patient's records (a hospital, a practice, a
    laboratory), from being written down to the records arriving: the coordinators send it
    with the patient's signed release letter (records.release), remind the provider when it
    is late, and close it with the upload that brought the records. Who treats the patient is
    health data: the provider's name and details, and what is asked, are encrypted."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="records_requests")
    provider_name = EncryptedTextField()
    provider_address = EncryptedTextField(blank=True)
    provider_phone = EncryptedTextField(blank=True)
    provider_fax = EncryptedTextField(blank=True)
    provider_email = EncryptedTextField(blank=True)
    # What is asked: keys of the case's checklist (their labels are in case.checklist), and
    # anything else in the coordinator's or patient's words.
    asked_items = models.JSONField(default=list, blank=True)
    asked_text = EncryptedTextField(blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    sent_on = models.DateField(null=True, blank=True)
    due_on = models.DateField(null=True, blank=True)
    reminded_on = models.DateField(null=True, blank=True)  # the last reminder
    reminders = models.PositiveSmallIntegerField(default=0)
    received_on = models.DateField(null=True, blank=True)
    # The upload that brought the records, when they came as one (the file itself, not what
    # was found in it); none when they came another way or the file was removed since.
    received_with = models.ForeignKey(Record, null=True, blank=True, on_delete=models.SET_NULL,
                                      related_name="+")
    cancelled_on = models.DateField(null=True, blank=True)
    # The day the daily job told the case's coordinator that the request passed due_on
    # (records.overdue): once for each due day passed; a reminder sets a later due day.
    overdue_notified_on = models.DateField(null=True, blank=True)

    objects = RecordsRequestQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["case", "due_on"], name="records_request_due"),
                   # the work queue's "Records requests overdue": the requests still awaited
                   # by their due days, not every request ever sent
                   models.Index(fields=["due_on"], name="records_request_awaited",
                                condition=models.Q(sent_on__isnull=False,
                                                   received_on__isnull=True,
                                                   cancelled_on__isnull=True))]

    def __str__(self):
        return f"Records request {str(self.id)[:8]}"

    @property
    def is_open(self) -> bool:
        return self.received_on is None and self.cancelled_on is None

    def state(self, today) -> str:
        """to_send, sent, overdue, received or cancelled (the page's words: STATE_LABELS)."""
        if self.cancelled_on is not None:
            return "cancelled"
        if self.received_on is not None:
            return "received"
        if self.sent_on is None:
            return "to_send"
        return "overdue" if self.due_on is not None and self.due_on < today else "sent"

    def asked_labels(self) -> list[str]:
        """What is asked, as the letter and the page list it: the checklist items' labels in
        the checklist's order, then each line of the free text."""
        labels = [item["label"] for item in self.case.checklist or []
                  if item["key"] in set(self.asked_items)]
        return labels + [line.strip() for line in self.asked_text.splitlines() if line.strip()]
