"""Every SDK case, by method path on the client (shared by the sync and async clients)."""

from __future__ import annotations

from .cases import SdkCase
from .sdk_cases_account import CASES as ACCOUNT
from .sdk_cases_catalog import CASES as CATALOG
from .sdk_cases_dictionary import CASES as DICTIONARY
from .sdk_cases_runs import CASES as RUNS
from .sdk_cases_templates import CASES as TEMPLATES
from .sdk_cases_uploads import CASES as UPLOADS
from .sdk_cases_voices import CASES as VOICES
from .sdk_cases_workflows import CASES as WORKFLOWS
from .sdk_cases_workspaces import CASES as WORKSPACES

# The resources in scope: every public method on these must have a case.
RESOURCES = ("auth", "nodes", "workflows", "workflows.runs", "usage", "workspaces", "workspace",
             "workspace_members", "voices", "providers", "uploads", "templates", "dictionary")
# Methods in scope on resources whose other methods are not (yet): each must have a case.
METHODS = ("users.get_my_credits", "users.get_my_plan_limits",
           "users.get_current_notification_preferences",
           "users.update_current_notification_preferences", "users.list_my_templates")
CLIENTS = ("OnePinClient", "AsyncOnePinClient")

CASES: dict[str, SdkCase] = {**CATALOG, **WORKFLOWS, **RUNS, **ACCOUNT, **WORKSPACES, **VOICES,
                             **UPLOADS, **TEMPLATES, **DICTIONARY}
