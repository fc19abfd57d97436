/* Vraagbaak chat page: asks /v1/chat/stream, renders answers with numbered sources, shows passages, sends feedback.
   Plain JavaScript, no build step. All text from the server is inserted as text, never as HTML. */
"use strict";

const STORAGE_CONVERSATION = "vraagbaak.conversation";
const STORAGE_REGION = "vraagbaak.region";
const STORAGE_KEY = "vraagbaak-key"; /* the API key, for this browser tab only (sessionStorage) */
const UNREACHABLE = "Vraagbaak is op dit moment niet bereikbaar. Controleer uw verbinding en probeer het zo opnieuw.";

const state = {
  conversationId: sessionStorage.getItem(STORAGE_CONVERSATION),
  regionNames: { landelijk: "Landelijk" },
  busy: false,
  lastQuestion: null,
  lastTrigger: null,
};

const $ = (selector, root = document) => root.querySelector(selector);
const el = (tag, className, text) => {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined && text !== null) node.textContent = text;
  return node;
};

const log = $("#log");
const form = $("#composer");
const input = $("#question");
const sendButton = $("#send");
const regionSelect = $("#region");
const banner = $("#status");
const panel = $("#source-panel");
const scrim = $("#scrim");
const narrow = window.matchMedia("(max-width: 860px)");

/* -- small helpers ---------------------------------------------------------------------------------- */
function regionLabel(slug) {
  if (!slug) return "";
  if (slug === "landelijk") return "Landelijk";
  return state.regionNames[slug] || slug.split("-").map((w) => w.charAt(0).toUpperCase() + w.slice(1)).join(" ");
}

function where(citation) {
  const parts = [];
  if (citation.sheet) parts.push(`blad ${citation.sheet}`);
  if (citation.section && citation.section !== citation.sheet) parts.push(citation.section);
  if (citation.page) parts.push(`p. ${citation.page}`);
  if (citation.row) parts.push(`rij ${citation.row}`);
  return parts.join(", ");
}

function setConversation(id) {
  state.conversationId = id || null;
  if (id) sessionStorage.setItem(STORAGE_CONVERSATION, id);
  else sessionStorage.removeItem(STORAGE_CONVERSATION);
}

function showBanner(message, { retry = false, info = false } = {}) {
  banner.replaceChildren(el("p", null, message));
  banner.classList.toggle("info", info);
  if (retry) {
    const button = el("button", "button button-quiet button-small", "Opnieuw proberen");
    button.type = "button";
    button.addEventListener("click", () => {
      hideBanner();
      if (state.lastQuestion) ask(state.lastQuestion, { retry: true });
      else start();
    });
    banner.append(button);
  }
  banner.hidden = false;
}

function hideBanner() {
  banner.hidden = true;
  banner.replaceChildren();
}

function autoresize() {
  input.style.height = "auto";
  input.style.height = `${Math.min(input.scrollHeight, 200)}px`;
}

/* -- API key (when the server asks for one) ---------------------------------------------------------- */
const keyForm = $("#key-form");
const keyInput = $("#api-key");
const keyStatus = $("#key-status");
const logoutButton = $("#logout");

function apiFetch(url, options = {}) {
  const key = sessionStorage.getItem(STORAGE_KEY);
  const headers = { ...(options.headers || {}) };
  if (key) headers.Authorization = `Bearer ${key}`;
  return fetch(url, { ...options, headers });
}

function askForKey(message) {
  keyStatus.textContent = message || "";
  keyForm.hidden = false;
  logoutButton.hidden = true;
  keyInput.focus();
}

async function checkAccess() {
  /* true when questions may be asked: open mode, or auth with an accepted key */
  const response = await apiFetch("/health");
  if (!response.ok) throw new Error(String(response.status));
  const health = await response.json();
  if (!health.auth || !health.auth.enabled) return true;
  if (health.auth.role) {
    keyForm.hidden = true;
    logoutButton.hidden = false;
    return true;
  }
  const hadKey = Boolean(sessionStorage.getItem(STORAGE_KEY));
  sessionStorage.removeItem(STORAGE_KEY);
  askForKey(hadKey ? "Deze sleutel wordt niet (meer) geaccepteerd. Vraag uw beheerder om een nieuwe." : "");
  return false;
}

async function start() {
  try {
    if (!(await checkAccess())) return;
  } catch {
    showBanner(UNREACHABLE, { retry: true });
    return;
  }
  await loadRegions();
  await restoreConversation();
}

keyForm.addEventListener("submit", (event) => {
  event.preventDefault();
  const key = keyInput.value.trim();
  if (!key) return;
  sessionStorage.setItem(STORAGE_KEY, key);
  keyInput.value = "";
  start();
});
logoutButton.addEventListener("click", () => {
  sessionStorage.removeItem(STORAGE_KEY);
  startOver();
  regionSelect.replaceChildren(new Option("Alle regio’s", ""));
  askForKey("U bent afgemeld.");
});

/* -- regions ---------------------------------------------------------------------------------------- */
async function loadRegions() {
  try {
    const response = await apiFetch("/v1/regions");
    if (response.status === 401) {
      askForKey("Meld u opnieuw aan met uw sleutel.");
      return;
    }
    if (!response.ok) throw new Error(String(response.status));
    const { regions } = await response.json();
    const saved = localStorage.getItem(STORAGE_REGION) || "";
    regionSelect.replaceChildren(new Option("Alle regio’s", ""));
    for (const region of regions) {
      state.regionNames[region.slug] = region.name;
      const label = region.slug === "landelijk" ? "Alleen landelijke documenten" : region.name;
      regionSelect.append(new Option(label, region.slug));
    }
    regionSelect.value = regions.some((r) => r.slug === saved) ? saved : "";
    hideBanner();
  } catch {
    showBanner(UNREACHABLE, { retry: true });
  }
}

/* -- Server-Sent Events over fetch (EventSource cannot POST) ----------------------------------------- */
async function readEvents(response, onEvent) {
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += decoder.decode(value, { stream: true });
    let cut;
    while ((cut = buffer.indexOf("\n\n")) >= 0) {
      const block = buffer.slice(0, cut);
      buffer = buffer.slice(cut + 2);
      let event = "message";
      const data = [];
      for (const line of block.split("\n")) {
        if (line.startsWith("event:")) event = line.slice(6).trim();
        else if (line.startsWith("data:")) data.push(line.slice(5).trimStart());
      }
      if (data.length) onEvent(event, JSON.parse(data.join("\n")));
    }
  }
}

/* -- rendering an answer ---------------------------------------------------------------------------- */
function visibleAnswer(text) {
  // The sources are shown as cards below the answer; the plain-text "Bronnen:" list is left out.
  const cut = text.indexOf("\n\nBron");
  return (cut >= 0 ? text.slice(0, cut) : text).trim();
}

function withCitations(text, turn) {
  const fragment = document.createDocumentFragment();
  const citations = turn.citations || [];
  let last = 0;
  for (const match of text.matchAll(/\[(\d+)\]/g)) {
    const n = Number(match[1]);
    const citation = citations.find((c) => c.n === n);
    if (!citation) continue;
    fragment.append(text.slice(last, match.index));
    const button = el("button", "cite", String(n));
    button.type = "button";
    button.dataset.n = String(n);
    button.setAttribute("aria-label", `Bron ${n}: ${citation.title}`);
    button.setAttribute("aria-expanded", "false");
    button.addEventListener("click", () => openSource(turn, n, button));
    fragment.append(button);
    last = match.index + match[0].length;
  }
  fragment.append(text.slice(last));
  return fragment;
}

function renderBody(turn, text) {
  const body = $(".answer-body", turn.node);
  const shown = visibleAnswer(text);
  const nodes = [];
  let list = null;
  const lines = shown.split("\n").filter((line) => line.trim());
  lines.forEach((line, index) => {
    if (line.startsWith("- ")) {
      if (!list) {
        list = el("ul");
        nodes.push(list);
      }
      const item = el("li");
      item.append(withCitations(line.slice(2), turn));
      list.append(item);
      return;
    }
    list = null;
    const paragraph = el("p");
    if (turn.answered === false && index === 0) {
      const first = line.match(/^(.*?\.)\s*(.*)$/);
      paragraph.append(el("span", "notice-title", first ? first[1] : line));
      if (first && first[2]) paragraph.append(" ", first[2]);
    } else {
      paragraph.append(withCitations(line, turn));
    }
    nodes.push(paragraph);
  });
  body.replaceChildren(...nodes);
}

function renderSearched(turn, data) {
  const line = $(".searched", turn.node);
  // A follow-up spelled out in full, and/or typing errors corrected: show what was searched.
  const searched = data.corrected_question || data.standalone_question;
  const rewritten = searched && searched !== data.question;
  if (!rewritten && !data.rewrite_note) {
    line.hidden = true;
    return;
  }
  const content = el("span");
  if (rewritten) {
    content.append("Gezocht naar: ", el("strong", null, searched));
  }
  if (data.rewrite_note) content.append(el("span", "note", data.rewrite_note));
  line.replaceChildren(content);
  line.hidden = false;
}

function renderCitations(turn) {
  const section = $(".citations", turn.node);
  const list = $(".citation-list", turn.node);
  list.replaceChildren();
  for (const citation of turn.citations) {
    const item = el("li");
    const button = el("button", "citation");
    button.type = "button";
    button.dataset.n = String(citation.n);
    button.setAttribute("aria-expanded", "false");
    button.setAttribute("aria-label", `Bron ${citation.n} openen: ${citation.title}`);
    const publisher = citation.publisher === "onbekend" ? "uitgever onbekend" : citation.publisher;
    const meta = [publisher, regionLabel(citation.scope), citation.date_label || citation.date, where(citation)]
      .filter(Boolean).join(" · ");
    const text = el("span");
    text.append(el("span", "citation-title", citation.title), el("span", "citation-meta", meta));
    button.append(el("span", "citation-n", String(citation.n)), text);
    button.addEventListener("click", () => openSource(turn, citation.n, button));
    item.append(button);
    list.append(item);
  }
  section.hidden = turn.citations.length === 0;
}

function finish(turn, data) {
  turn.answered = data.answered;
  turn.citations = data.citations || [];
  turn.answerId = data.answer_id;
  const article = $(".answer", turn.node);
  article.classList.toggle("not-answered", data.answered === false);
  renderSearched(turn, data);
  renderBody(turn, data.answer || "");
  renderCitations(turn);
  article.dataset.state = "done";
  article.dataset.answerId = data.answer_id || "";
  article.setAttribute("aria-busy", "false");
  if (data.answer_id) $(".feedback", turn.node).hidden = false;
}

function fail(turn, message) {
  const article = $(".answer", turn.node);
  article.classList.add("failed");
  article.dataset.state = "error";
  article.setAttribute("aria-busy", "false");
  const body = $(".answer-body", turn.node);
  body.replaceChildren(el("p", "error-title", message));
}

/* -- a turn ----------------------------------------------------------------------------------------- */
function newTurn(question) {
  const node = $("#turn-template").content.firstElementChild.cloneNode(true);
  $(".question-text", node).textContent = question;
  const turn = { node, question, citations: [], answered: null, answerId: null };
  setupFeedback(turn);
  $("#welcome").hidden = true;
  log.append(node);
  node.scrollIntoView({ block: "start", behavior: "smooth" });
  return turn;
}

async function ask(question, { retry = false } = {}) {
  if (state.busy || !question.trim()) return;
  state.busy = true;
  state.lastQuestion = question;
  sendButton.disabled = true;
  if (retry) log.lastElementChild?.remove();
  hideBanner();
  const turn = newTurn(question);
  try {
    await streamAnswer(turn, question, true);
    reveal(turn);
  } finally {
    state.busy = false;
    sendButton.disabled = false;
    input.focus();
  }
}

function reveal(turn) {
  // Show the question and the start of its answer when the answer grew below the question box.
  const answer = $(".answer", turn.node).getBoundingClientRect();
  if (answer.bottom > form.getBoundingClientRect().top) {
    turn.node.scrollIntoView({ block: "start", behavior: "smooth" });
  }
}

async function streamAnswer(turn, question, mayRestart) {
  const body = { message: question, conversation_id: state.conversationId, region: regionSelect.value || null };
  let response;
  try {
    response = await apiFetch("/v1/chat/stream", {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "text/event-stream" },
      body: JSON.stringify(body),
    });
  } catch {
    fail(turn, "Geen verbinding met Vraagbaak.");
    showBanner(UNREACHABLE, { retry: true });
    return;
  }
  if (!response.ok) {
    const error = await response.json().catch(() => null);
    if (response.status === 401) {
      sessionStorage.removeItem(STORAGE_KEY);
      askForKey("Uw sleutel wordt niet (meer) geaccepteerd. Meld u opnieuw aan en stel de vraag nog eens.");
    }
    if (response.status === 404 && state.conversationId && mayRestart) {
      setConversation(null);
      showBanner("Het vorige gesprek is verlopen. Uw vraag is in een nieuw gesprek gesteld.", { info: true });
      await streamAnswer(turn, question, false);
      return;
    }
    if (response.status >= 500 || !error) {
      fail(turn, "Vraagbaak kon deze vraag nu niet beantwoorden.");
      showBanner(error?.detail || UNREACHABLE, { retry: true });
      return;
    }
    fail(turn, error.detail);
    return;
  }
  let text = "";
  let done = false;
  try {
    await readEvents(response, (event, data) => {
      if (event === "citations") {
        setConversation(data.conversation_id);
        turn.citations = data.citations || [];
        turn.answered = data.answered;
        renderSearched(turn, data);
        renderCitations(turn);
        $(".answer", turn.node).classList.toggle("not-answered", data.answered === false);
      } else if (event === "answer") {
        text += data.text;
        renderBody(turn, text);
      } else if (event === "done") {
        done = true;
        finish(turn, data);
      }
    });
  } catch {
    /* handled below: the stream ended early */
  }
  if (!done) {
    fail(turn, "De verbinding werd onderbroken voordat het antwoord compleet was.");
    showBanner(UNREACHABLE, { retry: true });
  }
}

/* -- the source panel ------------------------------------------------------------------------------- */
function quoteRanges(text, quote) {
  const pattern = (part) => new RegExp(part.trim().split(/\s+/).map((w) => w.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join("\\s+"));
  const whole = text.match(pattern(quote));
  if (whole) return [[whole.index, whole.index + whole[0].length]];
  const ranges = [];
  for (const sentence of quote.split(/(?<=[.!?])\s+/)) {
    if (sentence.trim().length < 8) continue;
    const match = text.match(pattern(sentence));
    if (match) ranges.push([match.index, match.index + match[0].length]);
  }
  return ranges.sort((a, b) => a[0] - b[0]);
}

function renderPassage(container, text, quote) {
  const nodes = [];
  let last = 0;
  for (const [start, end] of quoteRanges(text, quote)) {
    if (start < last) continue;
    nodes.push(document.createTextNode(text.slice(last, start)), el("mark", null, text.slice(start, end)));
    last = end;
  }
  nodes.push(document.createTextNode(text.slice(last)));
  container.replaceChildren(...nodes);
}

function openSource(turn, n, trigger) {
  const citation = turn.citations.find((c) => c.n === n);
  if (!citation) return;
  document.querySelectorAll('.cite[aria-expanded="true"], .citation[aria-expanded="true"]')
    .forEach((b) => b.setAttribute("aria-expanded", "false"));
  turn.node.querySelectorAll(`[data-n="${n}"]`).forEach((b) => b.setAttribute("aria-expanded", "true"));
  state.lastTrigger = trigger;

  const article = $("#source");
  $("#source-heading").textContent = `Bron ${n} van ${turn.citations.length}`;
  $(".source-title", article).textContent = citation.title;
  const meta = $(".source-meta", article);
  meta.replaceChildren();
  const rows = [
    ["Organisatie", citation.publisher],
    ["Regio", regionLabel(citation.scope)],
    ["Datum", citation.date_label || citation.date],
    ["Vindplaats", where(citation)],
    ["Soort", citation.doc_type],
    ["Versie", citation.version ? citation.version + (citation.superseded_by ? " (vervangen door een nieuwere versie)" : "") : ""],
  ];
  for (const [label, value] of rows) {
    if (!value) continue;
    meta.append(el("dt", null, label), el("dd", null, String(value)));
  }
  const parts = (citation.passage_ids || []).length;
  $(".passage-heading", article).textContent = parts > 1 ? `Uit de bron (${parts} delen)` : "Passage";
  renderPassage($(".passage", article), citation.text, citation.quote);
  const link = $(".source-link", article);
  link.hidden = !citation.url;
  if (citation.url) $("a", link).href = citation.url;
  $("#source-empty").hidden = true;
  article.hidden = false;

  if (narrow.matches) {
    panel.classList.add("open");
    panel.setAttribute("role", "dialog");
    panel.setAttribute("aria-modal", "true");
    scrim.hidden = false;
    $("#close-source").focus();
  } else {
    panel.focus({ preventScroll: true });
  }
  // Start at the document's title; scroll only as far as needed to show the highlighted quote.
  panel.scrollTop = 0;
  const mark = $(".passage mark", article);
  if (mark) {
    const view = panel.getBoundingClientRect();
    const box = mark.getBoundingClientRect();
    if (box.bottom > view.bottom - 16) panel.scrollTop += Math.min(box.top - view.top - 72, box.bottom - view.bottom + 48);
  }
}

function closeSource() {
  if (!panel.classList.contains("open")) return;
  panel.classList.remove("open");
  panel.removeAttribute("role");
  panel.removeAttribute("aria-modal");
  scrim.hidden = true;
  state.lastTrigger?.focus();
}

/* -- feedback --------------------------------------------------------------------------------------- */
function setupFeedback(turn) {
  const box = $(".feedback", turn.node);
  const feedbackForm = $(".feedback-form", box);
  const status = $(".feedback-status", box);
  let rating = null;
  box.querySelectorAll(".thumb").forEach((thumb) => {
    thumb.addEventListener("click", () => {
      rating = thumb.dataset.rating;
      box.querySelectorAll(".thumb").forEach((t) => t.setAttribute("aria-pressed", String(t === thumb)));
      feedbackForm.hidden = false;
      status.textContent = "";
      $("textarea", feedbackForm).focus();
    });
  });
  $(".feedback-cancel", feedbackForm).addEventListener("click", () => {
    rating = null;
    feedbackForm.hidden = true;
    box.querySelectorAll(".thumb").forEach((t) => t.setAttribute("aria-pressed", "false"));
  });
  feedbackForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!rating || !turn.answerId) return;
    const submit = $("button[type=submit]", feedbackForm);
    submit.disabled = true;
    status.className = "feedback-status";
    try {
      const response = await apiFetch("/v1/feedback", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ answer_id: turn.answerId, rating, comment: $("textarea", feedbackForm).value }),
      });
      const body = await response.json().catch(() => null);
      if (!response.ok) throw new Error(body?.detail || "De beoordeling kon niet worden opgeslagen.");
      feedbackForm.hidden = true;
      box.querySelectorAll(".thumb").forEach((t) => { t.disabled = true; });
      status.classList.add("ok");
      status.textContent = "Bedankt! Uw beoordeling is opgeslagen.";
    } catch (error) {
      status.classList.add("error");
      status.textContent = error instanceof TypeError ? UNREACHABLE : error.message;
    } finally {
      submit.disabled = false;
    }
  });
}

/* -- an earlier conversation (after a reload) ------------------------------------------------------- */
async function restoreConversation() {
  if (!state.conversationId) return;
  try {
    const response = await apiFetch(`/v1/conversations/${encodeURIComponent(state.conversationId)}`);
    if (response.status === 404) {
      setConversation(null);
      return;
    }
    if (!response.ok) return;
    const conversation = await response.json();
    for (const t of conversation.turns) {
      const turn = newTurn(t.question);
      finish(turn, { ...t, rewrite_note: "" });
    }
  } catch {
    /* the regions request shows the banner when the service is unreachable */
  }
}

function startOver() {
  setConversation(null);
  log.replaceChildren();
  $("#welcome").hidden = false;
  $("#source").hidden = true;
  $("#source-empty").hidden = false;
  $("#source-heading").textContent = "Bron";
  closeSource();
  hideBanner();
  input.value = "";
  autoresize();
  input.focus();
}

/* -- wiring ----------------------------------------------------------------------------------------- */
form.addEventListener("submit", (event) => {
  event.preventDefault();
  const question = input.value.trim();
  if (!question || state.busy) return;
  input.value = "";
  autoresize();
  ask(question);
});
input.addEventListener("keydown", (event) => {
  if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
    event.preventDefault();
    form.requestSubmit();
  }
});
input.addEventListener("input", autoresize);
document.querySelectorAll(".example").forEach((button) => {
  button.addEventListener("click", () => ask(button.textContent.trim()));
});
regionSelect.addEventListener("change", () => localStorage.setItem(STORAGE_REGION, regionSelect.value));
$("#new-conversation").addEventListener("click", startOver);
$("#close-source").addEventListener("click", closeSource);
scrim.addEventListener("click", closeSource);
document.addEventListener("keydown", (event) => {
  if (event.key !== "Escape") return;
  if (panel.classList.contains("open")) closeSource();
  else if (panel.contains(document.activeElement)) state.lastTrigger?.focus();
});

start();
