"""Schemathesis over every read operation of openapi.yaml against the in-process app.

All default checks run, positive and negative data alike: response bodies, status codes,
headers and content types must match the spec, and invalid input must be rejected.
"""

from __future__ import annotations

import hashlib
import uuid
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.core.parameters import ParameterLocation
from support import DEMO_KEY, make_settings, windows_in_order

from mockserver.app import create_app, mock_of
from mockserver.settings import DEFAULT_SPEC
from mockserver.world.dataset.voice_population import visible_voices

# Schemathesis calls the app in-process (WSGI) with requests' default Accept-Encoding
# (gzip, br) and does not decode what comes back: answers stay plain here.
APP = create_app(make_settings(strict_responses=False, compress_responses=False))
APP.testing = True
WORLD = mock_of(APP).world
ACME = WORLD.workspace(next(iter(WORLD.fixtures.workspaces)))

schema = schemathesis.openapi.from_path(DEFAULT_SPEC)
schema.app = APP


def _pick(options: list[str], seed: str) -> str:
    digest = hashlib.sha256(seed.encode()).digest()
    return options[digest[0] % len(options)]


def _is_uuid(value: Any) -> bool:
    try:
        return str(uuid.UUID(str(value))) == value
    except ValueError:
        return False


def aim_at_real_records(case: Any) -> None:
    """Most valid generated ids point nowhere; steer them to seeded records instead.

    A third of valid ids are left random so the 404 paths are exercised too.
    """
    params = case.path_parameters or {}
    workflow_id = params.get("workflow_id")
    if not _is_uuid(workflow_id) or int(hashlib.sha256(workflow_id.encode()).digest()[1]) < 85:
        return
    with ACME.lock:
        with_runs = sorted({r.workflow_id for r in ACME.runs.values()})
        params["workflow_id"] = _pick(with_runs, workflow_id)
        if _is_uuid(params.get("run_id")):
            runs = sorted(r.id for r in ACME.runs_of(params["workflow_id"]))
            params["run_id"] = _pick(runs, params["run_id"])


def aim_at_catalog(case: Any) -> None:
    """Likewise for voices, providers and models: two thirds of valid values name real ones
    (a voice of the workspace or the catalog, a provider, one of its models). Only analysed
    voices are picked: a failed import's neighbours are a documented 503, which the default
    server-error check cannot tell from a crash (the coverage crawl and the unit tests
    earn that 503 on purpose)."""
    if case.meta is None or case.meta.is_negative_at(ParameterLocation.PATH):
        return  # invalid path values stay invalid
    params = case.path_parameters or {}
    voice_id = params.get("voice_id")
    if _is_uuid(voice_id) and hashlib.sha256(voice_id.encode()).digest()[1] >= 85:
        with ACME.lock:
            analysed = sorted(v.id for v in visible_voices(WORLD, ACME) if v.has_embedding)
        params["voice_id"] = _pick(analysed, voice_id)
    provider = params.get("provider")
    if isinstance(provider, str) and hashlib.sha256(provider.encode()).digest()[1] >= 85:
        chosen = WORLD.catalog.providers[hashlib.sha256(provider.encode()).digest()[2]
                                         % len(WORLD.catalog.providers)]
        params["provider"] = chosen.provider
        if isinstance(params.get("model"), str):
            params["model"] = _pick([m.model for m in chosen.models], params["model"])


def known_timezones_and_cursors(case: Any) -> None:
    """OpenAPI cannot list the IANA zone names or the cursors a server handed out; steer
    valid generated ones to a real zone and to no cursor.

    An unknown zone or a foreign cursor is a 422 (the usage unit tests cover both).
    Invalid (negative) values are left untouched.
    """
    query = case.query or {}
    zone = query.get("timezone")
    if isinstance(zone, str) and zone:
        try:
            ZoneInfo(zone)
        except (ZoneInfoNotFoundError, ValueError):
            query["timezone"] = _pick(["UTC", "Asia/Tokyo", "America/New_York"], zone)
    if isinstance(query.get("cursor"), str) and query["cursor"]:
        del query["cursor"]


@schema.include(method="GET").parametrize()
@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
def test_read_operation_conforms(case: Any) -> None:
    """Every GET operation answers within its contract for valid and invalid input."""
    aim_at_real_records(case)
    aim_at_catalog(case)
    windows_in_order(case)
    known_timezones_and_cursors(case)
    case.call_and_validate(headers=credentials_for(case))


def credentials_for(case: Any) -> dict[str, str]:
    """The demo key, unless the generated headers are the invalid part of this case.

    Overriding a deliberately malformed Authorization with a valid one would leave a
    "negative" case whose only remaining fault is an unknown query key, which the API
    ignores, as FastAPI does; Schemathesis would then report the 200 as accepted bad data.
    """
    if case.meta is not None and case.meta.is_negative_at(ParameterLocation.HEADER):
        return {}
    return {"Authorization": f"Bearer {DEMO_KEY}"}
