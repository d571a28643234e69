// The dashboard: plain browser JavaScript calling the API, no build step.
const STAGES = ["WAITING", "PROCESSING", "SUCCESS", "FAIL"];
const tokenInput = document.getElementById("token");
tokenInput.value = sessionStorage.getItem("task-queue-token") ?? "";
tokenInput.addEventListener("change", () => {
  sessionStorage.setItem("task-queue-token", tokenInput.value);
  refresh();
});

async function api(path) {
  const headers = tokenInput.value ? { authorization: `Bearer ${tokenInput.value}` } : {};
  const response = await fetch(path, { headers });
  const body = await response.json().catch(() => null);
  if (!response.ok) {
    const detail = body?.detail;
    const message = typeof detail === "string" ? detail : JSON.stringify(detail);
    throw new Error(`${response.status}: ${message}`);
  }
  return body;
}

function cell(row, text) {
  const td = document.createElement("td");
  td.textContent = String(text);
  row.appendChild(td);
}

async function refresh() {
  const error = document.getElementById("error");
  try {
    const queues = await api("/api/v1/queues");
    const body = document.querySelector("#queues tbody");
    body.replaceChildren();
    for (const queue of queues) {
      const row = document.createElement("tr");
      row.dataset.queue = queue.name;
      cell(row, queue.name);
      for (const stage of STAGES) cell(row, queue.sizes[stage]);
      body.appendChild(row);
    }
    error.textContent = "";
    document.getElementById("updated").textContent = `updated ${new Date().toLocaleTimeString()}`;
  } catch (e) {
    error.textContent = e.message;
  }
}

document.getElementById("lookup").addEventListener("submit", async (event) => {
  event.preventDefault();
  const queue = encodeURIComponent(document.getElementById("queue").value);
  const id = encodeURIComponent(document.getElementById("item").value);
  const out = document.getElementById("item-result");
  out.replaceChildren();
  const show = (title, value) => {
    const h = document.createElement("h3");
    h.textContent = title;
    const pre = document.createElement("pre");
    pre.textContent = typeof value === "string" ? value : JSON.stringify(value, null, 2);
    out.append(h, pre);
  };
  try {
    const item = await api(`/api/v1/queues/${queue}/lookup_item/${id}`);
    show("Status", STAGES[item.status]);
    show("Body", item.item_body);
  } catch (e) {
    show("Error", e.message);
    return;
  }
  try {
    show("History", await api(`/api/v1/queues/${queue}/history/${id}`));
  } catch (e) {
    show("History", e.message);
  }
});

refresh();
setInterval(refresh, 3000);
