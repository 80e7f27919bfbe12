"""Administration: user accounts, portal settings, per-user job limits, the audit log pages."""
