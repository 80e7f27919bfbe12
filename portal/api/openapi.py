"""The OpenAPI 3.1 document of /api/v1, built from the lists and form fields the endpoints validate against (job
kinds and statuses, detectors and swappers offered now, the detection and generation forms, decisions, scopes)."""

from __future__ import annotations

from typing import Any

from wtforms.validators import Length, NumberRange

from portal.accounts.tokens import SCOPES, TokenForm
from portal.admin.audit_log import AUDIT_FILTERS
from portal.api.admin import EXPORT_FORMATS
from portal.api.generation import DECISIONS, MAX_REASON, ApiGenerationForm
from portal.api.views import MAX_PAGE, MAX_PER_PAGE
from portal.db import JOB_KINDS, JOB_STATUSES
from portal.jobs.forms import MAX_FILES, DetectionForm

FILE_MEDIA_TYPES = ("application/octet-stream", "application/json", "application/pdf", "video/mp4", "text/csv")
_STR, _INT, _NULL_STR = {"type": "string"}, {"type": "integer"}, {"type": ["string", "null"]}
_BINARY = {"type": "string", "format": "binary"}


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _bounds(unbound, kind: type) -> dict[str, int]:
    """minimum/maximum (NumberRange) or minLength/maxLength (Length) of a form field, as the form checks them."""
    for v in unbound.kwargs.get("validators", []):
        if kind is NumberRange and isinstance(v, NumberRange):
            return {k: val for k, val in (("minimum", v.min), ("maximum", v.max)) if val is not None}
        if kind is Length and isinstance(v, Length):
            return {k: val for k, val in (("minLength", v.min), ("maxLength", v.max)) if val not in (None, -1)}
    return {}


def _choices(unbound) -> list[str]:
    return [value for value, _ in unbound.kwargs["choices"]]


def _obj(required: list[str], **properties: Any) -> dict[str, Any]:
    return {"type": "object", "required": required, "properties": properties}


def _schemas() -> dict[str, Any]:
    artifact = _obj(["id", "role", "size", "media_type", "sha256", "name", "url"], id=_INT, role=_STR, size=_INT,
                    media_type=_STR, sha256=_STR, name=_STR, original_name=_NULL_STR, url=_STR)
    summary = _obj(["id", "kind", "status", "progress", "stage", "attempts", "owner_id", "url"],
                   id=_INT, kind={"type": "string", "enum": list(JOB_KINDS)},
                   status={"type": "string", "enum": list(JOB_STATUSES)},
                   progress={"type": "number", "minimum": 0, "maximum": 1}, stage=_STR, error=_NULL_STR,
                   attempts=_INT, owner_id=_INT, input_name={**_STR, "description": "the uploader's file name"},
                   detectors={"type": "array", "items": _STR,
                              "description": "detection: every detector asked for (an ensemble's members)"},
                   created_at=_NULL_STR, started_at=_NULL_STR, finished_at=_NULL_STR, url=_STR)
    review = _obj(["decision", "reason", "supervisor", "created_at"], decision=_STR, reason=_STR, supervisor=_STR,
                  created_at=_NULL_STR)
    consent = {"type": ["object", "null"], "properties": {"subject": _STR, "attestation": _STR,
                                                          "evidence_artifact_id": {"type": ["integer", "null"]}}}
    job = {"allOf": [_ref("JobSummary"), _obj(
        ["params", "artifacts"], params={"type": "object"},
        result={"type": ["object", "null"], "description": "when succeeded; detection: verdict, probabilities and "
                "`models`, one entry per detector with its own scores"},
        artifacts={"type": "array", "items": _ref("Artifact")},
        consent={**consent, "description": "generation only"},
        reviews={"type": "array", "items": _ref("Review"), "description": "generation only"})]}
    event = _obj(["id", "time_utc", "actor", "action", "object", "ip", "details", "hash"], id=_INT,
                 time_utc=_NULL_STR, actor=_STR, action=_STR, object=_STR, object_id={"type": ["integer", "null"]},
                 ip=_STR, details={"type": "object"}, hash=_STR)
    page = {"page": _INT, "per_page": _INT, "total": _INT}
    return {
        "Error": _obj(["error", "status"], error=_STR, status=_INT, fields={"type": "object"},
                      faces={"type": "array", "items": {"type": "array", "items": {"type": "number"}},
                             "description": "the source photo's face boxes, largest first, when a choice is needed"}),
        "Artifact": artifact, "JobSummary": summary, "Job": job, "Review": review,
        "JobList": _obj(["jobs", "page", "per_page", "total"], jobs={"type": "array", "items": _ref("JobSummary")},
                        **page),
        "Batch": _obj(["jobs", "batch"], jobs={"type": "array", "items": _ref("Job")}, batch=_NULL_STR,
                      refused={**_NULL_STR, "description": "why the files after the last job were not submitted"}),
        "ReviewQueue": _obj(["jobs"], jobs={"type": "array", "items": _ref("Job")}),
        "AuditPage": _obj(["events", "page", "per_page", "total"], events={"type": "array", "items": _ref("Event")},
                          **page),
        "Event": event,
        "User": _obj(["id", "email", "name", "role", "scope"], id=_INT, email=_STR, name=_STR, role=_STR,
                     scope={"type": "string", "enum": list(SCOPES)}),
        "NewToken": _obj(["token", "prefix", "name", "scope"], token=_STR, prefix=_STR, name=_STR,
                         scope={"type": "string", "enum": list(SCOPES)}, expires_at=_NULL_STR),
    }


def _json(schema: str, description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": _ref(schema)}}}


_WORDS = {400: "invalid request", 401: "no valid token", 403: "the token's scope or the owner's role does not allow "
          "this", 404: "no such job or file, or not yours", 409: "not possible in the job's present state",
          413: "upload too large", 429: "limit reached"}


def _errors(*codes: int) -> dict[str, Any]:
    return {str(code): _json("Error", _WORDS[code]) for code in codes}


def _id(name: str) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True,
            "schema": {"type": "integer", "minimum": 1, "maximum": 2**31 - 1}}


def _query(name: str, schema: dict[str, Any], description: str = "") -> dict[str, Any]:
    return {"name": name, "in": "query", "schema": schema, **({"description": description} if description else {})}


def _paging(per_page_default: int) -> list[dict[str, Any]]:
    return [_query("page", {"type": "integer", "minimum": 1, "maximum": MAX_PAGE}),
            _query("per_page", {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE,
                                "default": per_page_default})]


def _op(op_id: str, summary: str, responses: dict[str, Any], *errors: int, **extra: Any) -> dict[str, Any]:
    return {"summary": summary, "operationId": op_id, **extra, "responses": {**responses, **_errors(401, *errors)}}


def _multipart(schema: dict[str, Any]) -> dict[str, Any]:
    return {"required": True, "content": {"multipart/form-data": {"schema": schema}}}


def _detection_body(detector_names: list[str]) -> dict[str, Any]:
    detector = {"type": "string", **({"enum": detector_names} if detector_names else {})}
    return _obj(["video"], video={"type": "array", "items": _BINARY, "minItems": 1, "maxItems": MAX_FILES,
                                  "description": "one or more videos or photos: one job each"},
                detector={**detector, "description": "default: the portal's default detector"},
                ensemble={"type": "array", "items": detector, "description": "more detectors (repeat the field or "
                          "separate names by commas): the verdict is the mean of their probabilities"},
                frames={"type": "integer", **_bounds(DetectionForm.frames, NumberRange)},
                aggregation={"type": "string", "enum": _choices(DetectionForm.aggregation), "default": "mean"})


def _generation_body(swapper_names: list[str]) -> dict[str, Any]:
    f = ApiGenerationForm
    swapper = {"type": "string", **({"enum": swapper_names} if swapper_names else {})}
    return _obj(["source", "target", "swapper", "purpose", "consent_subject", "consent"],
                source={**_BINARY, "description": "a photo of the identity to use"},
                target={**_BINARY, "description": "the video whose faces are replaced"}, swapper=swapper,
                faces={"type": "string", "enum": _choices(f.faces), "default": "all"},
                reference={**_BINARY, "description": "needed when faces is 'reference'"},
                purpose={"type": "string", **_bounds(f.purpose, Length)},
                consent_subject={"type": "string", **_bounds(f.consent_subject, Length),
                                 "description": "the person in the source photo"},
                consent={"type": "boolean", "const": True, "description": "the portal's consent attestation"},
                evidence={**_BINARY, "description": "optional: a signed consent form, PDF or photo"},
                source_face={"type": "integer", **_bounds(f.source_face, NumberRange),
                             "description": "which face of the source photo (1 = largest); needed when it shows "
                             "several"})


def _paths(detector_names: list[str], swapper_names: list[str]) -> dict[str, Any]:
    listing = [_query("kind", {"type": "string", "enum": list(JOB_KINDS)}),
               _query("status", {"type": "string", "enum": list(JOB_STATUSES)}),
               _query("mine", {"type": "string", "enum": ["0", "1"], "default": "1"},
                      "admins: 0 lists everyone's jobs, as on the history page"),
               _query("q", {"type": "string", "maxLength": 100}, "part of the input file's name"),
               _query("batch", {"type": "string", "pattern": "^[0-9a-f]{8}$"}, "the jobs of one submission"),
               *_paging(20)]
    audit_filters = [_query(name, {"type": "string", "maxLength": 100}) for name in AUDIT_FILTERS]
    job_id = [_id("job_id")]
    decision = _obj(["decision"], decision={"type": "string", "enum": list(DECISIONS)},
                    reason={"type": "string", "maxLength": MAX_REASON, "description": "required to reject"})
    token = _obj(["name"], name={"type": "string", "minLength": 1, **_bounds(TokenForm.name, Length),
                                 "pattern": r"\S"},
                 scope={"type": "string", "enum": list(SCOPES), "default": "full"},
                 expires_days={"type": "integer", **_bounds(TokenForm.expires_days, NumberRange)})
    file_types = {t: {"schema": _BINARY} for t in FILE_MEDIA_TYPES}
    return {
        "/me": {"get": _op("me", "The token's user, role and scope", {"200": _json("User", "the user")})},
        "/jobs": {"get": _op("listJobs", "Your jobs, newest first, filtered as on the history page",
                             {"200": _json("JobList", "a page of jobs")}, 400, parameters=listing)},
        "/jobs/detection": {"post": _op(
            "submitDetection", "Check videos or photos for manipulation (one job per file)",
            {"201": {"description": "one file: the job; several: the batch",
                     "content": {"application/json": {"schema": {"oneOf": [_ref("Job"), _ref("Batch")]}}}}},
            400, 403, 413, 429, requestBody=_multipart(_detection_body(detector_names)))},
        "/jobs/generation": {"post": _op(
            "requestGeneration", "Ask for a face swap, with the subject's consent; a supervisor reviews it",
            {"201": _json("Job", "the request, waiting for review")}, 400, 403, 409, 413, 429,
            requestBody=_multipart(_generation_body(swapper_names)))},
        "/jobs/{job_id}": {"get": _op("getJob", "A job's status, result, files, consent and reviews",
                                      {"200": _json("Job", "the job")}, 404, parameters=job_id)},
        "/jobs/{job_id}/cancel": {"post": _op("cancelJob", "Cancel a job (its owner or an admin)",
                                              {"200": _json("Job", "canceled, or cancel requested")}, 403, 404, 409,
                                              parameters=job_id)},
        "/jobs/{job_id}/rerun": {"post": _op("rerunJob", "Run a failed or canceled job again",
                                             {"200": _json("Job", "queued again, or waiting for review again")},
                                             403, 404, 409, 429, parameters=job_id)},
        "/jobs/{job_id}/review": {"post": _op(
            "reviewGeneration", "Approve or reject a generation request (supervisors and admins; not your own)",
            {"200": _json("Job", "the decided request")}, 400, 403, 404, 409, parameters=job_id,
            requestBody={"required": True, "content": {"application/json": {"schema": decision}}})},
        "/review": {"get": _op("reviewQueue", "Generation requests waiting for a decision (supervisors, admins)",
                               {"200": _json("ReviewQueue", "oldest first")}, 403)},
        "/files/{artifact_id}": {"get": _op(
            "downloadFile", "Download a file of a job (audited)",
            {"200": {"description": "the file: JSON, PDF, MP4 and CSV with their own type, anything else as "
                                    "application/octet-stream", "content": file_types},
             "410": _json("Error", "the file is no longer stored")}, 404, parameters=[_id("artifact_id")])},
        "/audit": {"get": _op(
            "exportAudit", "The audit log, filtered as on the audit page (supervisors and admins; audited)",
            {"200": {"description": "a page of events (json) or every matching event (csv)",
                     "content": {"application/json": {"schema": _ref("AuditPage")},
                                 "text/csv": {"schema": {"type": "string"}}}}}, 400, 403,
            parameters=[_query("format", {"type": "string", "enum": list(EXPORT_FORMATS), "default": "json"}),
                        *audit_filters, *_paging(100)])},
        "/tokens": {"post": _op("createToken", "A new token of yours; scope read allows only reading calls",
                                {"201": _json("NewToken", "the token, shown once")}, 400, 403, 429,
                                requestBody={"required": True, "content": {"application/json": {"schema": token}}})},
    }


def document(detector_names: list[str], swapper_names: list[str]) -> dict[str, Any]:
    """The OpenAPI 3.1 document; detector and swapper names are those the portal offers now."""
    return {
        "openapi": "3.1.0",
        "info": {"title": "Deepfake lab portal API", "version": "1.1.0",
                 "description": "Personal tokens are made on the portal's API tokens page (or with POST /tokens). "
                                "A token acts with its owner's current role; a read-scoped token only reads."},
        "servers": [{"url": "/api/v1"}],
        "security": [{"bearer": []}],
        "paths": _paths(detector_names, swapper_names),
        "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}, "schemas": _schemas()},
    }
