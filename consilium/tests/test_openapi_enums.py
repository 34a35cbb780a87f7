"""The OpenAPI spec lists every choice a client may send as an enum (consilium/schemas.py):
the choices of the first opinion, the opinion, the decision, records and messages, and any
field of a payload named like a model field that has choices."""

import pytest
from django.apps import apps

pytestmark = pytest.mark.django_db


@pytest.fixture
def spec(client):
    return client.get("/api/v1/openapi.json").json()


def request_schemas(spec) -> dict[str, dict]:
    """The schemas that requests send (named in a request body), by name."""
    schemas = spec["components"]["schemas"]
    names = set()
    for path in spec["paths"].values():
        for operation in path.values():
            body = operation.get("requestBody", {}).get("content", {})
            for media in body.values():
                names |= set(_refs(media.get("schema", {})))
    seen, queue = set(), list(names)
    while queue:
        name = queue.pop()
        if name in seen:
            continue
        seen.add(name)
        queue += _refs(schemas[name])
    return {name: schemas[name] for name in seen}


def _refs(node) -> list[str]:
    if isinstance(node, dict):
        found = [node["$ref"].rsplit("/", 1)[1]] if "$ref" in node else []
        return found + [ref for value in node.values() for ref in _refs(value)]
    if isinstance(node, list):
        return [ref for value in node for ref in _refs(value)]
    return []


def enum_of(spec, prop: dict) -> list | None:
    """The enum a property allows (through a $ref, anyOf with null, or array items)."""
    if "enum" in prop:
        return prop["enum"]
    if "$ref" in prop:
        return enum_of(spec, spec["components"]["schemas"][prop["$ref"].rsplit("/", 1)[1]])
    for option in prop.get("anyOf", []) + prop.get("allOf", []):
        found = enum_of(spec, option)
        if found:
            return found
    if "items" in prop:
        return enum_of(spec, prop["items"])
    return None


def choices_by_field() -> dict[str, set[str]]:
    """Every model field with choices in our apps, by name: its values."""
    found: dict[str, set[str]] = {}
    for model in apps.get_models():
        if not model.__module__.startswith("consilium."):
            continue
        for field in model._meta.get_fields():
            if getattr(field, "choices", None):
                found.setdefault(field.name, set()).update(str(v) for v, _ in field.choices)
    return found


@pytest.mark.parametrize("schema, field, model_field", [
    ("CaseIn", "treatment_category", "cases.Case.treatment_category"),
    ("CasePatch", "treatment_category", "cases.Case.treatment_category"),
])
def test_the_first_opinion_s_choices_are_enums(spec, schema, field, model_field):
    app_model, name = model_field.rsplit(".", 1)
    values = {str(v) for v, _ in apps.get_model(app_model)._meta.get_field(name).choices}
    prop = spec["components"]["schemas"][schema]["properties"][field]
    assert set(enum_of(spec, prop)) == values


def test_the_self_assessment_s_choices_are_enums(spec):
    from consilium.triage.rules import SITUATIONS, TREATMENTS

    props = spec["components"]["schemas"]["AssessmentIn"]["properties"]
    assert set(enum_of(spec, props["proposed_treatment"])) == set(TREATMENTS)
    assert set(enum_of(spec, props["situation"]["anyOf"][1])) == set(SITUATIONS)


def test_the_opinion_s_choices_are_enums_and_its_texts_have_limits(spec):
    from consilium.opinions.schemas import MAX_OPTIONS, TEXT_LIMIT, TITLE_LIMIT

    schemas = spec["components"]["schemas"]
    opinion = schemas["OpinionIn"]["properties"]
    for field, model_field in [("diagnosis_agreement", "opinions.Opinion.diagnosis_agreement"),
                               ("treatment_agreement", "opinions.Opinion.treatment_agreement"),
                               ("treatment_category", "opinions.Opinion.treatment_category"),
                               ("confidence", "opinions.Opinion.confidence")]:
        app_model, name = model_field.rsplit(".", 1)
        values = {str(v) for v, _ in apps.get_model(app_model)._meta.get_field(name).choices}
        assert set(enum_of(spec, opinion[field])) == values, field
    assert opinion["reasoning"]["maxLength"] == TEXT_LIMIT
    assert opinion["options"]["anyOf"][0]["maxItems"] == MAX_OPTIONS
    assert schemas["OptionIn"]["properties"]["title"]["maxLength"] == TITLE_LIMIT
    assert schemas["AnswerIn"]["properties"]["text"]["maxLength"] == TEXT_LIMIT


# record_type is not here: no request sends it (a file's type is corrected on a page); the
# walk over every request schema below would catch it the day one does.
@pytest.mark.parametrize("field", ["treatment_category", "diagnosis_agreement",
                                   "treatment_agreement", "confidence", "choice",
                                   "audience"])
def test_named_choices_are_enums_wherever_a_request_sends_them(spec, field):
    sent = [(name, schema["properties"][field]) for name, schema in request_schemas(spec).items()
            if field in schema.get("properties", {})]
    assert sent, f"no request sends {field}"
    for name, prop in sent:
        assert enum_of(spec, prop), f"{name}.{field} is a plain string in the spec"


def test_every_field_named_like_a_model_field_with_choices_is_an_enum(spec):
    choices = choices_by_field()
    plain = [f"{name}.{field}"
             for name, schema in request_schemas(spec).items()
             for field, prop in schema.get("properties", {}).items()
             if field in choices and not enum_of(spec, prop)]
    assert plain == []


def test_the_decision_s_and_the_follow_up_s_texts_have_limits(spec):
    from consilium.decisions.schemas import EXPLANATION_LIMIT
    from consilium.opinions.schemas import QUESTION_LIMIT, TEXT_LIMIT

    schemas = spec["components"]["schemas"]
    assert schemas["DecisionIn"]["properties"]["explanation"]["maxLength"] == EXPLANATION_LIMIT
    assert schemas["FollowUpIn"]["properties"]["text"]["maxLength"] == QUESTION_LIMIT
    assert schemas["AddendumIn"]["properties"]["body"]["maxLength"] == TEXT_LIMIT
