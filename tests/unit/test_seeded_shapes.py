"""Shapes the seeded dataset must show (issue 12), checked where a client meets them.

The coverage suite (tests/coverage) proves each shape appears somewhere; these tests pin
the behaviour behind the ones a client acts on: the download 404 of a run without audio,
the email fallback of ``triggered_by``, automatic pauses down to the step, workspace voices,
and translated lines that read as their language.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from faker.providers.lorem.la import Provider as LatinLorem
from flask import Flask
from flask.testing import FlaskClient
from support import ACME, ADA, GLOBEX, KEY, SECOND_WORKSPACE_KEY, assert_error, bearer, ok
from support import session as session_headers

from mockserver.app import mock_of
from mockserver.world.dataset.workspace_voices import voices_of

WORKFLOWS = "/api/v1/workflows"
GLOBEX_KEY = bearer(SECOND_WORKSPACE_KEY)
NAMELESS = ("e1365c5b-aa80-595b-82fb-d859c47a9686", "ops@globex.example")
LATIN = set(LatinLorem.word_list)


def runs_of(client: FlaskClient, headers: dict[str, str]) -> Iterator[tuple[str, dict[str, Any]]]:
    for workflow in ok(client.get(f"{WORKFLOWS}?limit=100", headers=headers)):
        for run in ok(client.get(f"{WORKFLOWS}/{workflow['id']}/runs?limit=100",
                                 headers=headers)):
            yield workflow["id"], run


def test_completed_run_without_audio_answers_the_download_404(client: FlaskClient) -> None:
    """A run whose every take failed a no-retry check completes with nothing to download."""
    silent = [(wid, run) for wid, run in runs_of(client, KEY)
              if run["status"] == "completed" and run["output_line_count"] == 0]
    assert silent, "the seeded dataset has a completed run without audio"
    wid, run = silent[0]
    base = f"{WORKFLOWS}/{wid}/runs/{run['id']}"
    assert ok(client.get(base, headers=KEY))["has_export"] is False
    body = assert_error(client.get(f"{base}/download", headers=KEY), 404, "NOT_FOUND")
    assert "no audio" in body["error"]["message"]
    cards = [c for row in ok(client.get(f"{base}/data?limit=100", headers=KEY))["rows"]
             for c in row["cards"]]
    assert cards and {c["status"] for c in cards} == {"not_delivered"}


def test_triggered_by_falls_back_to_the_email(client: FlaskClient) -> None:
    """A run triggered by a member without a display name shows their email as user_name."""
    by_nameless = [run["triggered_by"] for _, run in runs_of(client, GLOBEX_KEY)
                   if run["triggered_by"]["user_id"] == NAMELESS[0]]
    assert by_nameless
    assert {t["user_name"] for t in by_nameless} == {NAMELESS[1]}


def test_every_pause_reason_is_seeded_and_automatic_ones_cut_off_a_step(
        client: FlaskClient) -> None:
    """Both workspaces together pause for every reason; an automatic pause explains itself
    and shows the step it interrupted as cancelled, with the step's own pause reason."""
    reasons = {}
    for headers in (KEY, GLOBEX_KEY):
        for wid, run in runs_of(client, headers):
            if run["status"] == "paused":
                base = f"{WORKFLOWS}/{wid}/runs/{run['id']}"
                detail = ok(client.get(base, headers=headers))
                reasons[run["pause_reason"]] = (detail, ok(client.get(f"{base}/steps",
                                                                      headers=headers)))
    assert set(reasons) == {"user", "provider_outage", "provider_rate_limited",
                            "provider_billing", "node_timeout"}
    manual, manual_steps = reasons.pop("user")
    assert manual["pause_error"] is None
    assert all(s["pause_reason"] is None for s in manual_steps)
    for reason, (run, steps) in reasons.items():
        assert run["pause_error"]
        cut = [s for s in steps if s["pause_reason"] is not None]
        assert cut and all(s["status"] == "cancelled" and s["pause_reason"] == reason
                           and s["pause_error"] == run["pause_error"] for s in cut)
        assert {s["node_id"] for s in cut} <= {h["node_id"] for h in run["held_nodes"]}


def _lines_by_locale(client: FlaskClient) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for headers in (KEY, GLOBEX_KEY):
        for wid, run in runs_of(client, headers):
            if run["status"] != "completed":
                continue
            data = ok(client.get(f"{WORKFLOWS}/{wid}/runs/{run['id']}/data?limit=100",
                                 headers=headers))
            for row in data["rows"]:
                for card in row["cards"]:
                    found.setdefault(card["locale_code"], set()).add(card["script"])
    return found


def test_translated_lines_read_as_their_language(client: FlaskClient) -> None:
    """No locale's lines are Lorem ipsum; CJK locales are written in their own scripts."""
    lines = _lines_by_locale(client)
    assert len(lines) >= 5
    for locale, scripts in lines.items():
        for script in scripts:
            words = {w.lower() for w in re.findall(r"[A-Za-z]+", script)}
            assert len(words & LATIN) <= len(words) // 3, (locale, script)
    scripts = {"ja": r"[\u3040-\u30ff\u4e00-\u9fff]", "zh": r"[\u4e00-\u9fff]",
               "ko": r"[\uac00-\ud7a3]"}
    for locale, found in lines.items():
        pattern = scripts.get(locale.split("-")[0])
        if pattern:
            assert all(re.search(pattern, s) for s in found), locale


def test_workspace_voices_are_readable_only_in_their_workspace(app: Flask,
                                                               client: FlaskClient) -> None:
    """A workspace's own voice reads in that workspace (with a playable sample when usable)
    and is 404 from another one."""
    world = mock_of(app).world
    own = voices_of(world, ACME)
    assert {v.body["source"] for v in own} == {"recorded", "uploaded", "provider_imported"}
    sampled = next(v for v in own if v.sample_ms is not None)
    voice = ok(client.get(f"/api/v1/voices/{sampled.id}", headers=KEY))
    assert voice["user_id"] in {ADA, *(u.id for u in world.fixtures.members(ACME))}
    audio = client.get(voice["sample_url"].split("localhost", 1)[-1])
    assert audio.status_code == 200 and audio.content_type == "audio/wav"
    broken = next(v for v in own if v.body["availability"] == "unavailable")
    assert ok(client.get(f"/api/v1/voices/{broken.id}", headers=KEY))["sample_url"] is None
    elsewhere = client.get(f"/api/v1/voices/{sampled.id}", headers=session_headers(ADA, GLOBEX))
    assert_error(elsewhere, 404, "NOT_FOUND")


@pytest.mark.parametrize("path", ["?limit=0", "?order=sideways", "?has_failed_run=maybe"])
def test_query_422_details_use_the_api_wording(client: FlaskClient, path: str) -> None:
    """Query problems are worded as pydantic words them, never jsonschema's phrasing."""
    body = assert_error(client.get(f"{WORKFLOWS}{path}", headers=KEY), 422, "VALIDATION_ERROR")
    message = body["error"]["details"][0]["message"]
    assert message.startswith("Input should be"), message


def test_cards_made_before_a_voice_retired_show_it_unavailable(client: FlaskClient) -> None:
    """A first run made with a voice the catalog has since retired keeps that voice in its
    snapshot and shows it unavailable on its cards; the workflow itself moved on."""
    retired = {"Quinn", "Imogen"}  # catalog.yaml's retired_voices
    found = []
    for wid, run in runs_of(client, KEY):
        base = f"{WORKFLOWS}/{wid}/runs/{run['id']}"
        cards = [c for row in ok(client.get(f"{base}/data?limit=100", headers=KEY))["rows"]
                 for c in row["cards"]]
        gone = [c["voice"] for c in cards if c["voice"]["status"] != "available"]
        if gone:
            found.append((wid, run, gone))
    assert found, "the seeded dataset has cards voiced by a retired voice"
    for wid, run, gone in found:
        assert all(v["status"] == "unavailable" and v["reason"] == "voice_retired"
                   and v["display_name"] in retired for v in gone)
        workflow = ok(client.get(f"{WORKFLOWS}/{wid}", headers=KEY))
        snapshot = ok(client.get(f"{WORKFLOWS}/{wid}/runs/{run['id']}", headers=KEY))[
            "definition_snapshot"]
        assert run["run_number"] == 1 and run["created_at"] < workflow["updated_at"]
        gone_ids = [a["catalog_voice_id"] for a in _assignments(snapshot)
                    if a["voice_name"] in retired]
        assert gone_ids and not any(a["voice_name"] in retired
                                    for a in _assignments(workflow["definition"]))
        for voice_id in gone_ids:  # no longer offered
            assert_error(client.get(f"/api/v1/voices/{voice_id}", headers=KEY), 404, "NOT_FOUND")


def _assignments(definition: dict[str, Any]) -> list[dict[str, Any]]:
    return [a for node in definition["graph"]["nodes"] if node["type"] == "operator_generator"
            for entries in node["config"]["voice_map"].values() for a in entries]


def test_lost_billing_records_keep_the_credit_figures_coherent(client: FlaskClient) -> None:
    """Seeded runs that lost a usage record or their settlement still add up: rows plus
    unattributed make the total, and a lost settlement leaves the run's credits null."""
    readings: set[str] = set()
    for wid, run in runs_of(client, KEY):
        base = f"{WORKFLOWS}/{wid}/runs/{run['id']}"
        credits = ok(client.get(f"{base}/analysis", headers=KEY))["credits"]
        if not credits.get("rows"):
            continue
        rows = credits["rows"]
        recorded = sum(float(r["credits_fractional"]) for r in rows
                       if r["credits_fractional"] is not None)
        assert recorded + float(credits["unattributed_fractional"]) == pytest.approx(
            float(credits["total_fractional"]))
        if any(r["status"] == "missing" for r in rows):
            readings.add("missing")
            assert float(credits["unattributed_fractional"]) > 0
        if credits["reason"] == "settlement_missing":
            readings.add("settlement_missing")
            assert credits["status"] == "partial" and credits["charged"] is None
            assert run["status"] in ("completed", "failed", "cancelled")
            assert ok(client.get(base, headers=KEY))["credits"] is None
    assert readings == {"missing", "settlement_missing"}


def test_every_catalog_language_has_real_sentences(client: FlaskClient) -> None:
    """Lines in each non-English locale of the catalog are hand-written sentences of that
    language (a bank in phrases.yaml), not words drawn at random from a word list."""
    from mockserver.world.runs.text import _sentences, translate

    catalog = mock_of(client.application).world.catalog
    banks = _sentences()
    languages = {locale.split("-")[0] for locale in catalog.locales} - {"en"}
    assert languages <= set(banks), sorted(languages - set(banks))
    for locale in catalog.locales:
        language = locale.split("-")[0]
        for line in ("Thank you for calling.", "Your package is on its way.", "Goodbye."):
            translated = translate(0, line, locale)
            assert translated == line if language == "en" else translated in banks[language]
    seen = {card for cards in _lines_by_locale(client).values() for card in cards}
    german = [s for s in seen if s in banks["de"]]
    assert german, "the seeded runs should show German lines"
