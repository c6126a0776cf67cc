"""The seeded pronunciation dictionary of a workspace, and the respelling suggester.

Each workspace starts with a few entries (brand names, acronyms, loanwords) in a few
languages, drawn from ``rng(seed, "dictionary", key)`` and dated from the dataset epoch.
Seeded entries are spelled: a recorded entry needs a clip a client uploaded. Entries are served,
never applied: no run reads them, as the SDK documents of the real API.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import timedelta

from ...envelope import truncate_ms
from ..rng import rng, stable_uuid
from ..state.content_pins import SEEDED_ENTRIES, pinned_entry
from ..state.records import DictionaryRecord
from ..state.store import WorkspaceState, World

# The locales the SDK lists for dictionary filters.
LANGUAGES = ("de-de", "en-gb", "en-us", "es-es", "es-mx", "fr-fr", "ja-jp", "ko-kr", "pt-br",
             "pt-pt", "zh-cn")
SEEDED_PER_WORKSPACE = SEEDED_ENTRIES
# IPA a seeded entry of these words carries (the rest have none). IPA letters look like
# Latin ones, which is why ruff's look-alike check is off for these two lines.
_IPA = {"Onepin": "ˈwʌnpɪn", "Kubernetes": "ˌkuːbərˈnɛtiːz", "Nginx": "ˌɛndʒɪnˈɛks",  # noqa: RUF001
        "GIF": "dʒɪf", "Gnocchi": "ˈɲɔkki", "Quinoa": "ˈkiːnwɑː"}  # noqa: RUF001
# (word, description, languages it is seeded in)
_WORDS = (
    ("Onepin", "Our product name", ("en-us", "en-gb", "de-de")),
    ("Kubernetes", "Container platform", ("en-us", "de-de")),
    ("Nginx", "Web server", ("en-us",)),
    ("GIF", "Image format, said with a soft g", ("en-us", "en-gb")),
    ("SQL", "Query language, letter by letter", ("en-us", "fr-fr")),
    ("Worcestershire", "Sauce and county", ("en-gb", "en-us")),
    ("Gnocchi", "Pasta", ("en-us", "fr-fr", "es-es")),
    ("Quinoa", "Grain", ("en-us", "es-mx", "pt-br")),
    ("Huawei", "Company name", ("en-us", "es-es")),
    ("Xiaomi", "Company name", ("en-us", "pt-br", "fr-fr")),
    ("Hyundai", "Company name", ("en-us", "ko-kr")),
    ("Porsche", "Car maker", ("en-us", "en-gb", "es-mx")),
    ("Acai", "Berry", ("en-us", "pt-pt")),
    ("Reykjavik", "City", ("en-gb", "de-de")),
    ("Nguyen", "Family name", ("en-us", "fr-fr")),
)
_VOWELS = "aeiouy"
_SOUNDS = {"a": "ah", "e": "eh", "i": "ee", "o": "oh", "u": "oo", "y": "ee"}
_VOWEL_GROUPS = re.compile(r"[aeiouy]+")


def suggest_pronunciation(word: str) -> str:
    """A phonetic respelling: the syllables of each word joined by hyphens, an open single
    vowel spelled out (o -> oh), the first syllable stressed (capitals). The same word
    always gives the same answer; the language plays no part (the SDK reserves it)."""
    spelled = [_respell(part) for part in re.split(r"[\s\-_]+", word.strip()) if part]
    return " ".join(s for s in spelled if s) or word.strip()


def _letters(part: str) -> str:
    plain = unicodedata.normalize("NFKD", part.lower())
    return "".join(c for c in plain if c.isascii() and c.isalpha())


def _respell(part: str) -> str:
    letters = _letters(part)
    groups = list(_VOWEL_GROUPS.finditer(letters))
    if not groups:  # an acronym or a bare consonant cluster: letter by letter
        return "-".join(c.upper() for c in letters) or part
    syllables, start = [], 0
    for group, following in zip(groups, [*groups[1:], None], strict=True):
        if following is None:
            end = len(letters)
        else:  # a consonant cluster between vowels: the last one opens the next syllable
            gap = following.start() - group.end()
            end = group.end() + max(gap - 1, 0)
        syllables.append(_sounded(letters[start:end], group.group()))
        start = end
    syllables[0] = syllables[0].upper()
    return "-".join(syllables)


def _sounded(syllable: str, vowels: str) -> str:
    """An open syllable with one vowel sounds it out (``po`` -> ``poh``); others stay."""
    if syllable.endswith(vowels) and len(vowels) == 1:
        return syllable[:-1] + _SOUNDS[vowels]
    return syllable


def entry_id(seed: int, workspace_id: str, key: str) -> str:
    return stable_uuid(seed, "dictionary", f"{workspace_id}:{key}")


def entries_of(world: World, state: WorkspaceState) -> dict[str, DictionaryRecord]:
    """The workspace's entries (seeded on first use, then changed only by appliers): as
    many seeded ones as its fixture says, then those the fixtures pin (a pin wins)."""
    with state.lock:
        if state.dictionary is None:
            count = state.info.dictionary_count
            records = _seeded(world, state)[:SEEDED_PER_WORKSPACE if count is None else count]
            records += [pinned_entry(pin, world.settings.dataset_epoch)
                        for pin in world.fixtures.entries_for(state.info.id)]
            state.dictionary = {record.id: record for record in records}
        return state.dictionary


def live_entries(world: World, state: WorkspaceState) -> list[DictionaryRecord]:
    return [e for e in entries_of(world, state).values() if e.deleted_at is None]


def _seeded(world: World, state: WorkspaceState) -> list[DictionaryRecord]:
    seed, epoch = world.settings.seed, world.settings.dataset_epoch
    r = rng(seed, "dictionary", state.info.id)
    members = world.fixtures.members(state.info.id)
    pairs = [(word, note, language) for word, note, languages in _WORDS
             for language in languages]
    records = []
    for index, (word, note, language) in enumerate(
            sorted(r.sample(pairs, SEEDED_PER_WORKSPACE))):
        created = truncate_ms(epoch - timedelta(days=r.uniform(5, 90)))
        records.append(DictionaryRecord(
            id=entry_id(seed, state.info.id, str(index)), workspace_id=state.info.id,
            word=word, method="spelled", language=language,
            description=note if r.random() < 0.6 else None,
            pronunciation=suggest_pronunciation(word), ipa=_IPA.get(word), upload_id=None,
            created_by=r.choice(members).id if members and r.random() < 0.8 else None,
            created_at=created,
            updated_at=truncate_ms(min(epoch, created + timedelta(days=r.uniform(0, 4))))))
    return records
