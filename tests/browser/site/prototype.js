// What a frontend prototype does: call the mock from another origin with a Bearer key and
// a tracing header (which makes every call a CORS preflighted request).
"use strict";
const params = new URLSearchParams(location.search);
const MOCK = params.get("mock");
const KEY = params.get("key");
const TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
document.getElementById("origin").textContent = location.origin;
document.getElementById("mock").textContent = MOCK;

function api(path, options = {}) {
  const headers = { Authorization: `Bearer ${KEY}`, traceparent: TRACEPARENT,
    ...(options.headers || {}) };
  return fetch(MOCK + path, { ...options, headers });
}

async function listWorkflows() {
  const response = await api("/api/v1/workflows?limit=5");
  const body = await response.json();
  document.getElementById("status").textContent = String(response.status);
  for (const workflow of body.data || []) {
    const item = document.createElement("li");
    item.textContent = workflow.name;
    document.getElementById("workflows").append(item);
  }
}

// Poll a run's status, as a UI showing progress would.
function watchRun(workflowId, runId) {
  document.getElementById("run-id").textContent = runId;
  const poll = async () => {
    const response = await api(`/api/v1/workflows/${workflowId}/runs/${runId}/status`);
    const body = await response.json();
    document.getElementById("run-status").textContent = body.data.status;
    if (!["completed", "failed", "cancelled"].includes(body.data.status)) {
      setTimeout(poll, 300);
    }
  };
  poll();
}

async function createWorkflow(name) {
  const response = await api("/api/v1/workflows", {
    method: "POST", headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ name }),
  });
  const body = await response.json();
  document.getElementById("created").textContent = `${response.status} ${body.data.name}`;
  return response.status;
}

// Resolves with what the element reports after loading, seeking and playing.
function playAndSeek(url) {
  return new Promise((resolve, reject) => {
    const audio = document.createElement("audio");
    audio.controls = true;
    audio.muted = true;
    audio.preload = "auto";
    const report = { };
    audio.addEventListener("error", () => reject(new Error(`media error ${audio.error.code}`)));
    audio.addEventListener("loadedmetadata", () => {
      report.duration = audio.duration;
    }, { once: true });
    audio.addEventListener("canplay", () => {
      const seekable = audio.seekable;
      report.seekable = seekable.length ? [seekable.start(0), seekable.end(0)] : [];
      report.target = audio.duration * 0.6;
      audio.currentTime = report.target;
    }, { once: true });
    audio.addEventListener("seeked", () => {
      report.afterSeek = audio.currentTime;
      audio.play().catch(reject);
    }, { once: true });
    audio.addEventListener("timeupdate", () => {
      if (report.afterSeek !== undefined && audio.currentTime > report.afterSeek) {
        report.playedTo = audio.currentTime;
        audio.pause();
        resolve(report);
      }
    });
    document.getElementById("player").append(audio);
    audio.src = url;
  });
}

listWorkflows();
