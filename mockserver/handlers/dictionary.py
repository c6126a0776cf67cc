"""The pronunciation dictionary: list, search, languages, create, update (PUT), delete and
the respelling suggester.

Entries are stored and served only: no run reads them, as the SDK documents of the real
API ("not currently applied at synthesis time").
"""

from __future__ import annotations

import unicodedata
from typing import Any

from ..errors import Detail, ValidationFailed
from ..validation_messages import value_error
from ..world.dataset.dictionary import LANGUAGES, live_entries, suggest_pronunciation
from ..world.service import dictionary
from ..world.service.uploads import confirmed_upload
from ..world.state.records import DictionaryRecord
from ..world.views.dictionary_views import entry_out, language_counts, ordered
from .base import Handler, Reply, RequestContext
from .common import paged

IPA_MAX = 200
# What an IPA transcription may hold besides lower-case letters: IPA letters, spacing
# modifiers (stress, length, aspiration), combining diacritics, the Latin and Greek letters
# IPA borrows, and its separators (syllable, foot and intonation breaks, slashes, brackets).
_IPA_RANGES = ((0x0250, 0x02FF), (0x0300, 0x036F), (0x1D00, 0x1DBF))
_IPA_EXTRA = set("æçðøħŋœβθχ .|‖‿/[]()ˈˌː")


def _fail(field: str, message: str) -> ValidationFailed:
    return ValidationFailed("Invalid dictionary entry", [Detail(field, value_error(message))])


def _ipa_problem(text: str) -> str | None:
    if not text.strip():
        return "ipa must not be blank (send null to clear it)"
    if len(text) > IPA_MAX:
        return f"ipa may have at most {IPA_MAX} characters"
    for char in unicodedata.normalize("NFD", text):
        if not ("a" <= char <= "z" or char in _IPA_EXTRA
                or any(low <= ord(char) <= high for low, high in _IPA_RANGES)):
            return f"ipa may hold only IPA symbols, found {char!r}"
    return None


def _language(value: Any) -> str:
    code = str(value).strip().lower()
    if code not in LANGUAGES:
        raise _fail("language", f"language must be one of {', '.join(LANGUAGES)}")
    return code


def _checked(entry: dict[str, Any]) -> dict[str, Any]:
    """The method's needs, on the entry as it will be stored (the upload behind a recorded
    entry is the service's to check: it depends on the state)."""
    if entry["method"] == "spelled" and not (entry.get("pronunciation") or "").strip():
        raise _fail("pronunciation", "pronunciation is required when method is 'spelled'")
    if entry["method"] == "recorded" and not entry.get("upload_id"):
        raise _fail("upload_id", "upload_id is required when method is 'recorded'")
    if entry.get("ipa") is not None:
        problem = _ipa_problem(entry["ipa"])
        if problem:
            raise _fail("ipa", problem)
    return entry


def _user(ctx: RequestContext) -> str | None:
    """The author; null for an API key (the SDK: programmatic entries have no creator)."""
    assert ctx.principal is not None
    return None if ctx.principal.auth_kind == "api_key" else ctx.principal.user_id


def _out(ctx: RequestContext, entry: DictionaryRecord) -> dict[str, Any]:
    """DictionaryOut; a recorded entry's clip is a signed link to its upload's file (none
    once that upload was deleted: a link to nothing would only 404)."""
    audio_url = None
    if entry.method == "recorded" and entry.upload_id and confirmed_upload(
            ctx.world, entry.workspace_id, entry.upload_id, "dictionary") is not None:
        audio_url = ctx.world.links.make(ctx.base_url, ctx.now, kind="upload",
                                         ws=entry.workspace_id, upload=entry.upload_id).url
    return entry_out(entry, audio_url)


def _page(ctx: RequestContext, entries: list[DictionaryRecord]) -> Reply:
    rows = ordered(entries, ctx.query.get("sort"), ctx.query.get("order"))
    page, pagination = paged(ctx, rows, counted=True)
    return Reply([_out(ctx, e) for e in page], pagination=pagination)


def list_dictionary_entries(ctx: RequestContext) -> Reply:
    language, methods = ctx.query["language"], set(ctx.query.get("method", ()))
    entries = [e for e in live_entries(ctx.world, ctx.workspace())
               if e.language == language and (not methods or e.method in methods)]
    return _page(ctx, entries)


def search_dictionary_entries(ctx: RequestContext) -> Reply:
    needle = str(ctx.query["search"]).strip().casefold()
    languages = set(ctx.query.get("language", ()))
    entries = [e for e in live_entries(ctx.world, ctx.workspace())
               if needle in e.word.casefold() and (not languages or e.language in languages)]
    return _page(ctx, entries)


def list_dictionary_languages(ctx: RequestContext) -> Reply:
    return Reply(language_counts(live_entries(ctx.world, ctx.workspace())))


def create_dictionary_entry(ctx: RequestContext) -> Reply:
    body = ctx.body
    fields = _checked({  # the service keeps upload_id for a recorded entry only
        "word": body["word"].strip(), "method": body["method"],
        "language": _language(body["language"]), "description": body.get("description"),
        "pronunciation": body.get("pronunciation"), "ipa": body.get("ipa"),
        "upload_id": body.get("upload_id"),
    })
    entry = dictionary.create_entry(ctx.engine, ctx.workspace().info.id, _user(ctx), fields,
                                    ctx.now)
    return Reply(_out(ctx, entry))


_REQUIRED = ("word", "method", "language")
_FIELDS = ("word", "method", "language", "description", "pronunciation", "ipa", "upload_id")


def update_dictionary_entry(ctx: RequestContext) -> Reply:
    body = {k: v for k, v in ctx.body.items() if k in _FIELDS}
    for key in _REQUIRED:
        if key in body and body[key] is None:
            raise _fail(key, f"{key} may be omitted but not null")
    if "language" in body:
        body["language"] = _language(body["language"])
    if "word" in body:
        body["word"] = body["word"].strip()

    def merge(entry: DictionaryRecord) -> dict[str, Any]:
        merged = {**{k: getattr(entry, k) for k in _FIELDS}, **body}
        if merged["method"] != "recorded":
            merged["upload_id"] = None  # only a recorded entry keeps (or takes) a clip
        checked = _checked(merged)
        return {k: v for k, v in checked.items() if v != getattr(entry, k)}

    entry = dictionary.change_entry(ctx.engine, ctx.workspace().info.id, ctx.path["entry_id"],
                                    merge, ctx.now)
    return Reply(_out(ctx, entry))


def delete_dictionary_entry(ctx: RequestContext) -> Reply:
    dictionary.delete_entry(ctx.engine, ctx.workspace().info.id, ctx.path["entry_id"], ctx.now)
    return Reply({})


def suggest(ctx: RequestContext) -> Reply:
    return Reply({"pronunciation": suggest_pronunciation(ctx.body["word"]), "ipa": None})


# operationId -> handler; handlers/__init__.py merges every module's table.
OPERATIONS: dict[str, Handler] = {
    "list_dictionary_entries": list_dictionary_entries,
    "search_dictionary_entries": search_dictionary_entries,
    "list_dictionary_languages": list_dictionary_languages,
    "create_dictionary_entry": create_dictionary_entry,
    "update_dictionary_entry": update_dictionary_entry,
    "delete_dictionary_entry": delete_dictionary_entry,
    "suggest_pronunciation": suggest,
}
