"""Which stored rows (answers, feedback, logged questions) a caller bound to regions may see.

A row carries the searched `region` and the `scope` of its asker: the regions the asker may search, stored as
",a,b," (sorted), or NULL for an asker of every region (open mode, an unbound user). A viewer bound to regions V
sees a row when every region of its asker's scope is in V, or, for an asker of every region, when the row was
asked about a region in V. A viewer of every region sees everything. So a question of a user of region B never
reaches a viewer of region A, whatever it was about.
"""

from __future__ import annotations

from collections.abc import Iterable
from itertools import combinations
from typing import Any

from sqlalchemy import and_, false, or_

from index.retriever import NATIONAL

MAX_VIEWER_REGIONS = 12  # the visibility filter lists the subsets of a viewer's regions (2^12 strings at most)


def encode_scope(regions: Iterable[str] | None) -> str | None:
    """A caller's regions as stored on its rows; None for every region."""
    if regions is None:
        return None
    return "," + ",".join(sorted(set(regions))) + ","


def decode_scope(value: str | None) -> tuple[str, ...] | None:
    return None if value is None else tuple(r for r in value.split(",") if r)


def visible_to(row_region: str | None, row_scope: str | None, viewer: tuple[str, ...] | None) -> bool:
    """The rule of this module for one row (the SQL form is `visibility_clause`)."""
    if viewer is None:
        return True
    if row_scope is None:
        return row_region is not None and row_region != NATIONAL and row_region in viewer
    return set(decode_scope(row_scope) or ()) <= set(viewer)


def visibility_clause(region_column: Any, scope_column: Any, viewer: tuple[str, ...] | None) -> Any:
    """SQLAlchemy condition: the rows a viewer bound to `viewer` regions may see (None: no condition)."""
    if viewer is None:
        return None
    regions = sorted(set(viewer) - {NATIONAL})
    if not regions:
        return false()
    if len(regions) > MAX_VIEWER_REGIONS:
        raise ValueError(f"Een gebruiker kan aan hoogstens {MAX_VIEWER_REGIONS} regio's gebonden zijn.")
    scopes = [encode_scope(subset) for n in range(1, len(regions) + 1) for subset in combinations(regions, n)]
    return or_(scope_column.in_(scopes), and_(scope_column.is_(None), region_column.in_(regions)))
