"""CLI cases: ``onepin usage`` (summary, by-language, activity)."""

from __future__ import annotations

from .cases import expect
from .cli_env import CliCase, CliEnv, CliRun, Invocation, cli_table, fixed


def _summary(run: CliRun, env: CliEnv) -> None:
    data = run.ok()
    expect(data["range"] == "60d" and len(data["daily"]) == 60, "not 60 daily rows")
    expect(data["activity"]["bucket_unit"] == "month", "not monthly buckets")
    expect(data["timezone"] == "Asia/Tokyo", f"timezone {data.get('timezone')!r}")


def _by_language(run: CliRun, env: CliEnv) -> None:
    data = run.ok()
    expect(data["range"] is None and data["activity_view"] == "monthly",
           "activity_view did not replace range")
    expect(isinstance(data["languages"], list), "no language rows")


def _activity(run: CliRun, env: CliEnv) -> None:
    rows = run.ok()
    expect(0 < len(rows) <= 2, f"{len(rows)} rows for --limit 2")
    expect(all(r["action"] == "workflow_run" for r in rows), "--type not applied")


CASES = cli_table(
    CliCase(("usage", "summary"), (
        Invocation(fixed("--json", "usage", "summary", "--range", "60d", "--activity-view",
                         "monthly", "--timezone", "Asia/Tokyo"), _summary,
                   ("GET /api/v1/usage/summary",)),),
        sdk_method="usage.usage_summary"),
    CliCase(("usage", "by-language"), (
        Invocation(fixed("--json", "usage", "by-language", "--activity-view", "monthly"),
                   _by_language, ("GET /api/v1/usage/by-language",)),),
        sdk_method="usage.usage_by_language"),
    CliCase(("usage", "activity"), (
        Invocation(fixed("--json", "usage", "activity", "--range", "90d", "--type",
                         "workflow_run", "--limit", "2"), _activity,
                   ("GET /api/v1/usage/activity",)),),
        sdk_method="usage.usage_activity"),
)
