"""The clinical summary a specialist reads first: problems, medicines, allergies, labs."""

from .models import EntryCategory

MAX_ITEMS = 15
TREND = 3


def clinical_summary(case) -> dict | None:
    entries = list(
        case.clinical_entries.in_use().exclude(category__in=[EntryCategory.PATIENT,
                                                    EntryCategory.DOCUMENT])
        .only("case_id", "category", "display", "status", "effective", "value", "value_text",
              "unit")
        .order_by("-effective")
    )
    if not entries:
        return None

    def distinct(category, statuses=None):
        seen, items = set(), []
        for e in entries:
            if e.category == category and e.display not in seen and (
                    statuses is None or e.status in statuses):
                seen.add(e.display)
                items.append(e)
        return items[:MAX_ITEMS]

    labs: dict[str, list] = {}
    for e in entries:
        if e.category == EntryCategory.LAB and (e.value is not None or e.value_text):
            labs.setdefault(e.display, []).append(e)
    return {
        "problems": distinct(EntryCategory.CONDITION, {"active", "recurrence", "relapse"}),
        "medications": distinct(EntryCategory.MEDICATION, {"active", "on-hold", ""}),
        "allergies": distinct(EntryCategory.ALLERGY),
        "labs": [{"name": name, "latest": values[0], "earlier": values[1:TREND]}
                 for name, values in list(labs.items())[:MAX_ITEMS]],
        "count": len(entries),
    }
