"""SDK cases: the pronunciation dictionary."""

from __future__ import annotations

from typing import Any

from .cases import Call, Kit, SdkCase, expect, no_args, table
from .scene import Scene

_BASE = "/api/v1/dictionary"
_ONE = f"{_BASE}/{{entry_id}}"


def _list_build(scene: Scene, kit: Kit) -> Call:
    return Call(kwargs={"language": "en-us", "method": ["spelled"], "sort": "word",
                        "order": "asc", "limit": 5, "offset": 0})


def _list_check(result: Any, call: Call, scene: Scene) -> None:
    rows = result.data
    expect(all(r.language == "en-us" and r.method == "spelled" for r in rows),
           "language or method filter not applied")
    words = [r.word.casefold() for r in rows]
    expect(words == sorted(words), f"not sorted by word: {words}")
    expect(result.pagination.total >= len(rows), "pagination.total below the page size")


def _search_build(scene: Scene, kit: Kit) -> Call:
    scene.fresh_entry("Conformance Searchword", "de-de")
    return Call(kwargs={"search": "searchWORD", "language": ["de-de", "fr-fr"], "limit": 10})


def _search_check(result: Any, call: Call, scene: Scene) -> None:
    expect([r.word for r in result.data] == ["Conformance Searchword"],
           f"rows {[r.word for r in result.data]}")
    expect(result.pagination.total == 1, f"pagination.total {result.pagination.total}")


def _languages_check(result: Any, call: Call, scene: Scene) -> None:
    rows = [(r.code, r.count) for r in result.data]
    expect(rows and all(count >= 1 for _, count in rows), f"rows {rows}")
    expect(rows == sorted(rows, key=lambda row: (-row[1], row[0])), f"not ordered: {rows}")


def _create_build(scene: Scene, kit: Kit) -> Call:
    return Call(kwargs={"word": "Conformance Podonos", "method": "spelled", "language": "EN-US",
                        "pronunciation": "Poh-doh-nohs", "description": "From the SDK"})


def _create_check(result: Any, call: Call, scene: Scene) -> None:
    data = result.data
    scene.track_entry(data.id)
    expect(data.word == "Conformance Podonos", f"word {data.word!r}")
    expect(data.language == "en-us", f"language {data.language!r} (stored lower-case)")
    expect(data.method == "spelled" and data.pronunciation == "Poh-doh-nohs", f"data {data}")
    expect(data.uses_count == 0, f"uses_count {data.uses_count}")


def _update_build(scene: Scene, kit: Kit) -> Call:
    return Call((scene.fresh_entry("Conformance update", "en-gb"),),
                {"description": "Changed by the SDK", "pronunciation": "Kon-FOR-mance"})


def _update_check(result: Any, call: Call, scene: Scene) -> None:
    data = result.data
    expect(data.description == "Changed by the SDK", f"description {data.description!r}")
    expect(data.pronunciation == "Kon-FOR-mance", f"pronunciation {data.pronunciation!r}")
    expect(data.word == "Conformance update" and data.language == "en-gb",
           "an omitted key changed")


def _delete_build(scene: Scene, kit: Kit) -> Call:
    return Call((scene.fresh_entry("Conformance delete", "fr-fr"),))


def _delete_check(result: Any, call: Call, scene: Scene) -> None:
    expect(result.data == {}, f"data {result.data!r}")
    rows = scene.get(f"{_BASE}/search", search="Conformance delete")
    expect(not rows, "still listed after delete")


def _suggest_build(scene: Scene, kit: Kit) -> Call:
    return Call(kwargs={"word": "Podonos", "language": "en-us"})


def _suggest_check(result: Any, call: Call, scene: Scene) -> None:
    again = scene.post(f"{_BASE}/suggest-pronunciation", {"word": "Podonos", "language": "ko-kr"})
    expect(result.data.pronunciation and result.data.pronunciation == again["pronunciation"],
           f"not deterministic: {result.data.pronunciation!r} vs {again['pronunciation']!r}")
    expect(result.data.ipa is None, f"ipa {result.data.ipa!r}")


CASES = table(
    SdkCase("dictionary.list_dictionary_entries", f"GET {_BASE}", _list_build, _list_check),
    SdkCase("dictionary.search_dictionary_entries", f"GET {_BASE}/search", _search_build,
            _search_check),
    SdkCase("dictionary.list_dictionary_languages", f"GET {_BASE}/languages", no_args,
            _languages_check),
    SdkCase("dictionary.create_dictionary_entry", f"POST {_BASE}", _create_build,
            _create_check),
    SdkCase("dictionary.update_dictionary_entry", f"PUT {_ONE}", _update_build, _update_check),
    SdkCase("dictionary.delete_dictionary_entry", f"DELETE {_ONE}", _delete_build,
            _delete_check),
    SdkCase("dictionary.suggest_pronunciation", f"POST {_BASE}/suggest-pronunciation",
            _suggest_build, _suggest_check),
)
