"""Changing directory entries: coordinators and administrators edit profiles; a specialist
edits their own availability and conditions of focus. Every change is audited."""

from django.db import transaction

from consilium.accounts.models import Role
from consilium.audit.trail import record as audit
from consilium.errors import InvalidInput, NotAllowed
from consilium.terminology.models import NuccTaxonomy

from . import geo
from .models import BoardCertification, PracticeLocation, Specialist, SpecialistTaxonomy
from .schemas import AvailabilityIn, CertificationIn, ProfileIn


def may_edit_profile(user) -> bool:
    return user.role in (Role.COORDINATOR, Role.ADMIN)


def do_update_availability(specialist: Specialist, data: dict | AvailabilityIn, *,
                           acting_user) -> Specialist:
    """The specialist's own settings (coordinators may change them too): the fields ``data``
    gives, read as ``AvailabilityIn``."""
    if specialist.user_id != acting_user.id and not may_edit_profile(acting_user):
        raise NotAllowed("Only the specialist or a coordinator can change this.")
    changes = AvailabilityIn.read(data).given()
    with transaction.atomic():
        for name, value in changes.items():
            setattr(specialist, name, value)
        specialist.save()
        audit(acting_user, "specialist.availability", specialist)
    return specialist


def do_update_profile(specialist: Specialist, data: dict | ProfileIn, *, acting_user
                      ) -> Specialist:
    """Everything about a specialist, as a coordinator or administrator corrects it: the
    fields ``data`` gives, read as ``ProfileIn`` (an empty specialty or starting year keeps
    the one set; a ZIP code places the practice)."""
    if not may_edit_profile(acting_user):
        raise NotAllowed("Only coordinators and administrators edit specialists' profiles.")
    changes = {name: value for name, value in ProfileIn.read(data).given().items()
               if value is not None}
    code = changes.pop("taxonomy_code", specialist.taxonomy_code)
    postal = changes.pop("postal_code", "")
    taxonomy = NuccTaxonomy.objects.filter(code=code).first()
    if taxonomy is None:  # the code already set is no longer listed
        raise InvalidInput({"taxonomy_code": f"“{code}” is not a NUCC taxonomy code."})
    point = geo.zip_point(postal) if postal else None
    with transaction.atomic():
        for name, value in changes.items():
            setattr(specialist, name, value)
        specialist.taxonomy_code, specialist.specialty = code, taxonomy.name
        specialist.save()
        SpecialistTaxonomy.objects.filter(specialist=specialist, primary=True).exclude(
            code=code).update(primary=False)
        SpecialistTaxonomy.objects.update_or_create(specialist=specialist, code=code,
                                                    defaults={"primary": True})
        if point:
            PracticeLocation.objects.update_or_create(
                specialist=specialist, source=PracticeLocation.Source.PROGRAM,
                defaults=dict(postal_code=postal, city=specialist.city, state=specialist.state,
                              latitude=point[0], longitude=point[1]))
        audit(acting_user, "specialist.update", specialist)
    return specialist


def do_add_certification(specialist: Specialist, data: dict | CertificationIn, *, acting_user
                         ) -> BoardCertification:
    """A board certification a coordinator or administrator records, read as
    ``CertificationIn`` (a name too long for its column is refused, not cut short)."""
    if not may_edit_profile(acting_user):
        raise NotAllowed("Only coordinators and administrators record certifications.")
    certification = CertificationIn.read(data)
    with transaction.atomic():
        added = BoardCertification.objects.create(
            specialist=specialist, board=certification.board,
            specialty=certification.specialty, expires=certification.expires)
        audit(acting_user, "specialist.certify", specialist)
    return added
