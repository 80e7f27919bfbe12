"""Cheap status polls: the job page's status JSON (and the API's job record) carry an ETag; a poll whose
If-None-Match still matches gets 304 with no body, so a page polling an unchanged job costs one row read."""

from __future__ import annotations

from flask import Flask, Response, request

POLLED = {"jobs.status", "api.job"}  # endpoints polled while a job runs


def register(app: Flask) -> None:
    @app.after_request
    def etag(response: Response) -> Response:
        if request.endpoint in POLLED and request.method == "GET" and response.status_code == 200 \
                and response.mimetype == "application/json":
            response.add_etag()  # a hash of the body: equal bodies, equal tags
            response.headers["Cache-Control"] = "private, no-cache"  # revalidate every poll, never share
            response.make_conditional(request)
        return response
