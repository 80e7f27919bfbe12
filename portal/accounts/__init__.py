"""Accounts: sign-in and sessions, users and their passwords, API tokens, sign-in rate limits."""
