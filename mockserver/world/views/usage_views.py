"""Usage (``/usage/summary``, ``/usage/by-language``, ``/usage/activity``): pure folds over the
workspace's runs (seeded and started) at ``now``, plus the feed entries events recorded.

When things count, in the caller's IANA timezone:
- a run counts in ``runs`` (and the daily ``runs``) on the local day it was created, with
  the status it has now;
- what it consumed (credits it reports, characters, lines, delivered audio) counts at the
  instant it settled, the moment the ledger debits it; a run still in flight has
  consumed nothing yet. So a window read early or late gives the same numbers for the
  same instant, in any worker.
``credits.used`` is the caller's own debits in the account's credit period (the ledger);
every other figure is the whole workspace's.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from ...envelope import iso
from ..catalog.catalog import Catalog
from ..rng import stable_uuid
from ..runs.record import RunRecord
from ..state.activity import ActivityRecord
from ..state.fixtures import Fixtures

JSON = dict[str, Any]
RANGE_DAYS = {"30d": 30, "60d": 60, "90d": 90}
CORRECTOR = "operator_pronunciation_corrector"
_STATUSES = ("completed", "failed", "cancelled", "running", "pending", "paused")


@dataclass(frozen=True)
class RunUsage:
    """What one run has consumed by ``now`` (zeros until it settles)."""

    run: RunRecord
    status: str
    settled_at: datetime | None
    credits: int
    characters: int
    lines: int
    audio_ms: int
    corrected_words: int
    by_locale: dict[str, tuple[int, int]]  # locale -> (characters, lines) generated
    corrected_by_locale: dict[str, int]  # locale -> words the corrector went over


def run_usage(run: RunRecord, now: datetime) -> RunUsage:
    timeline = run.timeline(now)
    status = timeline.status
    if not timeline.terminal or timeline.completed_at is None:
        return RunUsage(run, status, None, 0, 0, 0, 0, 0, {}, {})
    progress = run.progress(timeline)
    by_locale: dict[str, tuple[int, int]] = {}
    for line in progress.plan.line_locales:
        if progress.visible_takes(line):
            chars, lines = by_locale.get(line.locale, (0, 0))
            by_locale[line.locale] = (chars + len(line.script), lines + 1)
    # Each completed corrector execution went over the words of the lines of its locales.
    corrected: dict[str, int] = {}
    for state in progress.steps:
        if state.status == "completed" and state.step.node_type == CORRECTOR:
            for line in progress.plan.line_locales:
                if line.locale in (state.step.locales or (progress.plan.source_language,)):
                    corrected[line.locale] = (corrected.get(line.locale, 0)
                                              + len(line.script.split()))
    return RunUsage(run, status, timeline.completed_at, progress.settled_credits() or 0,
                    progress.token_cost, sum(n for _, n in by_locale.values()),
                    progress.delivered_audio_ms(), sum(corrected.values()), by_locale,
                    corrected)


# -- windows in local time ------------------------------------------------------------------


def _midnight(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=zone)


@dataclass(frozen=True)
class Bucket:
    label: str
    start: datetime  # inclusive
    end: datetime  # exclusive

    def holds(self, instant: datetime | None) -> bool:
        return instant is not None and self.start <= instant < self.end


def range_window(range_name: str, zone: ZoneInfo, now: datetime) -> list[Bucket]:
    """The local calendar days of a rolling range, oldest first, today last."""
    today = now.astimezone(zone).date()
    days = [today - timedelta(days=n) for n in range(RANGE_DAYS[range_name] - 1, -1, -1)]
    return [Bucket(d.isoformat(), _midnight(d, zone), _midnight(d + timedelta(days=1), zone))
            for d in days]


def view_buckets(view: str, zone: ZoneInfo, now: datetime) -> list[Bucket]:
    """The activity chart: 7 local days, 12 Monday-start weeks or 12 months, newest last."""
    today = now.astimezone(zone).date()
    if view == "daily":
        days = [today - timedelta(days=n) for n in range(6, -1, -1)]
        return [Bucket(f"{d:%a}", _midnight(d, zone), _midnight(d + timedelta(days=1), zone))
                for d in days]
    if view == "weekly":
        monday = today - timedelta(days=today.weekday())
        weeks = [monday - timedelta(weeks=n) for n in range(11, -1, -1)]
        return [Bucket(f"Week of {w:%b} {w.day}", _midnight(w, zone),
                       _midnight(w + timedelta(weeks=1), zone)) for w in weeks]
    months = []
    year, month = today.year, today.month
    for _ in range(12):
        months.append(date(year, month, 1))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    months.reverse()
    return [Bucket(f"{m:%b}", _midnight(m, zone),
                   _midnight(date(m.year + m.month // 12, m.month % 12 + 1, 1), zone))
            for m in months]


_VIEW_UNITS = {"daily": ("day", "Last 7 days"), "weekly": ("week", "Last 12 weeks"),
               "monthly": ("month", "Last 12 months")}


# -- summary ----------------------------------------------------------------------------------


def _consumed(usages: list[RunUsage], bucket: Bucket) -> tuple[int, int, int]:
    settled = [u for u in usages if bucket.holds(u.settled_at)]
    return (sum(u.credits for u in settled), sum(u.characters for u in settled),
            sum(u.lines for u in settled))


def _started(usages: list[RunUsage], bucket: Bucket) -> list[RunUsage]:
    return [u for u in usages if bucket.holds(u.run.created_at)]


def activity_summary(usages: list[RunUsage], view: str, zone: ZoneInfo, now: datetime) -> JSON:
    """UsageActivitySummaryOut: credits (and the rest) per chart bucket."""
    rows: list[JSON] = []
    for bucket in view_buckets(view, zone, now):
        credits, characters, lines = _consumed(usages, bucket)
        rows.append({"label": bucket.label, "start": iso(bucket.start), "end": iso(bucket.end),
                     "credits": credits, "characters": characters, "lines": lines,
                     "runs": len(_started(usages, bucket))})
    total: int = sum(r["credits"] for r in rows)
    peak = max(rows, key=lambda r: int(r["credits"])) if total else None
    unit, label = _VIEW_UNITS[view]
    return {"view": view, "bucket_unit": unit, "range_label": label, "buckets": rows,
            "total": total, "avg": round(total / len(rows), 1),
            "peak": None if peak is None else {"value": peak["credits"], "label": peak["label"],
                                               "start": peak["start"], "end": peak["end"]}}


def usage_summary(usages: list[RunUsage], *, range_name: str, view: str, zone: ZoneInfo,
                  timezone_name: str, now: datetime, credits: JSON) -> JSON:
    """UsageSummaryOut; ``credits`` is the caller's UsageCreditsOut (from the ledger)."""
    days = range_window(range_name, zone, now)
    window = Bucket("", days[0].start, days[-1].end)
    consumed = [u for u in usages if window.holds(u.settled_at)]
    started = _started(usages, window)
    characters, lines = sum(u.characters for u in consumed), sum(u.lines for u in consumed)
    counts = {status: sum(1 for u in started if u.status == status) for status in _STATUSES}
    daily = []
    for day in days:
        day_credits, day_chars, day_lines = _consumed(consumed, day)
        daily.append({"date": day.label, "credits": day_credits, "characters": day_chars,
                      "lines": day_lines, "runs": len(_started(started, day))})
    return {
        "range": range_name, "activity_view": view, "timezone": timezone_name,
        "period": {"start": iso(window.start), "end": iso(window.end)},
        "credits": credits,
        "characters": {"total": characters},
        "corrected": {"total": sum(u.corrected_words for u in consumed)},
        "lines": {"total": lines,
                  "avg_chars_per_line": round(characters / lines, 1) if lines else None},
        "audio": {"total_ms": sum(u.audio_ms for u in consumed)},
        "runs": {"total": len(started), **counts},
        "activity": activity_summary(usages, view, zone, now),
        "daily": daily,
    }


# -- by language ------------------------------------------------------------------------------


def _split(credits: int, weights: dict[str, int]) -> dict[str, int]:
    """``credits`` shared by weight, whole credits that add up exactly (largest remainder)."""
    total = sum(weights.values())
    exact = {k: credits * w / total for k, w in weights.items()}
    shares = {k: int(v) for k, v in exact.items()}
    left = credits - sum(shares.values())
    for key in sorted(exact, key=lambda k: (shares[k] - exact[k], k))[:left]:
        shares[key] += 1
    return shares


def usage_by_language(usages: list[RunUsage], catalog: Catalog, *, range_name: str | None,
                      view: str | None, zone: ZoneInfo, timezone_name: str, now: datetime
                      ) -> JSON:
    """UsageByLanguageOut: each locale's share of what settled in the period."""
    if view is not None:
        buckets = view_buckets(view, zone, now)
    else:
        buckets = range_window(range_name or "30d", zone, now)
    window = Bucket("", buckets[0].start, buckets[-1].end)
    credits: dict[str, int] = defaultdict(int)
    chars: dict[str, int] = defaultdict(int)
    lines: dict[str, int] = defaultdict(int)
    corrected: dict[str, int] = defaultdict(int)
    untagged = 0
    for usage in (u for u in usages if window.holds(u.settled_at)):
        weights = {loc: c for loc, (c, _) in usage.by_locale.items()}
        if not sum(weights.values()):  # no line generated: nothing to share by
            untagged += usage.credits
            continue
        for locale, share in _split(usage.credits, weights).items():
            credits[locale] += share
        for locale, (c, n) in usage.by_locale.items():
            chars[locale] += c
            lines[locale] += n
            corrected[locale] += usage.corrected_by_locale.get(locale, 0)
    total = sum(credits.values())
    all_chars = sum(chars.values())
    rows = [_language_row(catalog, locale, credits[locale], total, chars[locale], all_chars,
                          lines[locale], corrected[locale]) for locale in chars]
    rows.sort(key=lambda r: (-r["credits"], -r["characters"], r["locale_code"]))
    return {"range": None if view is not None else (range_name or "30d"),
            "activity_view": view, "timezone": timezone_name,
            "period": {"start": iso(window.start), "end": iso(window.end)},
            "languages": rows, "total_credits": total + untagged,
            "untagged_credits": untagged}


def _language_row(catalog: Catalog, locale: str, credits: int, total: int, characters: int,
                  all_characters: int, lines: int, corrected: int) -> JSON:
    share = credits / total if total else characters / all_characters if all_characters else 0.0
    return {"locale_code": locale, "display_name": catalog.locale_name(locale),
            "share": round(share, 4), "credits": credits, "characters": characters,
            "corrected": corrected, "lines": lines, "allocation_basis": "characters"}


# -- activity feed ----------------------------------------------------------------------------


@dataclass(frozen=True)
class FeedEntry:
    at: datetime
    key: str  # ties broken by it: newest first, then key descending
    body: JSON


def _user(fixtures: Fixtures, user_id: str | None) -> JSON | None:
    if user_id is None:
        return None
    user = fixtures.users.get(user_id)
    return {"id": user_id, "name": user.display_name if user else user_id}


def run_entries(seed: int, usages: list[RunUsage], workflow_names: dict[str, str],
                fixtures: Fixtures) -> list[FeedEntry]:
    """One ``workflow_run`` entry per run, at its start, and a ``voice_generated`` one when
    it settled having delivered audio."""
    entries = []
    for usage in usages:
        run = usage.run
        entry_id = str(stable_uuid(seed, "activity", f"run:{run.id}"))
        entries.append(FeedEntry(run.created_at, entry_id, {
            "id": entry_id, "timestamp": iso(run.created_at),
            "user": _user(fixtures, run.triggered_by.get("user_id")),
            "action": "workflow_run", "kind": "run_started",
            "resource": {"type": "workflow", "id": run.workflow_id,
                         "name": workflow_names.get(run.workflow_id)},
            "metadata": {"run_id": run.id, "run_number": run.run_number,
                         "status": usage.status, "credits": usage.credits},
            "ip": None}))
        if usage.settled_at is not None and usage.audio_ms > 0:
            entries.append(_voiced(seed, usage, workflow_names, fixtures))
    return entries


def _voiced(seed: int, usage: RunUsage, workflow_names: dict[str, str], fixtures: Fixtures
            ) -> FeedEntry:
    """A ``voice_generated`` entry when a run that delivered audio settled."""
    run, at = usage.run, usage.settled_at
    assert at is not None
    entry_id = str(stable_uuid(seed, "activity", f"voiced:{run.id}"))
    return FeedEntry(at, entry_id, {
        "id": entry_id, "timestamp": iso(at),
        "user": _user(fixtures, run.triggered_by.get("user_id")),
        "action": "voice_generated", "kind": "run_audio_delivered",
        "resource": {"type": "workflow", "id": run.workflow_id,
                     "name": workflow_names.get(run.workflow_id)},
        "metadata": {"run_id": run.id, "audio_ms": usage.audio_ms, "lines": usage.lines},
        "ip": None})


def event_entries(seed: int, records: list[ActivityRecord], fixtures: Fixtures
                  ) -> list[FeedEntry]:
    entries = []
    for record in records:
        entry_id = str(stable_uuid(seed, "activity", f"event:{record.seq}"))
        entries.append(FeedEntry(record.at, entry_id, {
            "id": entry_id, "timestamp": iso(record.at),
            "user": _user(fixtures, record.user_id),
            "action": record.kind.action, "kind": record.kind.kind,
            "resource": {"type": record.kind.resource_type, "id": record.resource_id,
                         "name": record.resource_name},
            "metadata": record.metadata, "ip": None}))
    return entries


def encode_cursor(entry: FeedEntry) -> str:
    raw = json.dumps([iso(entry.at), entry.key]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[str, str] | None:
    """(timestamp, key) from a cursor this mock made; None when it is not one."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        at, key = json.loads(raw)
    except (ValueError, binascii.Error, TypeError):
        return None
    if not isinstance(at, str) or not isinstance(key, str):
        return None
    return at, key


def feed_page(entries: list[FeedEntry], after: tuple[str, str] | None, limit: int
              ) -> tuple[list[FeedEntry], FeedEntry | None]:
    """Newest first; the page after the cursor's entry, and the last entry if more follow."""
    ordered = sorted(entries, key=lambda e: (iso(e.at), e.key), reverse=True)
    if after is not None:
        ordered = [e for e in ordered if (iso(e.at), e.key) < after]
    page = ordered[:limit]
    return page, (page[-1] if len(ordered) > limit else None)
