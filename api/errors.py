"""One domain error type with a code; the HTTP layer maps codes to status codes in one place."""

from __future__ import annotations

from enum import StrEnum


class ErrorCode(StrEnum):
    VALIDATION = "validation_error"
    UNKNOWN_REGION = "unknown_region"
    INDEX_BUSY = "index_busy"
    INDEX_UNAVAILABLE = "index_unavailable"
    NOT_FOUND = "not_found"
    UNAUTHENTICATED = "unauthenticated"
    FORBIDDEN = "forbidden"
    TOO_LARGE = "payload_too_large"
    RATE_LIMITED = "rate_limited"
    STORAGE_UNAVAILABLE = "storage_unavailable"
    INTERNAL = "internal_error"


HTTP_STATUS = {
    ErrorCode.VALIDATION: 422,
    ErrorCode.UNKNOWN_REGION: 422,
    ErrorCode.INDEX_BUSY: 503,
    ErrorCode.INDEX_UNAVAILABLE: 503,
    ErrorCode.NOT_FOUND: 404,
    ErrorCode.UNAUTHENTICATED: 401,
    ErrorCode.FORBIDDEN: 403,
    ErrorCode.TOO_LARGE: 413,
    ErrorCode.RATE_LIMITED: 429,
    ErrorCode.STORAGE_UNAVAILABLE: 503,
    ErrorCode.INTERNAL: 500,
}


class VraagbaakError(Exception):
    """An error the user should see, with a Dutch message that says what to do."""

    def __init__(self, code: ErrorCode, detail: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(detail)
        self.code = code
        self.detail = detail
        self.headers = headers  # e.g. Retry-After on a 429
