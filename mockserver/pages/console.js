// The onepin-mock console: a thin page over the /__mock control API.
// The admin token (when the mock has one) is asked for once and kept in sessionStorage:
// it goes out in the X-Mock-Admin-Token header only, never in a URL.
"use strict";
(function () {
  const TOKEN_KEY = "onepin-mock-admin-token";
  const POLL_MS = 1000;
  const MAX_ROWS = 500;
  const $ = (id) => document.getElementById(id);

  const journal = { entries: [], lastSeq: 0, selected: null, timer: null };

  // -- talking to the control API ------------------------------------------------------

  class ApiFailure extends Error {
    constructor(status, code, message) {
      super(message);
      this.status = status;
      this.code = code;
    }
  }

  async function call(method, path, body) {
    // X-Requested-With marks the call as the console's own (the control API refuses
    // state-changing requests a foreign page could forge without a preflight).
    const headers = { "X-Requested-With": "onepin-mock-console" };
    const token = sessionStorage.getItem(TOKEN_KEY);
    if (token) headers["X-Mock-Admin-Token"] = token;
    if (body !== undefined) headers["Content-Type"] = "application/json";
    const response = await fetch(path, {
      method, headers, body: body === undefined ? undefined : JSON.stringify(body),
    });
    const payload = await response.json().catch(() => ({}));
    if (!response.ok) {
      const error = payload.error || {};
      const details = (error.details || []).map((d) => `${d.field}: ${d.message}`).join("; ");
      throw new ApiFailure(response.status, error.code || "ERROR",
        `${error.message || response.statusText}${details ? ` (${details})` : ""}`);
    }
    return payload.data;
  }

  function say(text, isError) {
    const status = $("status");
    status.textContent = text;
    status.className = isError ? "error" : "";
  }

  // Run an action from a button or form; a 401 means the token is missing or wrong.
  function action(run) {
    return async (event) => {
      if (event) event.preventDefault();
      try {
        await run();
      } catch (error) {
        if (error instanceof ApiFailure && error.status === 401) {
          askForToken("The admin token was refused; enter it again.");
        } else {
          say(error.message, true);
        }
      }
    };
  }

  // -- admin token -----------------------------------------------------------------------

  function askForToken(message) {
    stopPolling();
    $("console").hidden = true;
    $("token-form").hidden = false;
    if (message) say(message, true);
    $("admin-token").focus();
  }

  $("token-form").addEventListener("submit", (event) => {
    event.preventDefault();
    sessionStorage.setItem(TOKEN_KEY, $("admin-token").value);
    $("admin-token").value = "";
    start();
  });

  // -- clock -----------------------------------------------------------------------------

  let clockNow = null;

  function showClock(clock) {
    clockNow = clock.now;
    $("clock-now").textContent = clock.now;
    $("clock-state").textContent =
      `${clock.frozen ? "frozen" : "running"} · run speed ${clock.run_speed}×`;
  }

  async function refreshClock() {
    showClock(await call("GET", "/__mock/clock"));
  }

  $("clock-advance").addEventListener("submit", action(async () => {
    const seconds = Number($("advance-seconds").value);
    showClock(await call("POST", "/__mock/clock", { advance_seconds: seconds }));
    say(`Clock advanced by ${seconds} s.`);
  }));
  $("clock-freeze").addEventListener("submit", action(async () => {
    showClock(await call("POST", "/__mock/clock", { freeze_at: $("freeze-at").value.trim() }));
    say("Clock frozen.");
  }));
  $("clock-freeze-now").addEventListener("click", action(async () => {
    showClock(await call("POST", "/__mock/clock", { freeze_at: clockNow }));
    say("Clock frozen.");
  }));
  $("clock-real").addEventListener("click", action(async () => {
    showClock(await call("POST", "/__mock/clock", { real: true }));
    say("Clock follows real time.");
  }));

  // -- reset, runs, workspaces -------------------------------------------------------------

  $("reset-all").addEventListener("click", action(async () => {
    await call("POST", "/__mock/reset");
    await refreshAll();
    say("Everything was reset.");
  }));
  $("reset-workspace").addEventListener("submit", action(async () => {
    const id = $("reset-workspace-id").value.trim();
    await call("POST", "/__mock/reset", { workspace_id: id });
    say(`Workspace ${id} was reset.`);
  }));

  // -- run picker: recent runs, grouped by workflow, fill the run id -----------------------

  async function loadRecentRuns() {
    const runs = await call("GET", "/__mock/runs?limit=60&per_workflow=5");
    const pick = $("force-run-pick");
    const groups = new Map();
    for (const run of runs) {
      if (!groups.has(run.workflow_id)) {
        const group = document.createElement("optgroup");
        group.label = run.workflow_name;
        groups.set(run.workflow_id, group);
      }
      const option = document.createElement("option");
      option.value = run.run_id;
      option.textContent = `#${run.run_number} ${run.status} · ${run.created_at.slice(0, 16)}`;
      option.title = run.run_id;
      groups.get(run.workflow_id).append(option);
    }
    const first = document.createElement("option");
    first.value = "";
    first.textContent = runs.length ? "pick a recent run…" : "no runs yet (start one)";
    pick.replaceChildren(first, ...groups.values());
  }

  $("force-run-pick").addEventListener("change", () => {
    if ($("force-run-pick").value) $("force-run-id").value = $("force-run-pick").value;
  });
  $("force-run-refresh").addEventListener("click", action(loadRecentRuns));

  $("force-form").addEventListener("submit", action(async () => {
    const runId = $("force-run-id").value.trim();
    const body = { status: $("force-status").value };
    const error = $("force-error").value.trim();
    if (error && body.status === "failed") body.error = error;
    const run = await call("POST", `/__mock/runs/${encodeURIComponent(runId)}/force`, body);
    $("force-result").textContent = `Run ${run.id} is now ${run.status}.`;
    say(`Run ${run.id} forced to ${run.status}.`);
    await loadRecentRuns();
  }));

  $("workspace-form").addEventListener("submit", action(async () => {
    const body = {};
    if ($("workspace-name").value.trim()) body.name = $("workspace-name").value.trim();
    if ($("workspace-workflows").value !== "") {
      body.workflow_count = Number($("workspace-workflows").value);
    }
    const created = await call("POST", "/__mock/workspaces", body);
    $("workspace-id").textContent = created.workspace_id;
    $("workspace-key").textContent = created.api_key;
    $("workspace-result").hidden = false;
    say(`Workspace ${created.name} created.`);
  }));
  $("workspace-copy").addEventListener("click", action(async () => {
    const key = $("workspace-key").textContent;
    try {
      await navigator.clipboard.writeText(key);
    } catch (_) {
      // No clipboard permission (plain http, headless): select the key for Ctrl+C instead.
      window.getSelection().selectAllChildren($("workspace-key"));
    }
    say("API key copied.");
  }));

  // -- faults ------------------------------------------------------------------------------

  const FAULT_FIELDS = ["fault_rate", "fault_status", "slow_rate", "slow_ms", "drop_rate",
    "delay_ms"];

  function showFaults(faults) {
    for (const field of FAULT_FIELDS) $(field).value = faults[field];
  }

  $("faults-form").addEventListener("submit", action(async () => {
    const body = {};
    for (const field of FAULT_FIELDS) body[field] = Number($(field).value);
    showFaults(await call("POST", "/__mock/faults", body));
    say("Fault settings applied.");
  }));
  $("faults-off").addEventListener("click", action(async () => {
    showFaults(await call("POST", "/__mock/faults",
      { fault_rate: 0, slow_rate: 0, drop_rate: 0, delay_ms: 0 }));
    say("Faults and delays are off.");
  }));

  // -- journal -----------------------------------------------------------------------------

  function serverFilter() {
    const query = new URLSearchParams({ limit: String(MAX_ROWS) });
    const add = (name, id) => {
      const value = $(id).value.trim();
      if (value) query.set(name, value);
    };
    add("method", "filter-method");
    add("path", "filter-path");
    add("status", "filter-status");
    add("operation_id", "filter-operation");
    add("workspace_id", "filter-workspace");
    add("exclude_path", "filter-exclude");
    return query;
  }

  function textMatches(entry) {
    const text = $("filter-text").value.trim().toLowerCase();
    if (!text) return true;
    const haystack = [entry.path, entry.query, entry.request_body, entry.response_body,
      JSON.stringify(entry.request_headers), JSON.stringify(entry.response_headers)]
      .join("\n").toLowerCase();
    return haystack.includes(text);
  }

  function cell(text, className) {
    const td = document.createElement("td");
    td.textContent = text;
    if (className) td.className = className;
    return td;
  }

  // A signed file link is about 250 characters: show its head and tail, the whole path on
  // hover (title) and in the detail pane.
  const SHORT_PATH = 40;

  function shortened(text) {
    if (text.length <= SHORT_PATH) return text;
    return `${text.slice(0, SHORT_PATH - 13)}…${text.slice(-12)}`;
  }

  function row(entry) {
    const tr = document.createElement("tr");
    tr.dataset.seq = String(entry.seq);
    const target = entry.query ? `${entry.path}?${entry.query}` : entry.path;
    const path = cell(shortened(target), "path");
    path.title = target;
    const operation = cell(entry.operation_id || "–");
    operation.title = entry.operation_id || "";
    tr.append(cell(entry.seq), cell(entry.at.slice(11, 23)), cell(entry.method),
      path, cell(entry.status, `s${String(entry.status)[0]}`),
      cell(entry.duration_ms.toFixed(1)), operation);
    tr.addEventListener("click", () => showDetail(entry));
    if (journal.selected === entry.seq) tr.classList.add("selected");
    return tr;
  }

  function renderJournal() {
    const shown = journal.entries.filter(textMatches);
    const body = $("journal-body");
    body.replaceChildren(...shown.slice().reverse().map(row));
    $("journal-count").textContent = `(${shown.length})`;
  }

  function headersText(headers) {
    return Object.entries(headers || {}).map(([name, value]) => `${name}: ${value}`).join("\n");
  }

  function prettyBody(text) {
    if (!text) return "(empty)";
    try {
      return JSON.stringify(JSON.parse(text), null, 2);
    } catch (_) {
      return text;
    }
  }

  // "failed: limit [minimum] Input should be …; …" (the request broke openapi.yaml).
  function validationText(entry) {
    const failures = (entry.validation_failures || [])
      .map((f) => `${f.field} [${f.rule}] ${f.message}`);
    const outcome = entry.validation || "–";
    return failures.length ? `${outcome}: ${failures.join("; ")}` : outcome;
  }

  function showDetail(entry) {
    journal.selected = entry.seq;
    const target = entry.query ? `${entry.path}?${entry.query}` : entry.path;
    $("detail-title").textContent = `#${entry.seq} ${entry.method} ${target}`;
    const facts = [["status", entry.status], ["duration", `${entry.duration_ms} ms`],
      ["at", entry.at], ["operation", entry.operation_id || "–"],
      ["workspace", entry.workspace_id || "–"], ["request id", entry.request_id || "–"],
      ["validation", validationText(entry)], ["4xx blame", entry.attribution || "–"]];
    $("detail-facts").replaceChildren(...facts.flatMap(([name, value]) => {
      const dt = document.createElement("dt");
      const dd = document.createElement("dd");
      dt.textContent = name;
      dd.textContent = String(value);
      return [dt, dd];
    }));
    $("detail-request-headers").textContent = headersText(entry.request_headers);
    $("detail-request-body").textContent = prettyBody(entry.request_body);
    $("detail-response-headers").textContent = headersText(entry.response_headers);
    $("detail-response-body").textContent = prettyBody(entry.response_body);
    $("detail").hidden = false;
    for (const tr of $("journal-body").children) {
      tr.classList.toggle("selected", tr.dataset.seq === String(entry.seq));
    }
  }

  async function loadJournal() {
    journal.entries = await call("GET", `/__mock/requests?${serverFilter()}`);
    journal.lastSeq = journal.entries.reduce((top, e) => Math.max(top, e.seq), journal.lastSeq);
    renderJournal();
  }

  // Live view: ask only for entries newer than the last one seen.
  async function pollJournal() {
    const query = serverFilter();
    query.set("since", String(journal.lastSeq));
    const fresh = await call("GET", `/__mock/requests?${query}`);
    if (fresh.length) {
      journal.entries = journal.entries.concat(fresh).slice(-MAX_ROWS);
      journal.lastSeq = fresh[fresh.length - 1].seq;
      renderJournal();
    }
  }

  for (const id of ["filter-method", "filter-path", "filter-status", "filter-operation",
    "filter-workspace", "filter-exclude"]) {
    $(id).addEventListener("change", action(loadJournal));
  }
  $("filter-text").addEventListener("input", renderJournal);
  $("journal-filter").addEventListener("submit", action(loadJournal));
  $("journal-clear").addEventListener("click", action(async () => {
    await call("DELETE", "/__mock/requests");
    journal.entries = [];
    $("detail").hidden = true;
    renderJournal();
  }));
  $("journal-live").addEventListener("change", () => {
    if ($("journal-live").checked) startPolling(); else stopPolling();
  });

  // -- lifecycle ---------------------------------------------------------------------------

  function stopPolling() {
    clearTimeout(journal.timer);
    journal.timer = null;
  }

  function startPolling() {
    stopPolling();
    const tick = async () => {
      try {
        await Promise.all([pollJournal(), refreshClock()]);
      } catch (error) {
        if (error instanceof ApiFailure && error.status === 401) {
          askForToken("The admin token was refused; enter it again.");
          return;
        }
        say(error.message, true);
      }
      if ($("journal-live").checked && journal.timer !== null) {
        journal.timer = setTimeout(tick, POLL_MS);
      }
    };
    journal.timer = setTimeout(tick, POLL_MS);
  }

  async function refreshAll() {
    await Promise.all([refreshClock(), loadJournal(), loadRecentRuns(),
      call("GET", "/__mock/faults").then(showFaults)]);
  }

  async function start() {
    try {
      await refreshAll();
    } catch (error) {
      if (error instanceof ApiFailure && error.status === 401) {
        askForToken(sessionStorage.getItem(TOKEN_KEY) ? "The admin token was refused." : "");
        return;
      }
      say(error.message, true);
      return;
    }
    $("token-form").hidden = true;
    $("console").hidden = false;
    say("Connected.");
    if (location.hash === "#journal") $("journal").scrollIntoView();
    if ($("journal-live").checked) startPolling();
  }

  start();
})();
