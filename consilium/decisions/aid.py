"""The decision aid: its options, what a patient weighs, the SURE test and the chart.

It meets the six qualifying criteria of the International Patient Decision Aid Standards
(IPDAS): it describes the condition, states the decision, lists the options, and the
benefits, the harms and what living with each is like (from the signed opinions). Its steps
follow the Ottawa Personal Decision Guide (clarify the decision, its timing and your role;
check knowledge, values, support and certainty; weigh the options; plan next steps).
"""

import re
from dataclasses import dataclass

from consilium.cases.models import TreatmentCategory
from consilium.charts import bar_chart

# What matters, said so that a higher rating is always better for the patient.
CRITERIA = {
    "effectiveness": "Works well",
    "risks": "Low risk of serious harm",
    "side_effects": "Few side effects",
    "recovery": "Quick recovery",
    "cost": "Low cost to me",
    "convenience": "Convenient for my life",
}
OWN = ("own1", "own2", "own3")  # criteria of the patient's own
SCALE = range(0, 11)  # weights and ratings, 0 to 10

# The SURE test (Légaré et al. 2010): four yes/no items; fewer than four yeses means the
# person is not sure, and may need more support.
SURE = {
    "sure": "Do you feel sure about the best choice for you?",
    "understand": "Do you know the benefits and risks of each option?",
    "values": "Are you clear about which benefits and risks matter most to you?",
    "support": "Do you have enough support and advice to make a choice?",
}


@dataclass
class Option:
    key: str
    title: str
    source: str  # where it comes from, in words
    description: str = ""  # what it is (the first opinion's proposal)
    benefits: str = ""
    harms: str = ""
    living_with: str = ""
    recommended: bool = False


TITLE_LIMIT = 80  # a first treatment longer than this is titled by its kind
ORDINALS = ("second", "third", "fourth")
# Words that do not tell one treatment from another when treatments are compared.
FILLER = {"and", "with", "plus", "then", "followed", "by", "the", "a", "an", "of", "or",
          "left", "right", "therapy", "treatment", "links", "rechts", "und", "mit"}
SAME = {"radiotherapy": "radiation", "irradiation": "radiation", "chemo": "chemotherapy",
        "watch": "watchful", "wait": "waiting"}


def same_treatment(text: str) -> frozenset[str]:
    """A treatment's words, compared without case, punctuation, order or filler words:
    "Mastectomy." and "mastectomy" are one treatment, "Breast-conserving surgery plus
    radiation" and "breast conserving surgery and radiotherapy" too."""
    words = re.findall(r"[^\W_]+", text.lower())
    return frozenset(SAME.get(word, word) for word in words if word not in FILLER)


# An option a specialist names by pointing at the first opinion's proposal ("The larger
# operation first proposed", "Mastectomy, as originally planned"): that proposal, once.
FIRST_PROPOSAL = re.compile(
    r"\b(?:first[- ]proposed|(?:as |was )?(?:first|originally|initially) (?:proposed|planned|"
    r"suggested|recommended)|the first opinion'?s?|first doctor'?s?|original (?:plan|proposal|"
    r"operation|treatment)|proposed (?:first|at first|before)|ursprünglich\w*|wie "
    r"vorgeschlagen|erst(?:e|en) (?:meinung|vorschlag|empfehlung))\b", re.IGNORECASE)


def options_for(case, opinions) -> list[Option]:
    """The options to decide between, only from the opinions: the first opinion's proposal,
    each signed opinion's recommendation and the options its specialist described, once
    each. The same treatment named again (compared by ``same_treatment``) is one option that
    says who proposed it, and so is an option named as the first proposal ("the operation
    first proposed"); nothing is added that no opinion names (no watchful waiting unless an
    opinion names it)."""
    kind = (TreatmentCategory(case.treatment_category).label
            if case.treatment_category in TreatmentCategory.values else case.treatment_category)
    proposed = (case.treatment_description or "").strip()
    short = proposed and "\n" not in proposed and len(proposed) <= TITLE_LIMIT
    first = Option("first", proposed if short else kind or "The first opinion's treatment",
                   "Proposed in the first opinion", description="" if short else proposed)
    options, sources = [first], {"first": [first.source]}
    known = {same_treatment(first.title): first}
    if not short and kind:
        known.setdefault(same_treatment(kind), first)

    def add(key, title, source, **details) -> None:
        match = first if FIRST_PROPOSAL.search(title) else known.get(same_treatment(title))
        if match is None:
            match = Option(key, title.strip(), "")
            options.append(match)
            known[same_treatment(title)] = match
            sources[key] = []
        if not any(said.endswith(source.split(" in ", 1)[1]) for said in sources[match.key]):
            sources[match.key].append(source)  # once for each opinion
        for name in ("benefits", "harms", "living_with"):
            if not getattr(match, name) and details.get(name):
                setattr(match, name, details[name])
        match.recommended = match.recommended or details.get("recommended", False)

    for position, opinion in enumerate(opinions):
        who = opinion.consultation.specialist.name
        where = f"the {ORDINALS[min(position, 2)]} opinion ({who})"
        described = list(opinion.options.all())
        recommends = any(o.recommended for o in described)
        if not recommends:  # its recommendation in its own words, or the first's treatment
            if opinion.treatment_agreement == "agree" or not (
                    opinion.treatment_description or "").strip():
                sources["first"].append(f"agreed in {where}")
            else:
                own = opinion.treatment_description.strip()
                add(f"r{opinion.pk}"[:40], own if len(own) <= TITLE_LIMIT else
                    TreatmentCategory(opinion.treatment_category).label
                    if opinion.treatment_category in TreatmentCategory.values else own[:80],
                    f"recommended in {where}", recommended=True)
        for option in described:
            add(f"o{option.id}", " ".join(option.title.split()),
                f"{'recommended' if option.recommended else 'described'} in {where}",
                benefits=option.benefits, harms=option.harms, living_with=option.living_with,
                recommended=option.recommended)
    for option in options:
        said = sources[option.key]
        later = [f"also {s}" if s.startswith("described") else s for s in said[1:]]
        text = "; ".join([said[0], *later])
        option.source = text[0].upper() + text[1:]
    return options


def criteria_of(aid) -> dict[str, str]:
    """The criteria in use: the common ones and the patient's own."""
    own = {key: name for key, name in zip(OWN, aid.own_criteria if aid else [], strict=False)
           if name}
    return {**CRITERIA, **own}


def scores(aid, options: list[Option]) -> dict[str, int | None]:
    """Each option's fit for this patient, 0–100: the ratings weighted by what matters to
    them. None until the option has a rating on something that matters."""
    weights = {c: w for c, w in (aid.weights or {}).items() if w} if aid else {}
    result: dict[str, int | None] = {}
    for option in options:
        rated = (aid.ratings or {}).get(option.key, {}) if aid else {}
        used = {c: w for c, w in weights.items() if c in rated}
        total = sum(used.values())
        result[option.key] = round(100 * sum(w * rated[c] for c, w in used.items())
                                   / (10 * total)) if total else None
    return result


def sure_score(aid) -> int | None:
    """Yes answers to the SURE test; None until all four are answered."""
    answers = (aid.sure or {}) if aid else {}
    if any(item not in answers for item in SURE):
        return None
    return sum(bool(answers[item]) for item in SURE)


def chart_svg(options: list[Option], fit: dict[str, int | None]) -> str:
    """A bar per option: its fit for this patient, out of 100."""
    return bar_chart("How well each option fits what matters to you, out of 100",
                     [(o.title, fit.get(o.key)) for o in options], maximum=100,
                     missing="not rated yet",
                     note="0 = fits poorly, 100 = fits everything that matters to you",
                     stacked=True)
