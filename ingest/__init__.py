"""Vraagbaak ingest package."""
