"""Format converters: each reads one file into Pages; `FileConverter` picks one by content and reports failures."""

from ingest.converters.base import ConversionError, Failure, Limits, Page, Record, SourceFile
from ingest.converters.component import FileConverter, check_file
from ingest.converters.registry import CONVERTERS, SUPPORTED_SUFFIXES

__all__ = [
    "CONVERTERS",
    "SUPPORTED_SUFFIXES",
    "ConversionError",
    "Failure",
    "FileConverter",
    "Limits",
    "Page",
    "Record",
    "SourceFile",
    "check_file",
]
