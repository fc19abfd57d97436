"""HTTP hardening: security headers, a request size limit, rate limiting per key, CORS off unless configured,
and the rule that the open mode only listens on a loopback address."""

from __future__ import annotations

import ipaddress
import json
import math
import threading
import time
from typing import Any

from fastapi import FastAPI
from starlette.datastructures import Headers, MutableHeaders
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.errors import ErrorCode, VraagbaakError
from index.settings import Settings

# The chat page and the coverage page use only their own scripts; the coverage page has inline styles.
PAGE_CSP = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
            "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
# FastAPI's /docs and /redoc load Swagger UI / ReDoc from a CDN with an inline start script.
DOCS_CSP = ("default-src 'self'; script-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; "
            "style-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; img-src 'self' data: https:; "
            "worker-src 'self' blob:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'")
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}
OPEN_MODE_NOTICE = ("Vraagbaak draait in open modus: iedereen op deze computer kan vragen stellen en alle "
                    "regio's, feedback en het vragenlogboek inzien, zonder sleutel. Alleen bereikbaar op {host}. "
                    "Voor meer gebruikers: 'vraagbaak users add' en 'vraagbaak serve --auth'.")


def is_loopback(host: str) -> bool:
    if host.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_bind(settings: Settings, host: str) -> None:
    """ValueError (a Dutch message) when the open mode would listen on an address other computers can reach."""
    if not settings.auth.enabled and not is_loopback(host):
        raise ValueError(
            f"Vraagbaak start niet op {host} zonder aanmelding: dan kan iedereen die het adres bereikt alle regio's, "
            "feedback en het vragenlogboek inzien. Start met --auth (of VRAAGBAAK_AUTH__ENABLED=true) na "
            "'vraagbaak users add' en 'vraagbaak keys create', of gebruik --host 127.0.0.1.")


class RateLimiter:
    """A token bucket per key: `per_minute` requests a minute on average, `burst` at once; 0 turns it off."""

    def __init__(self, per_minute: float, burst: int, max_keys: int = 10_000) -> None:
        self.rate = per_minute / 60.0
        self.burst = float(burst)
        self.max_keys = max_keys
        self._buckets: dict[str, tuple[float, float]] = {}  # key -> (tokens, at)
        self._lock = threading.Lock()

    def take(self, key: str) -> None:
        """Use one request of `key`'s budget; 429 with Retry-After when it is spent."""
        if self.rate <= 0:
            return
        now = time.monotonic()
        with self._lock:
            tokens, at = self._buckets.get(key, (self.burst, now))
            tokens = min(self.burst, tokens + (now - at) * self.rate)
            if tokens < 1.0:
                self._buckets[key] = (tokens, now)
                wait = math.ceil((1.0 - tokens) / self.rate)
                raise VraagbaakError(ErrorCode.RATE_LIMITED,
                                     f"Te veel verzoeken met deze sleutel. Probeer het over {wait} s opnieuw.",
                                     {"Retry-After": str(wait)})
            if len(self._buckets) >= self.max_keys and key not in self._buckets:
                self._buckets.clear()  # many keys at once (guessed ones): start over rather than grow
            self._buckets[key] = (tokens - 1.0, now)


class BodyTooLarge(StarletteHTTPException):
    def __init__(self, limit: int) -> None:
        super().__init__(413, f"Het verzoek is te groot (hoogstens {limit:,} bytes).".replace(",", "."))


class BodyLimitMiddleware:
    """413 for a body over the limit: at once by Content-Length, or while reading a body sent in chunks."""

    def __init__(self, app: ASGIApp, max_bytes: int, max_upload_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.max_upload_bytes = max_upload_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        multipart = headers.get("content-type", "").lower().startswith("multipart/form-data")
        limit = self.max_upload_bytes if multipart else self.max_bytes
        declared = headers.get("content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > limit):
            await _json_error(send, BodyTooLarge(limit).detail)
            return
        received = 0
        started = False

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge(limit)
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except BodyTooLarge as exc:
            if started:
                raise
            await _json_error(send, exc.detail)


async def _json_error(send: Send, detail: str) -> None:
    body = json.dumps({"error_code": ErrorCode.TOO_LARGE.value, "detail": detail}, ensure_ascii=False).encode()
    await send({"type": "http.response.start", "status": 413,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                            (b"connection", b"close")]})
    await send({"type": "http.response.body", "body": body})


class SecurityHeadersMiddleware:
    """The same security headers on every response (errors included); a CSP for the pages."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope.get("path", "")
        csp = DOCS_CSP if path in ("/docs", "/redoc", "/docs/oauth2-redirect") else PAGE_CSP

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in SECURITY_HEADERS.items():
                    headers.setdefault(name, value)
                headers.setdefault("Content-Security-Policy", csp)
                if scope.get("scheme") == "https":
                    headers.setdefault("Strict-Transport-Security", "max-age=31536000")
            await send(message)

        await self.app(scope, receive, with_headers)


def install_hardening(app: FastAPI, settings: Settings) -> None:
    """Middleware in order (outermost first): security headers, size limit, CORS when origins are configured."""
    if settings.http.cors_origins:
        app.add_middleware(CORSMiddleware, allow_origins=settings.http.cors_origins, allow_credentials=False,
                           allow_methods=["GET", "POST", "DELETE"], allow_headers=["Authorization", "Content-Type"],
                           max_age=600)
    app.add_middleware(BodyLimitMiddleware, max_bytes=settings.http.max_request_bytes,
                       max_upload_bytes=settings.http.max_upload_bytes)
    app.add_middleware(SecurityHeadersMiddleware)


__all__: list[Any] = ["RateLimiter", "check_bind", "install_hardening", "is_loopback", "OPEN_MODE_NOTICE"]
