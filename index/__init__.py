"""Vraagbaak index package: the store, embedders, the Dutch analyzer and retrieval."""

import os

# The machines Vraagbaak runs on have no route to model hubs or telemetry endpoints; never try.
os.environ.setdefault("HAYSTACK_TELEMETRY_ENABLED", "False")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
