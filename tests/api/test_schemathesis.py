"""Schemathesis against /api/v1/openapi.json, in-process on the Flask app: no 500s, responses match the schema;
as a member and as a supervisor (the review queue and the audit export answer them differently)."""

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from tests.api.conftest import bearer, make_token

EXAMPLES = 4  # per operation: a few, to keep the suite fast
# An upload that matches the schema (any bytes) may still be refused: the portal decodes the video.
EXCLUDED = [positive_data_acceptance]


@pytest.mark.parametrize("role", ["member", "supervisor"])
def test_api_conforms_to_its_document(app, browser, users, role):
    _, email, password = users(role)
    b = browser()
    b.login(email, password)
    token = make_token(b)
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert {op.path for op in operations} == set(app.test_client().get("/api/v1/openapi.json").get_json()["paths"])
    assert {op.path for op in operations} >= {"/jobs", "/jobs/detection", "/jobs/generation", "/jobs/{job_id}/review",
                                              "/jobs/{job_id}/rerun", "/review", "/audit", "/files/{artifact_id}"}
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=EXAMPLES, deadline=None, database=None, suppress_health_check=list(HealthCheck))
        def check(case):
            case.call_and_validate(headers=bearer(token), excluded_checks=EXCLUDED)

        check()
