"""The decision aid: its options, what a patient weighs, the SURE test and the chart.

It meets the six qualifying criteria of the International Patient Decision Aid Standards
(IPDAS): it describes the condition, states the decision, lists the options, and the
benefits, the harms and what living with each is like (from the signed opinions). Its steps
follow the Ottawa Personal Decision Guide (clarify the decision, its timing and your role;
check knowledge, values, support and certainty; weigh the options; plan next steps).
"""

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


WATCHFUL_WAITING = Option(
    "watch", "Watchful waiting", "Always an option to weigh",
    benefits="No treatment harms for now; time to learn more and decide.",
    harms="The condition may progress, and a later treatment may be harder or less effective.",
    living_with="Regular check-ups and tests; knowing what signs to look out for.")


def options_for(case, opinions) -> list[Option]:
    """The first opinion's proposal, each option of the signed opinions, and watchful
    waiting unless it is already among them."""
    options = [Option("first", TreatmentCategory(case.treatment_category).label
                      if case.treatment_category in TreatmentCategory.values
                      else case.treatment_category,
                      "Proposed in the first opinion",
                      description=case.treatment_description)]
    for position, opinion in enumerate(opinions):
        who = opinion.consultation.specialist.name
        ordinal = ["second", "third", "fourth"][min(position, 2)]
        for option in opinion.options.all():
            options.append(Option(f"o{option.id}", option.title,
                                  f"From the {ordinal} opinion ({who})", "", option.benefits,
                                  option.harms, option.living_with, option.recommended))
    if case.treatment_category != TreatmentCategory.WATCHFUL_WAITING and not any(
            "watchful" in o.title.lower() or "active surveillance" in o.title.lower()
            for o in options):
        options.append(WATCHFUL_WAITING)
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
                     note="0 = fits poorly, 100 = fits everything that matters to you")
