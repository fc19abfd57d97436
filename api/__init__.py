"""Vraagbaak api package."""
