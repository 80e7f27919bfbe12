"""Verdict reports: the summary record with its plots and thumbnails, and the same as a PDF."""
