"""Schemathesis against the OpenAPI spec, in-process through Django's WSGI application: every
operation with generated and hostile input, as a patient with a case and as a coordinator.
No answer may be a server error, and every status code answered must be in the spec.

Schemathesis's own pytest integration (``from_fixture``/``parametrize``) fails on pytest 9.2
(it sets ``Function._nodeid``, which pytest 9 no longer has), so each operation's strategy
is run here with Hypothesis directly, valid input and invalid input apart."""

import pytest
import schemathesis
from django.core.signals import request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import status_code_conformance

# Per operation and role; the whole test stays under a few minutes on two cores.
EXAMPLES = 10


@pytest.fixture
def api_schema(db, settings):
    settings.ALLOWED_HOSTS = ["localhost"]
    # As the test client does: a request must not close the test's transaction.
    request_started.disconnect(close_old_connections)
    try:
        schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json",
                                                get_wsgi_application())
        schema.config.generation.update(max_examples=EXAMPLES, deterministic=True)
        yield schema
    finally:
        request_started.connect(close_old_connections)


def _caller(user, journey, token_for) -> dict:
    """A bearer token, and the ids of objects the caller may reach."""
    case, consultation = journey("accepted")
    return {"headers": {"Authorization": f"Bearer {token_for(user)}"},
            "case_id": str(case.id), "consultation_id": str(consultation.id)}


@pytest.fixture
def patient(users, journey, token_for):
    return _caller(users["patient"], journey, token_for)


@pytest.fixture
def coordinator(users, journey, token_for):
    return _caller(users["coordinator"], journey, token_for)


# Derandomized: the same examples on every run, so CI is deterministic. Not shrunk: a
# failure is reported as found (shrinking would call the API hundreds of times more).
FUZZ = settings(max_examples=EXAMPLES, derandomize=True, deadline=None, database=None,
                phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))


def _fuzz(schema, caller) -> None:
    """Each operation with valid and invalid input; every failure is reported at the end."""
    failures = []
    for result in schema.get_all_operations():
        operation = result.ok()
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @FUZZ
            @given(case=operation.as_strategy(mode))
            def run(case):
                _call(case, caller)

            try:
                run()
            except Unsatisfiable:  # an operation without input has no invalid input
                continue
            except (Exception, FailureGroup) as failure:  # gathered, reported below
                failures.append(f"{operation.method.upper()} {operation.path} ({mode.value}): "
                                f"{str(failure)[:1500]}")
    assert not failures, "\n\n".join(failures)


def _call(case, caller) -> None:
    for name in ("case_id", "consultation_id"):
        generated = (case.path_parameters or {}).get(name)
        # Half the calls reach a real object; the other half keep the generated id.
        if generated is not None and len(str(generated)) % 2 == 0:
            case.path_parameters[name] = caller[name]
    case.call_and_validate(headers=caller["headers"],
                           checks=[not_a_server_error, status_code_conformance])


def test_api_as_a_patient(api_schema, patient):
    _fuzz(api_schema, patient)


def test_api_as_a_coordinator(api_schema, coordinator):
    _fuzz(api_schema, coordinator)
