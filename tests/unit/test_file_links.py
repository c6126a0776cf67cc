"""Signed file links (/files/...): byte ranges, HEAD, inline audio, exact WAV length,
and their place in the API surface (on without the control API, in the journal)."""

from __future__ import annotations

import io
import wave
from collections.abc import Iterator
from typing import Any

import pytest
from flask.testing import FlaskClient
from support import KEY, assert_error, make_settings, ok

from mockserver.app import create_app

WORKFLOWS = "/api/v1/workflows"


@pytest.fixture(scope="module")
def client() -> Iterator[FlaskClient]:
    with create_app(make_settings()).test_client() as test_client:
        yield test_client


def local(url: str) -> str:
    return url[url.index("/files/"):]


def completed_run(client: FlaskClient) -> dict[str, Any]:
    for workflow in ok(client.get(f"{WORKFLOWS}?status=completed&limit=5", headers=KEY)):
        for run in ok(client.get(f"{WORKFLOWS}/{workflow['id']}/runs", headers=KEY)):
            if run["status"] == "completed":
                return {**run, "workflow_id": workflow["id"]}
    raise AssertionError("no completed seeded run")


def audio_cards(client: FlaskClient) -> list[dict[str, Any]]:
    """Audio blocks (playback_url, duration_ms) of a completed run's data cards."""
    run = completed_run(client)
    rows = ok(client.get(f"{WORKFLOWS}/{run['workflow_id']}/runs/{run['id']}/data?limit=20",
                         headers=KEY))
    return [card["audio"] for row in rows["rows"] for card in row["cards"]]


def download_path(client: FlaskClient) -> str:
    run = completed_run(client)
    link = ok(client.get(f"{WORKFLOWS}/{run['workflow_id']}/runs/{run['id']}/download",
                         headers=KEY))
    return local(link["url"])


def test_every_wav_lasts_the_duration_the_api_reports(client: FlaskClient) -> None:
    """Each take's WAV is as long as its duration_ms, to within one sample."""
    cards = audio_cards(client)
    assert len(cards) >= 3
    for audio in cards:
        with wave.open(io.BytesIO(client.get(local(audio["playback_url"])).data)) as wav:
            seconds = wav.getnframes() / wav.getframerate()
            assert abs(seconds * 1000 - audio["duration_ms"]) <= 1000 / wav.getframerate()


def test_playback_is_inline_and_downloads_are_attachments(client: FlaskClient) -> None:
    """An <audio> element plays the take in the page; archives still download."""
    audio = client.get(local(audio_cards(client)[0]["playback_url"]))
    assert audio.content_type == "audio/wav"
    assert audio.headers["Content-Disposition"].startswith("inline; filename=")
    archive = client.get(download_path(client))
    assert archive.headers["Content-Disposition"].startswith("attachment; filename=")


def test_a_byte_range_is_206_with_content_range(client: FlaskClient) -> None:
    """bytes=0-99 gives the first 100 bytes; an open range gives the tail."""
    path = local(audio_cards(client)[0]["playback_url"])
    whole = client.get(path)
    assert whole.status_code == 200 and whole.headers["Accept-Ranges"] == "bytes"
    size = len(whole.data)
    first = client.get(path, headers={"Range": "bytes=0-99"})
    assert first.status_code == 206
    assert first.headers["Content-Range"] == f"bytes 0-99/{size}"
    assert first.data == whole.data[:100] and first.headers["Content-Length"] == "100"
    tail = client.get(path, headers={"Range": "bytes=-10"})
    assert tail.status_code == 206 and tail.data == whole.data[-10:]
    assert tail.headers["Content-Range"] == f"bytes {size - 10}-{size - 1}/{size}"


def test_a_range_past_the_end_is_416(client: FlaskClient) -> None:
    """A range starting after the last byte is 416 in the envelope, with bytes */size."""
    path = download_path(client)
    size = len(client.get(path).data)
    refused = client.get(path, headers={"Range": f"bytes={size}-"})
    assert_error(refused, 416, "RANGE_NOT_SATISFIABLE")
    assert refused.headers["Content-Range"] == f"bytes */{size}"


@pytest.mark.parametrize("suffix", ["SIZE", "SIZE+1", "99999999999999999999"])
def test_a_suffix_longer_than_the_file_selects_all_of_it(client: FlaskClient,
                                                         suffix: str) -> None:
    """RFC 9110 §14.1.2: `bytes=-N` with N at least the file's length is the whole file
    (206 with `bytes 0-(size-1)/size`), however large N is written."""
    path = download_path(client)
    whole = client.get(path).data
    size = len(whole)
    length = {"SIZE": str(size), "SIZE+1": str(size + 1)}.get(suffix, suffix)
    response = client.get(path, headers={"Range": f"bytes=-{length}"})
    assert response.status_code == 206, response.get_data(as_text=True)[:200]
    assert response.data == whole
    assert response.headers["Content-Range"] == f"bytes 0-{size - 1}/{size}"


@pytest.mark.parametrize("alias", ["//files/", "/files//", "///files/"])
def test_a_file_link_is_matched_as_sent(client: FlaskClient, alias: str) -> None:
    """`//files/<token>` is not the file (werkzeug folded leading slashes): 404 envelope."""
    path = download_path(client)
    assert client.get(path).status_code == 200
    doubled = alias + path.removeprefix("/files/")
    response = client.get("/", environ_overrides={"PATH_INFO": doubled})
    assert_error(response, 404, "NOT_FOUND")


def test_unusable_ranges_get_the_whole_file(client: FlaskClient) -> None:
    """Several ranges, another unit or a malformed header are ignored (200, whole file)."""
    path = local(audio_cards(client)[0]["playback_url"])
    size = len(client.get(path).data)
    for header in ("bytes=0-1,5-9", "items=0-1", "bytes=nonsense"):
        response = client.get(path, headers={"Range": header})
        assert response.status_code == 200 and len(response.data) == size


def test_head_answers_the_headers_without_a_body(client: FlaskClient) -> None:
    """HEAD on a link is 200 with the file's length and type, and no body."""
    path = local(audio_cards(client)[0]["playback_url"])
    size = len(client.get(path).data)
    head = client.head(path)
    assert head.status_code == 200 and head.data == b""
    assert head.headers["Content-Length"] == str(size)
    assert head.headers["Content-Type"] == "audio/wav"
    assert head.headers["Accept-Ranges"] == "bytes"
    assert_error(client.get("/files/not-a-token"), 403, "FORBIDDEN")
    assert client.head("/files/not-a-token").status_code == 403


def test_links_work_with_the_control_api_off() -> None:
    """--no-admin removes /__mock/ but not the links the API hands out."""
    with create_app(make_settings(admin_enabled=False)).test_client() as no_admin:
        assert_error(no_admin.get("/__mock/clock"), 404, "NOT_FOUND")
        audio = no_admin.get(local(audio_cards(no_admin)[0]["playback_url"]))
        assert audio.status_code == 200 and audio.data[:4] == b"RIFF"
        assert no_admin.get(download_path(no_admin)).status_code == 200


def test_file_fetches_appear_in_the_journal(client: FlaskClient) -> None:
    """Playback and download fetches are API traffic: the journal lists them."""
    ok(client.delete("/__mock/requests"))
    path = local(audio_cards(client)[0]["playback_url"])
    client.get(path, headers={"Range": "bytes=0-99"})
    entries = ok(client.get("/__mock/requests?operation_id=mock_file"))
    assert [(e["path"], e["status"]) for e in entries] == [(path, 206)]
    assert entries[0]["response_body"] == "<100 bytes of audio/wav>"
