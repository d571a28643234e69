// The operator console: plain browser JavaScript over the public API, no build step and no framework (a few
// screens of tables and forms; the whole console is smaller than any framework's runtime). Every URL is relative
// to the page, so it works behind a path prefix. Data is only ever put into the page as text, never as HTML.

const STAGES = ["WAITING", "PROCESSING", "SUCCESS", "FAIL"];
const PAGE_SIZES = [10, 25, 50, 100];
const POLL_MS = 2000;
const TOKEN_KEY = "task-queue-token";

const $ = (id) => document.getElementById(id);
const view = $("view");

// ---------------------------------------------------------------------------------------------------------------
// DOM helpers

/** h("a", { href: "#/" }, "text", child…): an element with attributes (on* are listeners) and children. */
function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith("on")) el.addEventListener(key.slice(2), value);
    else if (key === "className") el.className = value;
    else el.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

/**
 * Brings tbody's rows in line with `rows` ([key, signature, make]) without rebuilding rows whose signature did
 * not change, so a focused button or checkbox keeps its focus across live updates.
 */
function syncRows(tbody, rows) {
  const existing = new Map([...tbody.children].map((tr) => [tr.dataset.key, tr]));
  const wanted = rows.map(([key, signature, make]) => {
    const old = existing.get(key);
    if (old && old.dataset.signature === signature) return old;
    const tr = make();
    tr.dataset.key = key;
    tr.dataset.signature = signature;
    if (old?.contains(document.activeElement))
      queueMicrotask(() => tr.querySelector("button, input, a")?.focus());
    return tr;
  });
  wanted.forEach((tr, i) => {
    if (tbody.children[i] !== tr) tbody.insertBefore(tr, tbody.children[i] ?? null);
  });
  while (tbody.children.length > wanted.length) tbody.lastElementChild.remove();
}

const pretty = (value) => JSON.stringify(value, null, 2);
const firstLine = (text) => (text ?? "").split("\n", 1)[0];

/** "3 s", "4 min 10 s", "2 h 5 min", "3 d 4 h". */
function duration(ms) {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${s % 60} s`;
  const hours = Math.floor(m / 60);
  if (hours < 48) return `${hours} h ${m % 60} min`;
  return `${Math.floor(hours / 24)} d ${hours % 24} h`;
}
const time = (iso) => (iso ? new Date(iso).toLocaleString() : "—");
const q = (name) => encodeURIComponent(name);
const queueHref = (queue, stage) => `#/queue/${q(queue)}/${stage}`;
const itemHref = (queue, id) => `#/queue/${q(queue)}/item/${q(id)}`;

function showError(message) {
  $("error").textContent = message ?? "";
}
function showNotice(message) {
  $("notice").textContent = message ?? "";
}

// ---------------------------------------------------------------------------------------------------------------
// The token: asked once when the server answers 401, kept for the tab.

const token = () => sessionStorage.getItem(TOKEN_KEY) ?? "";
let asking = null;

function askToken() {
  asking ??= new Promise((resolve) => {
    const dialog = $("token-dialog");
    $("token").value = token();
    dialog.addEventListener(
      "close",
      () => {
        asking = null;
        if (dialog.returnValue === "ok" && $("token").value) {
          sessionStorage.setItem(TOKEN_KEY, $("token").value);
          resolve(true);
        } else resolve(false);
      },
      { once: true },
    );
    dialog.showModal();
  });
  return asking;
}

class ApiError extends Error {
  constructor(status, body) {
    const detail = body?.detail;
    super(
      `${status}: ${typeof detail === "string" ? detail : detail ? JSON.stringify(detail) : "request failed"}`,
    );
    this.status = status;
    this.body = body;
  }
}

/** Calls the API (path relative to the page); on 401 asks for the token once and retries. */
async function api(path, { method = "GET", body } = {}, retried = false) {
  const headers = {};
  if (token()) headers.authorization = `Bearer ${token()}`;
  if (body !== undefined) headers["content-type"] = "application/json";
  const response = await fetch(path, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const parsed = await response.json().catch(() => null);
  if (response.status === 401 && !retried) {
    if (await askToken()) return api(path, { method, body }, true);
  }
  if (!response.ok) throw new ApiError(response.status, parsed);
  return parsed;
}

const queueApi = (queue, rest) => `api/v1/queues/${q(queue)}/${rest}`;

// ---------------------------------------------------------------------------------------------------------------
// Confirmation: every action that changes the queue goes through this dialog.

function confirmAction(text, label = "Confirm") {
  return new Promise((resolve) => {
    const dialog = $("confirm-dialog");
    $("confirm-text").textContent = text;
    $("confirm-ok").textContent = label;
    dialog.addEventListener("close", () => resolve(dialog.returnValue === "ok"), { once: true });
    dialog.returnValue = "";
    dialog.showModal();
    $("confirm-ok").focus();
  });
}

/** Runs an action after confirmation, reports what it did, and refreshes the view. */
async function act(text, label, run) {
  if (!(await confirmAction(text, label))) return;
  try {
    const message = await run();
    showError("");
    showNotice(message);
  } catch (error) {
    showNotice("");
    showError(error.message);
  }
  await refresh();
}

const skippedText = (skipped) =>
  skipped?.length
    ? `; skipped ${skipped.map((s) => `${s.id} (${s.reason}${s.stage ? ` ${s.stage}` : ""})`).join(", ")}`
    : "";

const actions = {
  requeue: async (queue, ids) => {
    const r = await api(queueApi(queue, "requeue_detailed"), { method: "POST", body: ids });
    return `requeued ${r.requeued.length}${skippedText(r.skipped)}`;
  },
  cancel: async (queue, ids) => {
    let done = 0;
    const failed = [];
    for (const id of ids) {
      try {
        await api(queueApi(queue, `cancel/${q(id)}`), {
          method: "POST",
          body: { reason: "cancelled from the console" },
        });
        done++;
      } catch (error) {
        failed.push(`${id} (${error.message})`);
      }
    }
    return `cancelled ${done}${failed.length ? `; not cancelled: ${failed.join(", ")}` : ""}`;
  },
  delete: async (queue, ids) => {
    const r = await api(queueApi(queue, "delete"), { method: "POST", body: ids });
    return `deleted ${r.deleted.length}${skippedText(r.skipped)}`;
  },
  retryNow: async (queue, ids) => {
    const r = await api(queueApi(queue, "retry_now"), { method: "POST", body: ids });
    return `made ${r.moved.length} available now${skippedText(r.skipped)}`;
  },
};

/** Every id in a stage, page by page (for "requeue all failed"). */
async function allIds(queue, stage) {
  const ids = [];
  let cursor = "";
  for (;;) {
    const page = await api(
      queueApi(queue, `lookup_state_page/${stage}?limit=1000${cursor ? `&cursor=${q(cursor)}` : ""}`),
    );
    ids.push(...page.ids);
    if (page.next_cursor === null) return ids;
    cursor = page.next_cursor;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Screens. Each screen renders once on navigation; refresh() then updates only its data, so inputs, selections
// and open sections survive the live updates.

let screen = null;

function route() {
  const hash = location.hash.replace(/^#/, "") || "/";
  const parts = hash.split("/").filter(Boolean).map(decodeURIComponent);
  if (parts[0] === "queue" && parts.length >= 2) {
    const queue = parts[1];
    if (parts[2] === "item" && parts[3] !== undefined) return itemScreen(queue, parts.slice(3).join("/"));
    if (parts[2] === "put") return putScreen(queue);
    if (parts[2] === "callbacks") return callbacksScreen(queue);
    return itemsScreen(queue, STAGES.includes(parts[2]) ? parts[2] : "WAITING");
  }
  return overviewScreen();
}

function overviewScreen() {
  const body = h("tbody");
  const cards = h("div", { className: "cards", id: "queue-cards" });
  view.replaceChildren(
    h("h1", {}, "Queues"),
    h(
      "div",
      { className: "table-wrap" },
      h(
        "table",
        { id: "queues" },
        h(
          "thead",
          {},
          h(
            "tr",
            {},
            h("th", {}, "queue"),
            STAGES.map((s) => h("th", { className: "num" }, s)),
            h("th", {}, "oldest waiting for"),
            h("th", {}, "releasing"),
          ),
        ),
        body,
      ),
    ),
    h("h2", {}, "Controllers and throughput"),
    cards,
  );
  return {
    title: "Queues",
    async refresh() {
      const queues = await api("api/v1/queues");
      const read = await Promise.all(queues.map((queue) => recentStats(queue.name).catch(() => null)));
      const stats = read.map((entry) => entry?.stats ?? null);
      syncRows(
        body,
        queues.map((queue, i) => {
          const age = queue.sizes.WAITING > 0 ? oldestWaitingMs(read[i]) : null;
          const ageText = age === null ? "—" : duration(age);
          return [queue.name, JSON.stringify([queue, ageText]), () => overviewRow(queue, ageText)];
        }),
      );
      syncRows(
        cards,
        queues.map((queue, i) => [
          queue.name,
          JSON.stringify([queue.controller, stats[i]?.series ?? null]),
          () => queueCard(queue, stats[i]),
        ]),
      );
    },
  };
}

// The throughput chart needs a queue's stats for the last hour: read at most every STATS_MS per queue (a per-minute
// chart gains nothing from a read every poll, and stats read every item finished in the hour).
const STATS_MS = 10_000;
const statsCache = new Map();

async function recentStats(queue) {
  const cached = statsCache.get(queue);
  if (cached && Date.now() - cached.at < STATS_MS) return cached;
  const entry = { at: Date.now(), stats: await api(queueApi(queue, "stats?since_seconds=3600")) };
  statsCache.set(queue, entry);
  return entry;
}

/**
 * How long the oldest WAITING item has waited (the stats' figure, which every backend keeps: with priorities and
 * delays it need not be the item get hands out next), aged by the time since the stats were read.
 */
function oldestWaitingMs(entry) {
  const seconds = entry?.stats.oldest_waiting_seconds;
  return typeof seconds === "number" ? seconds * 1000 + (Date.now() - entry.at) : null;
}

/** One queue's controller status (who leads, when it last ticked, paused, stale) and its throughput chart. */
function queueCard(queue, stats) {
  const status = queue.controller;
  const controller =
    status === null
      ? h("p", { className: "controller muted" }, "No controller has ticked this queue.")
      : h(
          "p",
          { className: "controller" },
          status.stale ? h("span", { className: "badge stale" }, "stale") : null,
          status.leader ? h("span", { className: "badge leader" }, "leader") : null,
          status.paused ? h("span", { className: "badge paused" }, "paused") : null,
          " ",
          h("span", { className: "tick" }, `last tick ${duration(status.age_seconds * 1000)} ago`),
          " by ",
          h("code", { className: "identity" }, status.identity),
          status.stale
            ? h(
                "span",
                { className: "warning" },
                ` — no tick for several periods of ${status.period_seconds} s: is the controller running?`,
              )
            : null,
        );
  return h(
    "section",
    { className: "card", "data-queue": queue.name, "aria-label": `queue ${queue.name}` },
    h("h3", {}, h("a", { href: queueHref(queue.name, "WAITING") }, queue.name)),
    controller,
    stats ? throughputChart(stats) : h("p", { className: "muted" }, "No throughput figures."),
  );
}

const SVG = "http://www.w3.org/2000/svg";
function svg(tag, attrs = {}, ...children) {
  const el = document.createElementNS(SVG, tag);
  for (const [key, value] of Object.entries(attrs)) el.setAttribute(key, String(value));
  el.append(...children);
  return el;
}

/** Done and failed per bucket (a minute over the last hour) as stacked bars: inline SVG, no library. */
function throughputChart(stats) {
  const { bucket_seconds: bucket, done, failed } = stats.series;
  const total = (values) => values.reduce((a, b) => a + b, 0);
  const width = 300;
  const height = 64;
  const peak = Math.max(1, ...done.map((d, i) => d + failed[i]));
  const step = width / done.length;
  const bars = [];
  done.forEach((d, i) => {
    const doneHeight = (d / peak) * height;
    const failedHeight = (failed[i] / peak) * height;
    const x = (i * step).toFixed(2);
    const w = Math.max(1, step - 1).toFixed(2);
    if (d > 0)
      bars.push(svg("rect", { class: "done", x, y: height - doneHeight, width: w, height: doneHeight }));
    if (failed[i] > 0)
      bars.push(
        svg("rect", {
          class: "failed",
          x,
          y: height - doneHeight - failedHeight,
          width: w,
          height: failedHeight,
        }),
      );
  });
  const minutes = Math.round(stats.since_seconds / 60);
  const label = `${total(done)} done and ${total(failed)} failed in the last ${minutes} min; at most ${peak} per ${bucket / 60} min`;
  return h(
    "figure",
    { className: "chart" },
    svg(
      "svg",
      {
        viewBox: `0 0 ${width} ${height}`,
        preserveAspectRatio: "none",
        role: "img",
        "aria-label": label,
        "data-done": total(done),
        "data-failed": total(failed),
      },
      svg("line", { class: "axis", x1: 0, y1: height - 0.5, x2: width, y2: height - 0.5 }),
      ...bars,
    ),
    h(
      "div",
      { className: "scale muted", "aria-hidden": "true" },
      h("span", {}, `${minutes} min ago`),
      h("span", {}, "now"),
    ),
    h(
      "figcaption",
      {},
      h("span", { className: "key done" }, `${total(done)} done`),
      " ",
      h("span", { className: "key failed" }, `${total(failed)} failed`),
      h("span", { className: "muted" }, ` · last ${minutes} min, peak ${peak}/${bucket / 60} min`),
    ),
  );
}

function overviewRow(queue, ageText) {
  const pauseButton =
    queue.paused === null
      ? h("span", { className: "muted" }, "not stored")
      : h(
          "button",
          {
            type: "button",
            className: queue.paused ? "primary" : "",
            "data-action": queue.paused ? "resume" : "pause",
            onclick: () => pauseAction(queue.name, !queue.paused),
          },
          queue.paused ? "Resume" : "Pause",
        );
  return h(
    "tr",
    { "data-queue": queue.name },
    h("td", {}, h("a", { href: queueHref(queue.name, "WAITING") }, queue.name)),
    STAGES.map((s) =>
      h("td", { className: "num" }, h("a", { href: queueHref(queue.name, s) }, queue.sizes[s])),
    ),
    h("td", { className: "age" }, ageText),
    h(
      "td",
      { className: "pause" },
      queue.paused ? h("span", { className: "badge paused" }, "paused") : null,
      " ",
      pauseButton,
    ),
  );
}

function pauseAction(queue, pause) {
  return act(
    pause
      ? `Pause releasing queue "${queue}"? Controllers release no new work until resumed; running jobs go on.`
      : `Resume releasing queue "${queue}"?`,
    pause ? "Pause" : "Resume",
    async () => {
      await api(queueApi(queue, pause ? "pause" : "resume"), { method: "POST" });
      return `${queue}: ${pause ? "paused" : "resumed"}`;
    },
  );
}

/**
 * Completion callbacks not delivered yet: failed (retries ran out, with the last error) and pending (still retried),
 * each with a re-send button behind the confirmation dialog.
 */
function callbacksScreen(queue) {
  const tbody = h("tbody");
  const note = h("p", { className: "muted", id: "callbacks-note" });
  const resend = (row) =>
    act(`Send the callback of item "${row.item_id}" to ${row.url} again now?`, "Re-send", async () => {
      const r = await api(queueApi(queue, "callbacks/resend"), {
        method: "POST",
        body: { ids: [row.delivery_id] },
      });
      return r.resent.length === 1
        ? `re-sent ${row.delivery_id}`
        : `${row.delivery_id} was delivered meanwhile`;
    });
  view.replaceChildren(
    h("h1", {}, "Undelivered callbacks of ", h("span", { id: "queue-name" }, queue)),
    h("div", { className: "toolbar" }, h("a", { href: queueHref(queue, "WAITING") }, "← Items")),
    note,
    h(
      "div",
      { className: "table-wrap" },
      h(
        "table",
        { className: "items", id: "callbacks" },
        h(
          "thead",
          {},
          h(
            "tr",
            {},
            ["item", "stage", "status", "tries", "last error", "url", "since", ""].map((c) => h("th", {}, c)),
          ),
        ),
        tbody,
      ),
    ),
  );
  return {
    title: `${queue} · callbacks`,
    async refresh() {
      let list;
      try {
        list = await api(queueApi(queue, "callbacks?limit=1000"));
      } catch (error) {
        note.textContent = error.message;
        syncRows(tbody, []);
        return;
      }
      note.textContent = list.length === 0 ? "Every callback has been delivered." : "";
      const rows = list.map((row) => [
        row.delivery_id,
        JSON.stringify(row),
        () =>
          h(
            "tr",
            {},
            h("td", {}, h("a", { href: itemHref(queue, row.item_id) }, row.item_id)),
            h("td", {}, row.payload.stage),
            h("td", {}, h("span", { className: `badge ${row.status}` }, row.status)),
            h("td", { className: "num" }, String(row.attempts)),
            h("td", { className: "error" }, firstLine(row.last_error)),
            h("td", {}, row.url),
            h("td", {}, time(row.created_at)),
            h(
              "td",
              {},
              h(
                "button",
                {
                  type: "button",
                  className: "resend",
                  "data-delivery": row.delivery_id,
                  onclick: () => resend(row),
                },
                "Re-send",
              ),
            ),
          ),
      ]);
      syncRows(tbody, rows);
    },
  };
}

function itemsScreen(queue, stage) {
  const state = { cursors: [""], pageSize: 25, prefix: "", selected: new Set(), ids: [] };
  const tabs = h("div", { className: "tabs", role: "navigation", "aria-label": "stages" });
  const tbody = h("tbody");
  const pageInfo = h("span", { className: "muted", id: "page-info" });
  const prev = h("button", { type: "button", id: "prev-page" }, "← Previous");
  const next = h("button", { type: "button", id: "next-page" }, "Next →");
  const selectAll = h("input", {
    type: "checkbox",
    "aria-label": "select every row on this page",
    id: "select-all",
  });
  const prefixInput = h("input", {
    type: "search",
    id: "prefix",
    placeholder: "id prefix",
    "aria-label": "filter by id prefix",
  });
  const sizeSelect = h(
    "select",
    { id: "page-size", "aria-label": "page size" },
    PAGE_SIZES.map((n) => h("option", { value: n, selected: n === state.pageSize }, `${n} per page`)),
  );
  const pausedBadge = h("span");

  const selectedIds = () => [...state.selected];
  const button = (label, id, onclick, danger = false) =>
    h("button", { type: "button", id, className: danger ? "danger" : "", onclick }, label);
  const bulk = [];
  const needsSelection = (label, id, text, run, danger) => {
    const b = button(
      label,
      id,
      () => {
        const ids = selectedIds();
        return act(text(ids), label, () => {
          state.selected.clear();
          return run(queue, ids);
        });
      },
      danger,
    );
    bulk.push(b);
    return b;
  };
  const count = (ids) => `${ids.length} item${ids.length === 1 ? "" : "s"}`;
  const deleteSelected = () =>
    needsSelection(
      "Delete",
      "delete-selected",
      (ids) => `Delete ${count(ids)} for good?`,
      actions.delete,
      true,
    );
  // Built for the shown stage only: every button made here joins `bulk`, which the selection enables.
  const actionsFor = {
    WAITING: () => [
      needsSelection(
        "Retry now",
        "retry-selected",
        (ids) => `Make ${count(ids)} available now (clear run_after)?`,
        actions.retryNow,
      ),
      needsSelection(
        "Cancel",
        "cancel-selected",
        (ids) => `Cancel ${count(ids)}? They move to FAIL.`,
        actions.cancel,
        true,
      ),
      deleteSelected(),
    ],
    PROCESSING: () => [
      needsSelection(
        "Cancel",
        "cancel-selected",
        (ids) => `Cancel ${count(ids)}? Their jobs are stopped and they move to FAIL.`,
        actions.cancel,
        true,
      ),
    ],
    SUCCESS: () => [deleteSelected()],
    FAIL: () => [
      needsSelection(
        "Requeue",
        "requeue-selected",
        (ids) => `Requeue ${count(ids)} (back to WAITING, attempts reset)?`,
        actions.requeue,
      ),
      button("Requeue all failed", "requeue-all", () =>
        act(`Requeue every FAIL item of "${queue}"?`, "Requeue all", async () =>
          actions.requeue(queue, await allIds(queue, "FAIL")),
        ),
      ),
      deleteSelected(),
    ],
  }[stage]();

  const resetPaging = () => {
    state.cursors = [""];
    state.selected.clear();
  };
  let typing;
  prefixInput.addEventListener("input", () => {
    clearTimeout(typing);
    typing = setTimeout(() => {
      state.prefix = prefixInput.value;
      resetPaging();
      refresh();
    }, 250);
  });
  sizeSelect.addEventListener("change", () => {
    state.pageSize = Number(sizeSelect.value);
    resetPaging();
    refresh();
  });
  prev.addEventListener("click", () => {
    if (state.cursors.length > 1) state.cursors.pop();
    state.selected.clear();
    refresh();
  });
  next.addEventListener("click", () => {
    if (state.nextCursor) state.cursors.push(state.nextCursor);
    state.selected.clear();
    refresh();
  });
  selectAll.addEventListener("change", () => {
    for (const id of state.ids) {
      if (selectAll.checked) state.selected.add(id);
      else state.selected.delete(id);
    }
    for (const box of tbody.querySelectorAll("input[type=checkbox]")) box.checked = selectAll.checked;
    updateBulk();
  });
  const updateBulk = () => {
    for (const b of bulk) b.disabled = state.selected.size === 0;
    selectAll.checked = state.ids.length > 0 && state.ids.every((id) => state.selected.has(id));
  };

  view.replaceChildren(
    h("h1", {}, "Queue ", h("span", { id: "queue-name" }, queue), " ", pausedBadge),
    tabs,
    h(
      "div",
      { className: "toolbar" },
      prefixInput,
      sizeSelect,
      h("a", { href: `#/queue/${q(queue)}/put`, id: "put-link" }, "Put a new item"),
      h("a", { href: `#/queue/${q(queue)}/callbacks`, id: "callbacks-link" }, "Undelivered callbacks"),
    ),
    h("div", { className: "toolbar", role: "group", "aria-label": "actions on selected items" }, actionsFor),
    h(
      "div",
      { className: "table-wrap" },
      h(
        "table",
        { className: "items", id: "items" },
        h(
          "thead",
          {},
          h(
            "tr",
            {},
            h("th", {}, selectAll),
            h("th", {}, "id"),
            h("th", { className: "num" }, "attempts"),
            h("th", { className: "num col-priority" }, "priority"),
            h("th", { className: "col-age" }, "in stage for"),
            h("th", {}, "last error"),
          ),
        ),
        tbody,
      ),
    ),
    h("div", { className: "toolbar" }, prev, next, pageInfo),
  );
  updateBulk();

  return {
    title: `${queue} · ${stage}`,
    async refresh() {
      const summary = (await api("api/v1/queues")).find((s) => s.name === queue);
      const sizes = summary?.sizes ?? { WAITING: 0, PROCESSING: 0, SUCCESS: 0, FAIL: 0 };
      tabs.replaceChildren(
        ...STAGES.map((s) =>
          h(
            "a",
            { href: queueHref(queue, s), "aria-current": s === stage ? "page" : null },
            `${s} ${sizes[s]}`,
          ),
        ),
      );
      pausedBadge.replaceChildren(summary?.paused ? h("span", { className: "badge paused" }, "paused") : "");
      // Paging clicked while this ran makes its answer stale: the refresh that click asked for shows the new page.
      const asked = JSON.stringify([state.cursors, state.pageSize, state.prefix]);
      const cursor = state.cursors[state.cursors.length - 1];
      const query = new URLSearchParams({ limit: String(state.pageSize) });
      if (cursor) query.set("cursor", cursor);
      if (state.prefix) query.set("prefix", state.prefix);
      const page = await api(queueApi(queue, `lookup_state_page/${stage}?${query}`));
      const records = await mapLimited(page.ids, 8, (id) =>
        api(queueApi(queue, `item/${q(id)}`)).catch(() => null),
      );
      if (asked !== JSON.stringify([state.cursors, state.pageSize, state.prefix])) return;
      state.ids = page.ids;
      state.nextCursor = page.next_cursor;
      const now = Date.now();
      const rows = page.ids.map((id, i) => {
        const r = records[i];
        const age = r ? duration(now - Date.parse(r.updated_at)) : "moved";
        return [
          id,
          JSON.stringify([r, state.selected.has(id)]),
          () => {
            const box = h("input", {
              type: "checkbox",
              "aria-label": `select ${id}`,
              checked: state.selected.has(id),
              onchange: (e) => {
                if (e.target.checked) state.selected.add(id);
                else state.selected.delete(id);
                updateBulk();
              },
            });
            return h(
              "tr",
              { "data-id": id },
              h("td", {}, box),
              h("td", { className: "id" }, h("a", { href: itemHref(queue, id) }, id)),
              h("td", { className: "num" }, r ? `${r.attempts}/${r.max_attempts}` : "—"),
              h("td", { className: "num col-priority" }, r ? r.priority : "—"),
              h("td", { className: "col-age" }, age),
              h("td", { className: "error" }, r ? firstLine(r.last_error) : ""),
            );
          },
        ];
      });
      if (page.ids.length === 0) {
        rows.push(["", "empty", () => h("tr", {}, h("td", { colspan: 6, className: "muted" }, "No items."))]);
      }
      syncRows(tbody, rows);
      // Ages change every second: updated in place, not part of a row's signature.
      for (const [i, r] of records.entries()) {
        const cell = tbody.children[i]?.querySelector(".col-age");
        if (cell && r) cell.textContent = duration(now - Date.parse(r.updated_at));
      }
      const first = (state.cursors.length - 1) * state.pageSize;
      pageInfo.textContent = page.ids.length
        ? `page ${state.cursors.length} · items ${first + 1}–${first + page.ids.length}`
        : `page ${state.cursors.length}`;
      prev.disabled = state.cursors.length <= 1;
      next.disabled = page.next_cursor === null;
      updateBulk();
    },
  };
}

async function mapLimited(values, limit, fn) {
  const out = new Array(values.length);
  let index = 0;
  const workers = Array.from({ length: Math.min(limit, values.length) }, async () => {
    while (index < values.length) {
      const i = index++;
      out[i] = await fn(values[i]);
    }
  });
  await Promise.all(workers);
  return out;
}

function itemScreen(queue, id) {
  const heading = h("h1", {}, id);
  const toolbar = h("div", { className: "toolbar", role: "group", "aria-label": "actions on this item" });
  const fields = h("dl", { className: "fields", id: "fields" });
  const errorBox = h("section", { id: "last-error" });
  const resultBox = h("section", { id: "result" });
  const body = h("pre", { id: "body" });
  const timeline = h("ol", { className: "timeline", id: "timeline" });
  const historyNote = h("p", { className: "muted" });
  view.replaceChildren(
    h("p", {}, h("a", { href: queueHref(queue, "WAITING"), id: "back" }, `← queue ${queue}`)),
    heading,
    toolbar,
    fields,
    errorBox,
    resultBox,
    h("details", { open: true, id: "body-section" }, h("summary", {}, "Body"), body),
    h("h2", {}, "History"),
    historyNote,
    timeline,
  );
  return {
    title: `${queue} · ${id}`,
    async refresh() {
      const r = await api(queueApi(queue, `item/${q(id)}`));
      const row = (name, value) => [h("dt", {}, name), h("dd", { "data-field": name }, value)];
      fields.replaceChildren(
        ...row("stage", h("span", { className: `stage-${r.stage}` }, r.stage)),
        ...row("attempts", `${r.attempts} of ${r.max_attempts}`),
        ...row("priority", r.priority),
        ...row("run after", r.run_after ? time(r.run_after) : "—"),
        ...row("lease expires", r.lease_expires_at ? time(r.lease_expires_at) : "—"),
        ...row("created", time(r.created_at)),
        ...row("updated", time(r.updated_at)),
        // The server links the item's Argo workflow when it is configured with the Argo UI's URL.
        ...(r.workflow_url
          ? row(
              "workflow",
              h(
                "a",
                { href: r.workflow_url, id: "workflow-link", rel: "noopener noreferrer" },
                "open in Argo",
              ),
            )
          : []),
      );
      errorBox.replaceChildren(
        ...(r.last_error ? [h("h2", {}, "Last error"), h("pre", { className: "error" }, r.last_error)] : []),
      );
      resultBox.replaceChildren(
        ...(r.result !== null ? [h("h2", {}, "Result"), h("pre", {}, pretty(r.result))] : []),
      );
      const text = pretty(r.body);
      if (body.textContent !== text) body.textContent = text;
      const one = (label, run, danger, idAttr) =>
        h(
          "button",
          {
            type: "button",
            id: idAttr,
            className: danger ? "danger" : "",
            onclick: () => act(`${label} ${id}?`, label, () => run(queue, [id])),
          },
          label,
        );
      toolbar.replaceChildren(
        r.stage === "FAIL" ? one("Requeue", actions.requeue, false, "item-requeue") : "",
        r.stage === "WAITING" && r.run_after
          ? one("Retry now", actions.retryNow, false, "item-retry-now")
          : "",
        r.stage === "WAITING" || r.stage === "PROCESSING"
          ? one("Cancel", actions.cancel, true, "item-cancel")
          : "",
        r.stage !== "PROCESSING" ? one("Delete", actions.delete, true, "item-delete") : "",
      );
      try {
        const history = await api(queueApi(queue, `history/${q(id)}`));
        historyNote.textContent = "";
        timeline.replaceChildren(
          ...history.map((e, i) => {
            const gap = i > 0 ? Date.parse(e.time) - Date.parse(history[i - 1].time) : null;
            return h(
              "li",
              {},
              gap === null ? "" : h("div", { className: "gap" }, `after ${duration(gap)}`),
              h(
                "div",
                {},
                h("strong", {}, e.from ? `${e.from} → ${e.to}` : `added to ${e.to}`),
                e.action ? ` (${e.action})` : "",
              ),
              e.reason ? h("div", { className: "reason" }, e.reason) : "",
              h("div", { className: "when" }, time(e.time)),
            );
          }),
        );
      } catch (error) {
        if (error.status !== 404) throw error;
        timeline.replaceChildren();
        historyNote.textContent = typeof error.body?.detail === "string" ? error.body.detail : error.message;
      }
    },
  };
}

function putScreen(queue) {
  const idInput = h("input", { id: "put-id", required: true, autocomplete: "off" });
  const bodyInput = h(
    "textarea",
    { id: "put-body", spellcheck: "false", "aria-describedby": "put-body-error" },
    "{\n  \n}",
  );
  const bodyError = h("p", { className: "field-error", id: "put-body-error", role: "alert" });
  const priority = h("input", { id: "put-priority", type: "number", step: "1", placeholder: "0" });
  const delay = h("input", { id: "put-delay", type: "number", min: "0", step: "any", placeholder: "0" });
  const attempts = h("input", {
    id: "put-max-attempts",
    type: "number",
    min: "1",
    step: "1",
    placeholder: "queue default",
  });
  const serverError = h("p", { className: "field-error", id: "put-error", role: "alert" });
  const submit = h("button", { type: "submit", className: "primary", id: "put-submit" }, "Put item");

  const parseBody = () => {
    try {
      const value = JSON.parse(bodyInput.value);
      bodyError.textContent = "";
      bodyInput.removeAttribute("aria-invalid");
      submit.disabled = false;
      return { ok: true, value };
    } catch (error) {
      bodyError.textContent = `Not valid JSON: ${error.message}`;
      bodyInput.setAttribute("aria-invalid", "true");
      submit.disabled = true;
      return { ok: false };
    }
  };
  bodyInput.addEventListener("input", parseBody);

  const form = h(
    "form",
    { className: "put", id: "put-form", novalidate: true },
    h("label", {}, "Item id", idInput),
    h("label", {}, "Body (JSON)", bodyInput),
    bodyError,
    h(
      "div",
      { className: "row" },
      h("label", {}, "Priority", priority),
      h("label", {}, "Delay (s)", delay),
      h("label", {}, "Max attempts", attempts),
    ),
    serverError,
    h("div", {}, submit),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const parsed = parseBody();
    if (!parsed.ok) return;
    const job = { item_id: idInput.value, body: parsed.value };
    if (priority.value !== "") job.priority = Number(priority.value);
    if (delay.value !== "") job.delay_seconds = Number(delay.value);
    if (attempts.value !== "") job.max_attempts = Number(attempts.value);
    if (!(await confirmAction(`Put item "${job.item_id}" into queue "${queue}"?`, "Put"))) return;
    try {
      const result = await api(queueApi(queue, "put_jobs"), { method: "POST", body: [job] });
      if (result.skipped.length) {
        serverError.textContent = `Not added: an item "${job.item_id}" already exists in this queue.`;
        return;
      }
      serverError.textContent = "";
      showNotice(`put ${job.item_id}`);
      location.hash = itemHref(queue, job.item_id);
    } catch (error) {
      const detail = error.body?.detail;
      serverError.textContent = Array.isArray(detail)
        ? detail
            .map((p) => `${p.loc.filter((part) => part !== "body").join(".") || "body"}: ${p.msg}`)
            .join("\n")
        : error.message;
    }
  });
  view.replaceChildren(
    h("p", {}, h("a", { href: queueHref(queue, "WAITING") }, `← queue ${queue}`)),
    h("h1", {}, `Put a new item into ${queue}`),
    form,
  );
  parseBody();
  return { title: `${queue} · put`, refresh: async () => {} };
}

// ---------------------------------------------------------------------------------------------------------------
// Live updates: one refresh at a time, every POLL_MS while the page is visible, none while it is hidden.

let timer = null;
let inFlight = null;

async function refresh() {
  if (!screen) return;
  // A refresh asked for during another (after an action) runs once that one ends, so it shows the action's effect.
  while (inFlight) await inFlight;
  const current = screen;
  inFlight = (async () => {
    try {
      await current.refresh();
      if (current === screen) {
        showError("");
        $("updated").textContent = `updated ${new Date().toLocaleTimeString()}`;
        $("updated").dataset.at = String(Date.now());
      }
    } catch (error) {
      showError(error.message);
    } finally {
      inFlight = null;
    }
  })();
  return inFlight;
}

function schedule() {
  clearTimeout(timer);
  timer = null;
  if (document.visibilityState !== "visible") return;
  timer = setTimeout(async () => {
    await refresh();
    schedule();
  }, POLL_MS);
}

function navigate() {
  showNotice("");
  screen = route();
  document.title = `${screen.title} — task-queue`;
  view.focus({ preventScroll: true });
  refresh().then(schedule);
}

// openapi.json with the tab's token: fetched here and shown as a document (a plain link would carry no token).
$("spec-link").addEventListener("click", async (event) => {
  event.preventDefault();
  try {
    const spec = await api("openapi.json");
    const url = URL.createObjectURL(new Blob([pretty(spec)], { type: "application/json" }));
    location.assign(url);
  } catch (error) {
    showError(error.message);
  }
});
$("token-button").addEventListener("click", async () => {
  if (await askToken()) refresh();
});
document.addEventListener("visibilitychange", () => {
  if (document.visibilityState === "visible") refresh().then(schedule);
  else schedule();
});
window.addEventListener("hashchange", navigate);
navigate();
