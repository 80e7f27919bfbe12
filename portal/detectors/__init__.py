"""Detectors in the portal: which can be offered, the registry of lab models, their cards, admin pages and CLI."""
