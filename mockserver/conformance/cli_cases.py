"""Every CLI case, by command path; and which commands are in scope."""

from __future__ import annotations

from .cli_cases_auth import CASES as AUTH
from .cli_cases_runs import CASES as RUNS
from .cli_cases_templates import CASES as TEMPLATES
from .cli_cases_usage import CASES as USAGE
from .cli_cases_voices import CASES as VOICES
from .cli_cases_workflows import CASES as WORKFLOWS
from .cli_cases_workspaces import CASES as WORKSPACES
from .cli_env import CliCase

# Top-level commands and groups whose every command touches (or belongs with) the in-scope
# endpoints: each command under them must have a case.
SCOPE = ("login", "logout", "whoami", "workflows", "nodes", "usage", "workspace", "voices",
         "uploads", "templates")

CASES: dict[tuple[str, ...], CliCase] = {**AUTH, **WORKFLOWS, **RUNS, **USAGE, **WORKSPACES,
                                         **VOICES, **TEMPLATES}


def in_scope(command: tuple[str, ...]) -> bool:
    return bool(command) and command[0] in SCOPE
