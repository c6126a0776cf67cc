"""Every tunable default of the mock, in one frozen dataclass.

The CLI, environment variables, the pytest plugin and Docker only *override* these
values (``dataclasses.replace``); nothing else in the package holds a default.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from datetime import datetime
from pathlib import Path
from typing import Any

PACKAGE_DIR = Path(__file__).resolve().parent
DEFAULT_SPEC = PACKAGE_DIR / "openapi.yaml"
DEFAULT_ADMIN_SPEC = PACKAGE_DIR / "admin-openapi.yaml"
DEFAULT_FIXTURES = PACKAGE_DIR / "fixtures" / "default.yaml"
DEFAULT_CATALOG = PACKAGE_DIR / "data" / "catalog.yaml"


@dataclass(frozen=True)
class Settings:
    host: str = "127.0.0.1"
    port: int = 8080
    seed: int = 0
    spec_path: Path = DEFAULT_SPEC
    admin_spec_path: Path = DEFAULT_ADMIN_SPEC
    fixtures_path: Path = DEFAULT_FIXTURES
    catalog_path: Path = DEFAULT_CATALOG
    # Base URL used in absolute pagination links when the request has no Host header.
    public_base_url: str | None = None
    # Clock: real time unless frozen; run_speed scales how fast run time passes.
    frozen_at: datetime | None = None
    run_speed: float = 1.0
    # Seeded records are dated relative to this instant, so bodies do not depend on "now".
    dataset_epoch: datetime = field(
        default_factory=lambda: datetime.fromisoformat("2026-11-01T09:00:00+00:00")
    )
    # Version gate (conventions.md §9): advertised on every response.
    required_sdk_version: str = "0.1.0"
    # Validate every response body against openapi.yaml (tests turn this on).
    strict_responses: bool = False
    # Session JWTs (HS256) and download links are signed with this secret. The default is
    # public, so anyone can mint a session: fine on loopback, set `--secret` on a shared host.
    jwt_secret: str = "onepin-mock-local-signing-secret-not-for-production"
    jwt_ttl_seconds: int = 3600
    admin_enabled: bool = True
    admin_token: str | None = None
    # Serving the control API without a token on a non-loopback address needs this opt-in.
    insecure_admin: bool = False
    cors_origins: tuple[str, ...] = ()
    # Host headers answered besides loopback names (``localhost``, 127.0.0.0/8, ``[::1]``):
    # a loopback mock refuses every other one (DNS rebinding, see ``hosts.py``); on another
    # bind the check is on only when hosts are given here. ``*`` accepts any Host.
    allowed_hosts: tuple[str, ...] = ()
    # Allow ``Origin: null`` (pages opened from file://); off because sandboxed pages send it too.
    cors_allow_null_origin: bool = False
    # Answer allowed origins with Access-Control-Allow-Credentials: true (fetch's
    # credentials: 'include', axios withCredentials); the origin is always echoed, never '*'.
    cors_allow_credentials: bool = False
    # Take the host and scheme of links from Forwarded / X-Forwarded-* (a dev server's proxy).
    trust_proxy: bool = False
    # gzip or brotli for text answers (JSON, YAML, the docs' assets) the client accepts so.
    compress_responses: bool = True
    # One console line per answered request (``--quiet`` turns it off).
    access_log: bool = True
    journal_size: int = 1000
    # A snapshot of the state is written (at a quiet moment) once this many events were
    # applied since the last one, so a restart replays only what came after; 0: never.
    snapshot_every: int = 1000
    # Where the event log (and the journal) live: memory, sqlite:///PATH or redis://HOST:PORT/DB.
    state_url: str = "memory"
    # Events to start from (a file saved from GET /__mock/events): reproduces a recorded state.
    replay_path: Path | None = None
    # How long presigned download / playback links stay valid (runs.md §4.14).
    link_ttl_seconds: int = 900
    # Largest file one upload may hold (a PUT to its upload_url); the body bound comes first.
    max_upload_bytes: int = 1024 * 1024
    # Fault injection: shares of requests (0..1) that fail, are slow, or are dropped.
    fault_rate: float = 0.0
    fault_status: int = 503
    slow_rate: float = 0.0
    slow_ms: int = 2000
    drop_rate: float = 0.0
    # No single answer is held back longer than this (X-Mock-Delay, slow faults), so a few
    # unauthenticated or careless requests cannot tie up every worker thread.
    max_delay_ms: int = 5000
    # Request bodies above this are refused with 413. The largest plausible real request is
    # a definition whose 200,000-character script is sent \u-escaped (about 1.2 MB).
    max_body_bytes: int = 2 * 1024 * 1024
    # Workspaces made through POST /__mock/workspaces since the last full reset (each costs
    # a couple of MiB once used); past this, 429 until a reset. The pytest plugin resets
    # before every test, so a suite never accumulates them.
    max_workspaces: int = 1000
    # GET /__mock/state of every workspace at once is refused (422) past this many: the
    # export would generate them all; export one with ?workspace_id=.
    max_export_workspaces: int = 50


# The command line's names for Settings fields (``--fixtures``, ``--strict``), accepted
# wherever settings are named in code: the pytest marker and ``MockServer(**options)``.
SETTING_ALIASES = {"fixtures": "fixtures_path", "strict": "strict_responses"}


def with_options(base: Settings, **options: Any) -> Settings:
    """``base`` with these overrides, by field name or command-line name."""
    renamed = {SETTING_ALIASES.get(name, name): value for name, value in options.items()}
    for name, value in renamed.items():
        if name.endswith("_path") and isinstance(value, str):
            renamed[name] = Path(value)
    known = {f.name for f in fields(Settings)}
    unknown = sorted(set(renamed) - known)
    if unknown:
        raise TypeError(f"unknown setting(s) {unknown}; use {sorted(SETTING_ALIASES)} or a "
                        f"Settings field: {sorted(known)}")
    return replace(base, **renamed)
