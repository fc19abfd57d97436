"""Vraagbaak evaluation package."""
