// The upload page: send a document with its metadata, follow its indexing job, list and delete documents.
// With a key in sessionStorage ("vraagbaak-key") every request carries it as a Bearer token.
"use strict";

const $ = (id) => document.getElementById(id);
const JOB_LABELS = { queued: "In de wachtrij", running: "Bezig met indexeren", done: "Klaar", failed: "Mislukt" };

function headers() {
  const key = sessionStorage.getItem("vraagbaak-key");
  return key ? { Authorization: `Bearer ${key}` } : {};
}

async function api(path, options = {}) {
  let response;
  try {
    response = await fetch(path, { ...options, headers: { ...headers(), ...(options.headers || {}) } });
  } catch {
    throw new Error("Vraagbaak is niet bereikbaar. Controleer de verbinding en probeer het opnieuw.");
  }
  const body = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(body.detail || `Fout ${response.status}`);
  return body;
}

function showStatus(message, kind = "error") {
  const banner = $("status");
  banner.textContent = message;
  banner.className = kind === "info" ? "banner info" : "banner";
  banner.hidden = !message;
}

function fillSelect(select, values, chosen) {
  select.replaceChildren(...values.map((value) => new Option(value, value, value === chosen, value === chosen)));
}

async function loadOptions() {
  const options = await api("/v1/upload-options");
  fillSelect($("scope"), options.scopes, options.scopes[0]);
  fillSelect($("doc_type"), options.doc_types, "document");
  $("max-mb").textContent = options.max_megabytes;
}

function cell(text, className) {
  const td = document.createElement("td");
  td.textContent = text ?? "";
  if (className) td.className = className;
  return td;
}

async function loadDocuments() {
  const { documents } = await api("/v1/documents");
  const rows = documents.map((doc) => {
    const tr = document.createElement("tr");
    tr.dataset.id = doc.id;
    const title = cell(doc.title);
    const id = document.createElement("div");
    id.className = "id";
    id.textContent = doc.id;
    title.append(id);
    const remove = document.createElement("button");
    remove.type = "button";
    remove.className = "button button-quiet button-small";
    remove.textContent = "Verwijderen";
    remove.setAttribute("aria-label", `${doc.title} verwijderen`);
    remove.addEventListener("click", () => removeDocument(doc));
    const actions = cell("");
    actions.append(remove);
    tr.append(title, cell(doc.scope), cell(doc.doc_type), cell(doc.date), cell(String(doc.passages), "passages"),
      cell(doc.job ? JOB_LABELS[doc.job.status] : "", "status"), actions);
    return tr;
  });
  $("documents").replaceChildren(...rows);
  $("no-documents").hidden = rows.length > 0;
}

async function removeDocument(doc) {
  if (!window.confirm(`'${doc.title}' verwijderen uit Vraagbaak?`)) return;
  try {
    const result = await api(`/v1/documents/${encodeURIComponent(doc.id)}`, { method: "DELETE" });
    showStatus(`'${doc.title}' is verwijderd (${result.passages_removed} passages).`, "info");
    await loadDocuments();
  } catch (error) {
    showStatus(error.message);
  }
}

function showJob(job) {
  $("job-section").hidden = false;
  const line = $("job");
  line.dataset.status = job.status;
  line.textContent = job.message;
  line.title = JOB_LABELS[job.status];
  $("job-errors").replaceChildren(...job.errors.map((e) => {
    const li = document.createElement("li");
    li.textContent = `${e.file}: ${e.reason}`;
    return li;
  }));
}

async function followJob(jobId) {
  for (;;) {
    const job = await api(`/v1/jobs/${encodeURIComponent(jobId)}`);
    showJob(job);
    if (job.status === "done" || job.status === "failed") return job;
    await new Promise((resolve) => setTimeout(resolve, 700));
  }
}

async function submit(event) {
  event.preventDefault();
  const file = $("file").files[0];
  if (!file) return showStatus("Kies een bestand.");
  if (!$("title").value.trim()) return showStatus("Geef het document een titel.");
  const form = new FormData();
  form.append("file", file);
  for (const name of ["title", "scope", "doc_type", "date", "publisher", "supersedes"]) {
    const value = $(name).value.trim();
    if (value) form.append(name, value);
  }
  $("submit").disabled = true;
  showStatus("");
  try {
    const { job } = await api("/v1/documents", { method: "POST", body: form });
    showJob(job);
    await loadDocuments();
    const finished = await followJob(job.id);
    await loadDocuments();
    if (finished.status === "done") $("upload-form").reset();
  } catch (error) {
    showStatus(error.message);
  } finally {
    $("submit").disabled = false;
  }
}

document.addEventListener("DOMContentLoaded", async () => {
  $("upload-form").addEventListener("submit", submit);
  try {
    await loadOptions();
    await loadDocuments();
  } catch (error) {
    showStatus(error.message);
  }
});
