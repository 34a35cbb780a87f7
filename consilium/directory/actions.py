"""Changing directory entries: coordinators and administrators edit profiles; a specialist
edits their own availability and conditions of focus. Every change is audited."""

import re
from datetime import date

from django.db import transaction

from consilium.accounts.models import Role
from consilium.audit.trail import record as audit
from consilium.errors import InvalidInput, NotAllowed
from consilium.terminology.models import Icd10Code, NuccTaxonomy

from . import geo
from .models import BoardCertification, PracticeLocation, Specialist, SpecialistTaxonomy

# An ICD-10-CM code or category ("C50", "C50.912") or a range of them ("C81-C96").
CODE = r"[A-Z][0-9][0-9A-Z](\.[0-9A-Z]{1,4})?"
FOCUS = re.compile(rf"^{CODE}(-{CODE})?$")
PROFILE_TEXT = {"name": 200, "credentials": 60, "institution": 200, "hospital_system": 200,
                "city": 100, "state": 2, "de_specialist_title": 120, "de_approved_by": 120}


def may_edit_profile(user) -> bool:
    return user.role in (Role.COORDINATOR, Role.ADMIN)


def clean_focus(value, errors: dict) -> list[str]:
    items = value if isinstance(value, list) else re.split(r"[\s,;]+", value or "")
    cleaned, bad = [], []
    for item in (str(i).strip().upper() for i in items):
        if not item:
            continue
        ends = item.split("-")
        known = Icd10Code.objects.filter(code__in=ends).count() == len(set(ends))
        (cleaned if FOCUS.match(item) and known else bad).append(item)
    if bad:
        errors["conditions_of_focus"] = ("Not an ICD-10-CM code or range: "
                                         + ", ".join(bad[:5]))
    return list(dict.fromkeys(cleaned))


def _clean_availability(data: dict, errors: dict) -> dict:
    cleaned = {}
    for name in ("accepting_cases", "telemedicine"):
        if name in data:
            cleaned[name] = bool(data[name])
    for name, low, high in (("capacity", 0, 100), ("turnaround_days", 1, 60)):
        if name in data:
            try:
                cleaned[name] = int(data[name])
                if not low <= cleaned[name] <= high:
                    raise ValueError
            except (TypeError, ValueError):
                errors[name] = f"Give a whole number from {low} to {high}."
    if "conditions_of_focus" in data:
        cleaned["conditions_of_focus"] = clean_focus(data["conditions_of_focus"], errors)
    return cleaned


def do_update_availability(specialist: Specialist, data: dict, *, acting_user) -> Specialist:
    """The specialist's own settings (coordinators may change them too)."""
    if specialist.user_id != acting_user.id and not may_edit_profile(acting_user):
        raise NotAllowed("Only the specialist or a coordinator can change this.")
    errors: dict[str, str] = {}
    cleaned = _clean_availability(data, errors)
    if errors:
        raise InvalidInput(errors)
    with transaction.atomic():
        for name, value in cleaned.items():
            setattr(specialist, name, value)
        specialist.save()
        audit(acting_user, "specialist.availability", specialist)
    return specialist


def do_update_profile(specialist: Specialist, data: dict, *, acting_user) -> Specialist:
    """Everything about a specialist, as a coordinator or administrator corrects it."""
    if not may_edit_profile(acting_user):
        raise NotAllowed("Only coordinators and administrators edit specialists' profiles.")
    errors: dict[str, str] = {}
    cleaned = _clean_availability(data, errors)
    for name, limit in PROFILE_TEXT.items():
        if name in data:
            value = (data[name] or "").strip()
            if len(value) > limit:
                errors[name] = f"Keep this under {limit} characters."
            cleaned[name] = value
    if not cleaned.get("name", specialist.name):
        errors["name"] = "Give the specialist's name."
    code = (data.get("taxonomy_code") or specialist.taxonomy_code).strip().upper()
    taxonomy = NuccTaxonomy.objects.filter(code=code).first()
    if taxonomy is None:
        errors["taxonomy_code"] = f"“{code}” is not a NUCC taxonomy code."
    for name in ("languages", "insurance_networks"):
        if name in data:
            items = data[name] if isinstance(data[name], list) else re.split(
                r"[\s,;]+", data[name] or "")
            cleaned[name] = [str(i).strip() for i in items if str(i).strip()]
    if "languages" in cleaned:
        cleaned["languages"] = [lang.lower() for lang in cleaned["languages"]]
        if any(not re.fullmatch(r"[a-z]{2,3}", lang) for lang in cleaned["languages"]):
            errors["languages"] = "Give two-letter language codes, such as en, es."
    if data.get("practising_since") not in (None, ""):
        try:
            cleaned["practising_since"] = int(data["practising_since"])
            if not 1940 <= cleaned["practising_since"] <= date.today().year:
                raise ValueError
        except (TypeError, ValueError):
            errors["practising_since"] = "Give the year they started practising."
    point = None
    postal = (data.get("postal_code") or "").strip()
    if postal:
        point = geo.zip_point(postal)
        if point is None:
            errors["postal_code"] = f"“{postal}” is not a known US ZIP code."
    if errors:
        raise InvalidInput(errors)
    with transaction.atomic():
        for name, value in cleaned.items():
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


def do_add_certification(specialist: Specialist, data: dict, *, acting_user
                         ) -> BoardCertification:
    if not may_edit_profile(acting_user):
        raise NotAllowed("Only coordinators and administrators record certifications.")
    errors = {}
    board, specialty = (data.get("board") or "").strip(), (data.get("specialty") or "").strip()
    if not board:
        errors["board"] = "Name the certifying board."
    if not specialty:
        errors["specialty"] = "Name the certified specialty."
    expires = data.get("expires") or None
    if isinstance(expires, str):
        try:
            expires = date.fromisoformat(expires)
        except ValueError:
            errors["expires"] = "Give the date as YYYY-MM-DD."
    if errors:
        raise InvalidInput(errors)
    with transaction.atomic():
        certification = BoardCertification.objects.create(
            specialist=specialist, board=board[:120], specialty=specialty[:120],
            expires=expires)
        audit(acting_user, "specialist.certify", specialist)
    return certification
