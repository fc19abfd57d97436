"""Vraagbaak index package."""
