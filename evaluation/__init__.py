"""Vraagbaak evaluation package."""
import index  # noqa: F401  (first: no telemetry, no model hub, before haystack is imported)
