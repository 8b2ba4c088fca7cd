"use strict";
// The page of `pyotp-rs serve`: a client of the service's TOTPHog API under /api/v1.
//
// Codes come from the server. Each fetch records, per token, when its step ends on this page's
// monotonic clock: the time the answer arrived plus the time left in the step, so never early
// (`remaining_seconds` of /codes is whole seconds; `ends_in_ms` of /codes/next, milliseconds). The page
// fetches again only when a step ends (GET /api/v1/codes) and once in a step's last seconds
// (GET /api/v1/codes/next, to show the next code); a local tick only redraws the countdowns.
//
// The page follows the caller's role (GET /api/v1/me): a `codes` token sees codes only (no QR code,
// Delete or Add); `manage` and `admin` get Edit (rename, move to a group); admins get the QR code and
// the Activity view of the audit log. The server decides every request anyway: this only hides
// buttons that would be refused.

const TOKEN_KEY = "pyotp-rs.api-token";
const TICK_MS = 200;
const IDLE_REFRESH_MS = 30000;
const RETRY_MS = 5000;
const COPIED_MS = 2500;

const $ = (id) => document.getElementById(id);

class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

const ROLES = ["codes", "manage", "admin"];
const NO_GROUP = "";

const state = {
  me: null,
  cards: new Map(),
  groups: new Map(),
  busy: false,
  locked: false,
  lastFetch: 0,
  retryAt: 0,
};

// The API

async function api(method, path, body) {
  const headers = {};
  const token = sessionStorage.getItem(TOKEN_KEY);
  if (token) headers.Authorization = `Bearer ${token}`;
  let payload;
  if (body instanceof Blob) {
    payload = body;
    headers["Content-Type"] = body.type || "application/octet-stream";
  } else if (body !== undefined) {
    payload = JSON.stringify(body);
    headers["Content-Type"] = "application/json";
  }
  let response;
  try {
    response = await fetch(path, { method, headers, body: payload, cache: "no-store" });
  } catch {
    throw new ApiError(0, "The service cannot be reached.");
  }
  const isJson = (response.headers.get("Content-Type") || "").startsWith("application/json");
  if (response.ok && !isJson) return response;
  let data = {};
  if (isJson) {
    data = await response.json();
  }
  if (!response.ok || data.success === false) {
    const error = new ApiError(response.status, data.error || `The service answered ${response.status}.`);
    if (response.status === 401) askForToken(token ? error.message : "");
    throw error;
  }
  return data;
}

// Codes and their countdowns

function grouped(code) {
  const size = code.length % 4 === 0 && code.length > 6 ? 4 : 3;
  const groups = [];
  for (let i = 0; i < code.length; i += size) groups.push(code.slice(i, i + size));
  return groups.join(" ");
}

function nextWindow(period) {
  return Math.min(5, Math.max(1, Math.floor(period / 3)));
}

async function refresh() {
  state.busy = true;
  try {
    const answer = await api("GET", "/api/v1/codes");
    const arrived = performance.now();
    if (!state.me) await whoAmI();
    unlock();
    render(answer.data);
    for (const token of answer.data) {
      const entry = state.cards.get(token.id);
      if (token.type === "hotp") {
        showHotp(entry, token);
        continue;
      }
      entry.code = token.current_code.code;
      entry.period = token.current_code.period;
      entry.deadline = arrived + token.current_code.remaining_seconds * 1000;
      entry.next = null;
    }
    state.lastFetch = arrived;
    state.retryAt = 0;
    if ($("status").dataset.kind === "offline") say("");
  } catch (error) {
    failed(error);
  } finally {
    state.busy = false;
    tick();
  }
}

async function fetchNext() {
  state.busy = true;
  try {
    const answer = await api("GET", "/api/v1/codes/next");
    const arrived = performance.now();
    const answered = new Set();
    for (const item of answer.data) {
      const entry = state.cards.get(item.id);
      if (!entry) continue;
      answered.add(item.id);
      entry.code = item.code;
      entry.next = item.next_code;
      entry.deadline = arrived + item.ends_in_ms;
    }
    // A card the answer lacks was deleted elsewhere: ending its step now makes the next tick refresh.
    // HOTP cards have no step (no deadline) and are never in this answer.
    for (const [id, entry] of state.cards) {
      if (!answered.has(id) && entry.deadline !== undefined) entry.deadline = arrived;
    }
    state.lastFetch = arrived;
  } catch (error) {
    failed(error);
  } finally {
    state.busy = false;
    tick();
  }
}

function failed(error) {
  state.retryAt = performance.now() + RETRY_MS;
  if (error.status !== 401) say(`${error.message} Trying again…`, "offline");
}

function tick() {
  const now = performance.now();
  let stepEnded = false;
  let wantNext = false;
  let timed = 0;
  for (const entry of state.cards.values()) {
    if (entry.deadline === undefined) continue;
    timed += 1;
    let left = (entry.deadline - now) / 1000;
    if (left <= 0) {
      stepEnded = true;
      if (entry.next) {
        entry.code = entry.next;
        entry.next = null;
        entry.deadline += entry.period * 1000;
        left += entry.period;
      }
    }
    const ending = left <= nextWindow(entry.period);
    if (ending && !entry.next && left > 0) wantNext = true;
    draw(entry, Math.max(0, left), ending);
  }
  if (state.busy || state.locked || now < state.retryAt) return;
  if (stepEnded || (timed === 0 && now - state.lastFetch > IDLE_REFRESH_MS)) refresh();
  else if (wantNext) fetchNext();
}

function draw(entry, left, ending) {
  const el = entry.el;
  const text = grouped(entry.code);
  const digits = el.querySelector(".digits");
  if (digits.textContent !== text) {
    if (digits.textContent) clearCopied(entry);
    digits.textContent = text;
  }
  el.querySelector(".seconds").textContent = `${Math.ceil(left)} s`;
  el.querySelector(".fill").style.transform = `scaleX(${Math.min(1, left / entry.period)})`;
  el.classList.toggle("ending", ending);
  const next = el.querySelector(".next");
  const showNext = ending && Boolean(entry.next);
  next.hidden = !showNext;
  if (showNext) el.querySelector(".next-code").textContent = grouped(entry.next);
}

// The caller's role

async function whoAmI() {
  const answer = await api("GET", "/api/v1/me");
  state.me = answer.data;
  const may = (role) => ROLES.indexOf(state.me.role) >= ROLES.indexOf(role);
  document.body.dataset.role = state.me.role;
  state.mayManage = may("manage");
  state.isAdmin = may("admin");
  $("views").hidden = !state.isAdmin;
  $("empty").textContent = state.mayManage ? "No tokens yet: add one below." : "No tokens yet.";
  const groups = state.me.groups;
  if (groups && groups.length === 1) $("group").value = groups[0];
  for (const entry of state.cards.values()) applyRole(entry.el);
}

function applyRole(el) {
  el.querySelector(".show-qr").hidden = !state.isAdmin;
  el.querySelector(".edit").hidden = !state.mayManage;
  el.querySelector(".delete").hidden = !state.mayManage;
}

// Cards, under their group's heading

function groupSection(key) {
  let section = state.groups.get(key);
  if (!section) {
    section = document.createElement("section");
    section.className = "group";
    const heading = document.createElement("h3");
    heading.textContent = key === NO_GROUP ? "No group" : key;
    const list = document.createElement("ul");
    list.className = "cards";
    section.append(heading, list);
    state.groups.set(key, section);
  }
  return section;
}

// HOTP cards: no countdown; "Next code" asks the service for the code at the next counter.

function showHotp(entry, token) {
  const el = entry.el;
  el.querySelector(".time").hidden = true;
  if (!el.querySelector(".next-hotp")) {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "next-hotp";
    button.textContent = "Next code";
    button.addEventListener("click", () => nextHotp(token.id));
    el.querySelector(".actions").prepend(button);
    const counter = document.createElement("p");
    counter.className = "counter";
    el.querySelector(".time").after(counter);
  }
  if (!entry.code) {
    el.querySelector(".digits").textContent = "– – –";
    el.querySelector(".counter").textContent = `Next counter ${token.counter}`;
  }
}

async function nextHotp(id) {
  const entry = state.cards.get(id);
  if (!entry) return;
  try {
    const answer = await api("POST", `/api/v1/tokens/${encodeURIComponent(id)}/next`);
    entry.code = answer.data.code;
    entry.el.querySelector(".digits").textContent = grouped(entry.code);
    entry.el.querySelector(".counter").textContent = `Counter ${answer.data.counter}`;
  } catch (error) {
    say(error.message);
  }
}

function render(tokens) {
  const ids = new Set(tokens.map((token) => token.id));
  for (const [id, entry] of state.cards) {
    if (!ids.has(id)) {
      entry.el.remove();
      state.cards.delete(id);
    }
  }
  const keys = [...new Set(tokens.map((token) => token.group || NO_GROUP))].sort((a, b) =>
    a === NO_GROUP ? 1 : b === NO_GROUP ? -1 : a.localeCompare(b),
  );
  const container = $("groups");
  for (const [key, section] of state.groups) {
    if (!keys.includes(key)) {
      section.remove();
      state.groups.delete(key);
    }
  }
  keys.forEach((key, index) => {
    const section = groupSection(key);
    // One list without a heading while no token has a group.
    section.querySelector("h3").hidden = keys.length === 1 && key === NO_GROUP;
    if (container.children[index] !== section) container.insertBefore(section, container.children[index] || null);
  });
  const filled = new Map();
  for (const token of tokens) {
    let entry = state.cards.get(token.id);
    if (!entry) {
      entry = { el: newCard(token.id) };
      state.cards.set(token.id, entry);
    }
    entry.token = token;
    entry.el.querySelector(".name").textContent = token.name;
    entry.el.querySelector(".issuer").textContent = token.issuer || "";
    entry.el.querySelector(".code").setAttribute("aria-label", `Copy the code of ${token.name}`);
    const key = token.group || NO_GROUP;
    const list = state.groups.get(key).querySelector(".cards");
    const index = filled.get(key) || 0;
    filled.set(key, index + 1);
    if (list.children[index] !== entry.el) list.insertBefore(entry.el, list.children[index] || null);
  }
  const known = $("known-groups");
  known.replaceChildren(
    ...(state.me?.groups || keys.filter((key) => key !== NO_GROUP)).map((key) => new Option(key, key)),
  );
  $("loading").hidden = true;
  $("empty").hidden = tokens.length > 0;
  applyFilter();
}

function newCard(id) {
  const el = $("card-template").content.firstElementChild.cloneNode(true);
  el.dataset.id = id;
  el.querySelector(".code").addEventListener("click", () => copy(id));
  el.querySelector(".show-qr").addEventListener("click", () => showQr(id));
  el.querySelector(".edit").addEventListener("click", () => askEdit(id));
  el.querySelector(".delete").addEventListener("click", () => askDelete(id));
  applyRole(el);
  return el;
}

function applyFilter() {
  const words = $("filter").value.trim().toLowerCase();
  let shown = 0;
  for (const entry of state.cards.values()) {
    const token = entry.token;
    const haystack = `${token.name} ${token.issuer || ""} ${token.group || ""}`.toLowerCase();
    entry.el.hidden = !haystack.includes(words);
    if (!entry.el.hidden) shown += 1;
  }
  for (const section of state.groups.values()) {
    section.hidden = !section.querySelector(".card:not([hidden])");
  }
  $("no-match").hidden = shown > 0 || state.cards.size === 0;
}

// Copy

async function copy(id) {
  const entry = state.cards.get(id);
  if (!entry || !entry.code) return;
  const note = entry.el.querySelector(".copied");
  const code = entry.code;
  try {
    if (navigator.clipboard && window.isSecureContext) await navigator.clipboard.writeText(code);
    else copyBySelection(code);
    note.textContent = `Copied ${grouped(code)}`;
  } catch {
    note.textContent = "Could not copy: select the code and copy it by hand";
  }
  clearTimeout(entry.copiedTimer);
  entry.copiedTimer = setTimeout(() => clearCopied(entry), COPIED_MS);
}

// The "Copied …" mark belongs to one code: it goes when the code changes.
function clearCopied(entry) {
  clearTimeout(entry.copiedTimer);
  entry.el.querySelector(".copied").textContent = "";
}

function copyBySelection(text) {
  const area = document.createElement("textarea");
  area.value = text;
  area.setAttribute("readonly", "");
  area.className = "visually-hidden";
  document.body.append(area);
  area.select();
  const done = document.execCommand("copy");
  area.remove();
  if (!done) throw new Error("copy refused");
}

// QR code and deletion

async function showQr(id) {
  const entry = state.cards.get(id);
  const dialog = $("qr-dialog");
  try {
    const response = await api("GET", `/api/v1/tokens/${encodeURIComponent(id)}/qr`);
    const url = URL.createObjectURL(await response.blob());
    const image = $("qr-image");
    image.src = url;
    image.alt = `QR code of ${entry.token.name}`;
    $("qr-title").textContent = entry.token.issuer ? `${entry.token.issuer}: ${entry.token.name}` : entry.token.name;
    dialog.addEventListener("close", () => URL.revokeObjectURL(url), { once: true });
    dialog.showModal();
  } catch (error) {
    say(error.message);
  }
}

function askDelete(id) {
  const entry = state.cards.get(id);
  const dialog = $("delete-dialog");
  $("delete-title").textContent = `Delete “${entry.token.name}”?`;
  dialog.returnValue = "";
  dialog.addEventListener(
    "close",
    async () => {
      if (dialog.returnValue !== "delete") return;
      try {
        await api("DELETE", `/api/v1/tokens/${encodeURIComponent(id)}`);
        say(`Deleted ${entry.token.name}.`);
        $("filter").focus();
        await refresh();
      } catch (error) {
        say(error.message);
      }
    },
    { once: true },
  );
  dialog.showModal();
}

// Editing: rename, change the issuer, move to another group

function askEdit(id) {
  const entry = state.cards.get(id);
  const dialog = $("edit-dialog");
  $("edit-form")?.remove();
  dialog.append($("edit-template").content.firstElementChild.cloneNode(true));
  const form = $("edit-form");
  form.addEventListener("submit", saveEdit);
  $("edit-cancel").addEventListener("click", () => dialog.close());
  dialog.addEventListener("close", () => form.remove(), { once: true });
  $("edit-title").textContent = `Edit “${entry.token.name}”`;
  $("edit-name").value = entry.token.name;
  $("edit-issuer").value = entry.token.issuer || "";
  $("edit-group").value = entry.token.group || "";
  form.dataset.id = id;
  dialog.showModal();
  $("edit-name").focus();
}

async function saveEdit(event) {
  event.preventDefault();
  const form = $("edit-form");
  clearErrors(form);
  const entry = state.cards.get(form.dataset.id);
  if (!entry) return $("edit-dialog").close();
  const name = $("edit-name").value.trim();
  if (!name) return showError("edit-name", "Enter a name.");
  const body = {
    name,
    issuer: $("edit-issuer").value.trim() || null,
    group: $("edit-group").value.trim() || null,
  };
  try {
    const answer = await api("PATCH", `/api/v1/tokens/${encodeURIComponent(form.dataset.id)}`, body);
    $("edit-dialog").close();
    say(`Saved ${answer.data.name}.`);
    await refresh();
  } catch (error) {
    if (error.status === 401) return $("edit-dialog").close();
    const words = error.message.toLowerCase();
    const field = words.startsWith("name") ? "name" : words.startsWith("issuer") ? "issuer" : words.includes("group") ? "group" : "fields";
    showError(`edit-${field}`, error.message);
  }
}

// Activity: the audit log (admins)

function showView(activity) {
  $("show-codes").setAttribute("aria-pressed", String(!activity));
  $("show-activity").setAttribute("aria-pressed", String(activity));
  $("activity").hidden = !activity;
  $("tokens").hidden = activity;
  $("add").hidden = activity || !state.mayManage;
  if (activity) loadActivity();
}

async function loadActivity() {
  try {
    const answer = await api("GET", "/api/v1/audit?limit=100");
    const rows = answer.data.map((entry) => {
      const row = document.createElement("tr");
      const ids = entry.account_ids;
      let account = entry.label || "";
      if (ids.length > 1) account = `${ids.length} accounts`;
      else if (ids.length === 1 && !account) account = ids[0];
      const cells = [
        new Date(entry.time).toLocaleString(),
        entry.actor || "unknown",
        entry.action,
        account,
        entry.outcome,
        entry.remote_addr || "",
      ];
      for (const text of cells) {
        const cell = document.createElement("td");
        cell.textContent = text;
        row.append(cell);
      }
      return row;
    });
    $("activity-table").tBodies[0].replaceChildren(...rows);
    $("activity-empty").hidden = rows.length > 0;
  } catch (error) {
    say(error.message);
  }
}

// Adding tokens

function showError(field, message) {
  $(`${field}-error`).textContent = message;
  const input = $(field);
  if (input) {
    input.setAttribute("aria-invalid", "true");
    input.focus();
  }
}

function clearErrors(form) {
  for (const error of form.querySelectorAll(".error")) error.textContent = "";
  for (const input of form.querySelectorAll("[aria-invalid]")) input.removeAttribute("aria-invalid");
}

function fieldOf(message) {
  const words = message.toLowerCase();
  if (words.includes("secret")) return "secret";
  if (words.startsWith("issuer")) return "issuer";
  if (words.includes("group")) return "group";
  if (words.includes("digit")) return "digits";
  if (words.includes("period") || words.includes("interval")) return "period";
  if (words.includes("algorithm") || words.includes("digest")) return "algorithm";
  if (words.startsWith("name")) return "name";
  return "fields";
}

async function create(body) {
  const group = $("group").value.trim();
  if (group && body.group === undefined) body.group = group;
  const answer = await api("POST", "/api/v1/tokens", body);
  say(`Added ${answer.data.name}.`);
  await refresh();
}

async function addFromUri(event) {
  event?.preventDefault();
  const form = $("add-uri");
  clearErrors(form);
  const uri = $("uri").value.trim();
  if (!uri) return showError("uri", "Paste an otpauth:// URI first.");
  try {
    await create({ uri });
    form.reset();
  } catch (error) {
    if (error.status !== 401) showError("uri", error.message);
  }
}

async function addFromFields(event) {
  event.preventDefault();
  const form = $("add-fields");
  clearErrors(form);
  const name = $("name").value.trim();
  const secret = $("secret").value.replace(/\s+/g, "");
  const period = Number($("period").value);
  if (!name) return showError("name", "Enter a name.");
  if (!secret) return showError("secret", "Enter the secret (base32, as the service showed it).");
  if (!Number.isInteger(period)) return showError("period", "Enter a whole number of seconds.");
  const body = {
    name,
    secret,
    digits: Number($("digits").value),
    period,
    algorithm: $("algorithm").value,
  };
  const issuer = $("issuer").value.trim();
  if (issuer) body.issuer = issuer;
  const group = $("group").value.trim();
  if (group) body.group = group;
  try {
    await create(body);
    form.reset();
  } catch (error) {
    if (error.status !== 401) showError(fieldOf(error.message), error.message);
  }
}

async function addFromImage(file) {
  const form = $("add-uri");
  clearErrors(form);
  if (!file || !file.type.startsWith("image/")) return showError("qr", "That is not an image.");
  say("Reading the QR code…");
  try {
    const answer = await api("POST", "/api/v1/qr/decode", file);
    $("uri").value = answer.data.text;
    say("");
    await addFromUri();
  } catch (error) {
    say("");
    if (error.status !== 401) showError("qr", error.message);
  }
}

function wireImageInput() {
  const drop = $("drop");
  drop.addEventListener("dragover", (event) => {
    event.preventDefault();
    drop.classList.add("over");
  });
  drop.addEventListener("dragleave", () => drop.classList.remove("over"));
  drop.addEventListener("drop", (event) => {
    event.preventDefault();
    drop.classList.remove("over");
    addFromImage(event.dataTransfer.files[0]);
  });
  document.addEventListener("dragover", (event) => event.preventDefault());
  document.addEventListener("drop", (event) => event.preventDefault());
  document.addEventListener("paste", (event) => {
    const item = [...event.clipboardData.items].find((i) => i.kind === "file" && i.type.startsWith("image/"));
    if (!item) return;
    event.preventDefault();
    addFromImage(item.getAsFile());
  });
  $("qr-file").addEventListener("change", (event) => {
    addFromImage(event.target.files[0]);
    event.target.value = "";
  });
}

// The API token

function askForToken(message) {
  state.locked = true;
  state.me = null;
  sessionStorage.removeItem(TOKEN_KEY);
  $("loading").hidden = true;
  $("tokens").hidden = true;
  $("add").hidden = true;
  $("activity").hidden = true;
  $("views").hidden = true;
  $("auth").hidden = false;
  $("api-token-error").textContent = message;
  $("api-token").focus();
}

function unlock() {
  if (!state.locked && state.unlocked) return;
  state.locked = false;
  state.unlocked = true;
  $("auth").hidden = true;
  showView(false);
}

async function useToken(event) {
  event.preventDefault();
  const token = $("api-token").value.trim();
  if (!token) {
    $("api-token-error").textContent = "Enter an API token.";
    return;
  }
  sessionStorage.setItem(TOKEN_KEY, token);
  $("api-token").value = "";
  $("api-token-error").textContent = "";
  await refresh();
}

// Status line

function say(message, kind = "") {
  const status = $("status");
  status.textContent = message;
  status.dataset.kind = kind;
}

$("auth-form").addEventListener("submit", useToken);
$("add-uri").addEventListener("submit", addFromUri);
$("add-fields").addEventListener("submit", addFromFields);
$("filter").addEventListener("input", applyFilter);
$("show-codes").addEventListener("click", () => showView(false));
$("show-activity").addEventListener("click", () => showView(true));
$("reload-activity").addEventListener("click", loadActivity);
wireImageInput();
setInterval(tick, TICK_MS);
refresh();
