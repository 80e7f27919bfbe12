"""The OpenAPI 3 document of /api/v1, built from the same lists the endpoints validate against."""

from __future__ import annotations

from typing import Any

from portal.db import JOB_KINDS, JOB_STATUSES

FILE_MEDIA_TYPES = ("application/octet-stream", "application/json", "application/pdf", "video/mp4", "text/csv")
_ERROR = {"type": "object", "required": ["error", "status"],
          "properties": {"error": {"type": "string"}, "status": {"type": "integer"},
                         "fields": {"type": "object"}}}
_NULL_STR = {"type": ["string", "null"]}
_ARTIFACT = {"type": "object", "required": ["id", "role", "size", "media_type", "sha256", "name", "url"],
             "properties": {"id": {"type": "integer"}, "role": {"type": "string"}, "size": {"type": "integer"},
                            "media_type": {"type": "string"}, "sha256": {"type": "string"},
                            "name": {"type": "string"}, "url": {"type": "string"}}}
_JOB_SUMMARY = {
    "type": "object", "required": ["id", "kind", "status", "progress", "stage", "attempts", "url"],
    "properties": {"id": {"type": "integer"}, "kind": {"type": "string", "enum": list(JOB_KINDS)},
                   "status": {"type": "string", "enum": list(JOB_STATUSES)},
                   "progress": {"type": "number", "minimum": 0, "maximum": 1}, "stage": {"type": "string"},
                   "error": _NULL_STR, "attempts": {"type": "integer"}, "created_at": _NULL_STR,
                   "started_at": _NULL_STR, "finished_at": _NULL_STR, "url": {"type": "string"}},
}
_JOB = {"allOf": [{"$ref": "#/components/schemas/JobSummary"}, {
    "type": "object", "required": ["params", "artifacts"],
    "properties": {"params": {"type": "object"}, "result": {"type": ["object", "null"]},
                   "artifacts": {"type": "array", "items": {"$ref": "#/components/schemas/Artifact"}}}}]}


def _json(schema: str, description: str) -> dict[str, Any]:
    return {"description": description,
            "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{schema}"}}}}


def _errors(*codes: int) -> dict[str, Any]:
    words = {400: "invalid request", 401: "no valid token", 404: "no such job or file, or not yours",
             409: "the job cannot be canceled now", 413: "upload too large", 429: "limit reached"}
    return {str(code): _json("Error", words[code]) for code in codes}


def _id(name: str) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True,
            "schema": {"type": "integer", "minimum": 1, "maximum": 2**31 - 1}}


def _paths(detector_names: list[str]) -> dict[str, Any]:
    detector = {"type": "string"}
    if detector_names:
        detector["enum"] = detector_names
    submit_schema = {"type": "object", "required": ["video", "detector"], "properties": {
        "video": {"type": "string", "format": "binary"}, "detector": detector,
        "ensemble": {"type": "array", "items": detector, "description": "more detectors; the mean is reported"},
        "frames": {"type": "integer", "minimum": 4, "maximum": 128, "default": 32},
        "aggregation": {"type": "string", "enum": ["mean", "confident"], "default": "mean"}}}
    query = [{"name": "kind", "in": "query", "schema": {"type": "string", "enum": list(JOB_KINDS)}},
             {"name": "status", "in": "query", "schema": {"type": "string", "enum": list(JOB_STATUSES)}},
             {"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 100000}},
             {"name": "per_page", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 100}},
             {"name": "mine", "in": "query", "schema": {"type": "string", "enum": ["0", "1"]},
              "description": "admins: 0 lists everyone's jobs"}]
    return {
        "/me": {"get": {"summary": "The token's user", "operationId": "me",
                        "responses": {"200": _json("User", "the user"), **_errors(401)}}},
        "/jobs": {"get": {"summary": "Your jobs, newest first", "operationId": "listJobs", "parameters": query,
                          "responses": {"200": _json("JobList", "a page of jobs"), **_errors(400, 401)}}},
        "/jobs/detection": {"post": {
            "summary": "Submit a video for detection", "operationId": "submitDetection",
            "requestBody": {"required": True, "content": {"multipart/form-data": {"schema": submit_schema}}},
            "responses": {"201": _json("Job", "the job, queued"), **_errors(400, 401, 413, 429)}}},
        "/jobs/{job_id}": {"get": {"summary": "A job's status, result and files", "operationId": "getJob",
                                   "parameters": [_id("job_id")],
                                   "responses": {"200": _json("Job", "the job"), **_errors(401, 404)}}},
        "/jobs/{job_id}/cancel": {"post": {"summary": "Cancel a job", "operationId": "cancelJob",
                                           "parameters": [_id("job_id")],
                                           "responses": {"200": _json("Job", "canceled, or cancel requested"),
                                                         **_errors(401, 404, 409)}}},
        "/files/{artifact_id}": {"get": {
            "summary": "Download a file of a job (attachment)", "operationId": "downloadFile",
            "parameters": [_id("artifact_id")],
            "responses": {"200": {"description": "the file: JSON, PDF, MP4 and CSV with their own type, anything "
                                                 "else as application/octet-stream",
                                  "content": {t: {"schema": {"type": "string", "format": "binary"}}
                                              for t in FILE_MEDIA_TYPES}}, **_errors(401, 404),
                "410": _json("Error", "the file is no longer stored")}}},
    }


def document(detector_names: list[str]) -> dict[str, Any]:
    """The OpenAPI 3.1 document; detector names are those the portal offers now."""
    return {
        "openapi": "3.1.0",
        "info": {"title": "Deepfake lab portal API", "version": "1.0.0",
                 "description": "Personal tokens are made on the portal's API tokens page."},
        "servers": [{"url": "/api/v1"}],
        "security": [{"bearer": []}],
        "paths": _paths(detector_names),
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": {
                "Error": _ERROR, "Artifact": _ARTIFACT, "JobSummary": _JOB_SUMMARY, "Job": _JOB,
                "JobList": {"type": "object", "required": ["jobs", "page", "per_page", "total"], "properties": {
                    "jobs": {"type": "array", "items": {"$ref": "#/components/schemas/JobSummary"}},
                    "page": {"type": "integer"}, "per_page": {"type": "integer"}, "total": {"type": "integer"}}},
                "User": {"type": "object", "required": ["id", "email", "name", "role"], "properties": {
                    "id": {"type": "integer"}, "email": {"type": "string"}, "name": {"type": "string"},
                    "role": {"type": "string"}}},
            },
        },
    }
