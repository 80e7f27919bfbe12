"""A small browser over Flask's test client: sign in, read CSRF tokens, post forms."""

from __future__ import annotations

import re

_TOKEN = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"')


class Browser:
    def __init__(self, client):
        self.client = client

    def token(self, page: str = "/login") -> str:
        html = self.client.get(page).get_data(as_text=True)
        match = _TOKEN.search(html)
        if not match:
            raise AssertionError(f"no CSRF token on {page}")
        return match.group(1) or match.group(2)

    def login(self, email: str, password: str):
        token = self.token("/login")
        return self.client.post("/login", data={"email": email, "password": password, "csrf_token": token})

    def post(self, url: str, data: dict | None = None, token_page: str = "/account/password", **kw):
        data = dict(data or {})
        data["csrf_token"] = self.token(token_page)
        return self.client.post(url, data=data, **kw)

    def get(self, url: str, **kw):
        return self.client.get(url, **kw)
