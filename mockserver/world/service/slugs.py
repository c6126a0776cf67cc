"""Workspace slugs: the format, the reserved words, and who holds one now."""

from __future__ import annotations

import re
import unicodedata

from ..state.store import World

SLUG_MAX = 50
SLUG_PATTERN = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
# Words a workspace cannot take: they name the app's own pages and paths (the mock's list).
RESERVED = frozenset({
    "admin", "api", "app", "assets", "auth", "billing", "dashboard", "docs", "help", "invites",
    "login", "logout", "new", "onepin", "settings", "signup", "static", "support", "system",
    "www", "workspaces",
})


def slug_problem(slug: str) -> str | None:
    """``invalid`` or ``reserved`` (in that order, as the API checks), or None."""
    if not 1 <= len(slug) <= SLUG_MAX or not SLUG_PATTERN.fullmatch(slug):
        return "invalid"
    if slug in RESERVED:
        return "reserved"
    return None


def slug_holder(world: World, slug: str) -> str | None:
    """The live workspace whose slug this is, if any."""
    for workspace_id in world.live_workspace_ids():
        if world.roster(workspace_id).profile.slug == slug:
            return workspace_id
    return None


def slug_verdict(world: World, slug: str, asking: str | None) -> str | None:
    """Why ``slug`` is not available to workspace ``asking`` (None: it is); a workspace's
    own slug is available to it."""
    problem = slug_problem(slug)
    if problem is not None:
        return problem
    holder = slug_holder(world, slug)
    return "taken" if holder is not None and holder != asking else None


def slug_from_name(world: World, name: str) -> str:
    """A free, valid slug made from a workspace name: ``Acme Studio`` -> ``acme-studio``,
    then ``acme-studio-2``, ``-3`` ... when taken or reserved."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    base = "-".join(re.findall(r"[a-z0-9]+", ascii_name.lower()))[:SLUG_MAX].strip("-")
    base = base or "workspace"
    candidate, number = base, 1
    while slug_verdict(world, candidate, None) is not None:
        number += 1
        suffix = f"-{number}"
        candidate = base[: SLUG_MAX - len(suffix)].rstrip("-") + suffix
    return candidate
