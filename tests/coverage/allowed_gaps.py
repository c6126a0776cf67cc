"""Slots the seeded dataset cannot show, each with the reason (issue 12's allow-list).

Keys are ``str(Slot)``: ``"<kind>: <schema> <item>"``. An entry must name a real slot
that the crawl does not reach; the coverage tests fail on a stale entry, so this list
only ever shrinks when generation learns a new shape.
"""

from __future__ import annotations

_NO_INPUT_TO_REFUSE = ("its only input is the node type in the path, and an unknown type is "
                       "404 (openapi.yaml's NodeTypePath), so nothing is left to be invalid")
_WORKSPACE_IN_PATH = ("the workspace is the path's id, not a header: there is no header to "
                      "be missing or malformed")
_ANY_MEMBER_READS = ("every member role may read it, a non-member gets 404 and an API key 401 "
                     "(sessions only), so no caller is refused with 403")
_NO_WORKSPACE = ("it reads the caller's own memberships: no workspace to name, miss or be "
                 "refused")
_DEMO_PLANS = ("the demo workspaces are on the team and pro plans; free and enterprise show "
               "once POST /__mock/workspaces/{id}/billing sets them")
_CATALOG_PATH_ONLY = ("its only inputs are provider and model codes in the path, any non-empty "
                      "text, and an unknown one is 404, so nothing is left to be invalid")
ALLOWED_GAPS: dict[str, str] = {
    "optional: ApiErrorDetail line_numbers":
        "only script checks of writes (uploads, run starts) name lines; no GET carries a script",
    "optional: ApiErrorDetail min_chars":
        "only script checks of writes (uploads, run starts) report it; no GET carries a script",
    "optional: WorkflowRunDataCardOut source_line_id":
        "only rows of translations that could not be matched to a source line carry it; the "
        "mock's translator keeps every line matched",
    "optional: WorkflowRunDataRowOut source_line_id":
        "only rows of translations that could not be matched to a source line carry it; the "
        "mock's translator keeps every line matched",
    "status: get_node_detail 403":
        "v1 node details take sessions only (no scope applies) and every member role may "
        "read them, so no caller falls short",
    "status: get_node_detail 422": _NO_INPUT_TO_REFUSE,
    "status: get_node_detail_v2 422": _NO_INPUT_TO_REFUSE,
    "enum: WorkspaceMemberOut.status invited":
        "a pending invite exists only once an admin invites someone (a write); seeded rosters "
        "hold members only",
    "optional: WorkspaceMemberOut image_url":
        "the mock's users are fixture records with a name and an email, no profile picture",
    "optional: WorkspaceOut organization_id":
        "organizations are not modelled: every workspace is its own account, owned by a user",
    "status: get_workspace 400": _WORKSPACE_IN_PATH,
    "status: get_workspace_settings 400": _WORKSPACE_IN_PATH,
    "status: list_members 400": _WORKSPACE_IN_PATH,
    "status: get_workspace 403": _ANY_MEMBER_READS,
    "status: list_members 403": _ANY_MEMBER_READS,
    "status: list_workspaces 400": _NO_WORKSPACE,
    "status: list_workspaces 403": _NO_WORKSPACE,
    "status: list_workspaces 404": _NO_WORKSPACE,
    "status: list_catalog_providers 422":
        "it takes no input; FastAPI documents a 422 on every operation (conventions §6)",
    **{f"status: {operation} 422": _CATALOG_PATH_ONLY
       for operation in ("get_catalog_provider", "list_catalog_provider_models",
                         "get_catalog_provider_model")},
    "enum: DictionaryMethod recorded":
        "seeded entries are spelled; a recorded entry needs a write (upload, PUT, confirm, "
        "create), which the read-only crawl does not make (test_dictionary covers it)",
    "optional: DictionaryOut audio_url":
        "only recorded entries carry a clip link, and the crawl reads seeded (spelled) "
        "entries only; making one needs a write (test_dictionary covers it)",
    "enum: TemplateEstimateResponse.cache_status miss":
        "the mock prices a template when it is saved, so every estimate read is a hit",
    "enum: TemplateEstimateResponse.cache_status stale":
        "the mock's pricing rates never change while it runs, so no estimate goes stale",
    "status: list_dictionary_languages 422":
        "it takes no input but the workspace header, and a malformed one is a 400",
    "status: whoami 422":
        "whoami takes no input; FastAPI documents a 422 on every operation (conventions §6)",
    **{f"status: {op} 422": "it takes no input; FastAPI documents a 422 on every operation "
       "(conventions §6)" for op in ("get_my_credits", "get_my_plan_limits",
                                     "get_current_notification_preferences")},
    **{f"status: {op} {code}": reason for op in ("get_workspace_plan_limits",
                                                 "get_workspace_subscription")
       for code, reason in (
           ("400", "the workspace is the path's, so no X-Workspace-Id is needed or checked"),
           ("403", "any member may read it, and an API key is refused with 401 (sessions only)"))},
    "enum: PlanTier free": _DEMO_PLANS,
    "enum: PlanTier custom": _DEMO_PLANS,
    "enum: PlanLimits.credits_renewal one_time": _DEMO_PLANS,
    **{f"enum: UsageActivityAction {action}":
       "no event the mock accepts is of this kind yet (state/activity.py maps the kinds)"
       for action in ("api_key_created", "member_invited", "settings_changed",
                      "template_applied")},
    "optional: UsageActivityOut ip": "the mock records no client addresses",
    "optional: CursorPaginationMeta prev": "activity cursors only go forward",
    **{f"optional: CustomerSubscriptionResponse {name}":
       "the mock's subscriptions are never cancelled or rescheduled (nothing changes them)"
       for name in ("canceled_at", "scheduled_at", "scheduled_plan")},
    "branch: CustomerSubscriptionResponse.scheduled_plan CustomerPlanResponse":
        "the mock's subscriptions are never rescheduled to another plan",
}

# Statuses every operation documents that only an injected fault or real overload earns
# (X-Mock-Fault, --fault-rate, the workspace cap); no natural GET produces them.
ALLOWED_STATUSES: dict[str, str] = {
    "429": "rate limiting is only injected (X-Mock-Fault / --fault-rate) on reads",
    "500": "a 500 from a natural request would be a mock bug; only injected faults send it",
    "503": "only injected faults (X-Mock-Fault / --fault-rate) send it",
}
