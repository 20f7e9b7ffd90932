// Grenier console: the small script layer (no framework, no inline code: the CSP forbids it).
// Uploads (multipart with progress, retries and resume), JSON editors, copy buttons,
// confirmations, select-all, quick-look errors. Every page works without it except upload.
"use strict";

const PART_SIZE = 8 * 1024 * 1024; // S3 parts must be >= 5 MiB (but the last)
const PARALLEL = 3;
const ATTEMPTS = 4;

function csrf() {
  const meta = document.querySelector('meta[name="csrf-token"]');
  return meta ? meta.content : "";
}

function api(method, url, body, headers) {
  const init = { method, headers: Object.assign({ "X-CSRF-Token": csrf() }, headers || {}), credentials: "same-origin" };
  if (body !== undefined) init.body = body;
  return fetch(url, init).then(async (resp) => {
    const data = await resp.json().catch(() => ({}));
    if (!resp.ok) throw new Error(data.error || `HTTP ${resp.status}`);
    return data;
  });
}

function json(method, url, doc) {
  return api(method, url, JSON.stringify(doc), { "Content-Type": "application/json" });
}

// One PUT with upload progress (fetch has none): resolves with the JSON answer.
function putWithProgress(url, blob, contentType, onProgress) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open("PUT", url);
    xhr.setRequestHeader("X-CSRF-Token", csrf());
    if (contentType) xhr.setRequestHeader("Content-Type", contentType);
    xhr.upload.onprogress = (e) => onProgress(e.loaded);
    xhr.onload = () => {
      let data = {};
      try { data = JSON.parse(xhr.responseText); } catch (e) { /* not JSON */ }
      if (xhr.status >= 200 && xhr.status < 300) resolve(data);
      else reject(new Error(data.error || `HTTP ${xhr.status}`));
    };
    xhr.onerror = () => reject(new Error("network error"));
    xhr.send(blob);
  });
}

async function retrying(work) {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (err) {
      if (attempt >= ATTEMPTS || /denied|Forbidden|CSRF/i.test(err.message)) throw err;
      await new Promise((r) => setTimeout(r, 300 * 2 ** attempt));
    }
  }
}

class Upload {
  constructor(section, file) {
    this.bucket = section.dataset.bucket;
    this.key = section.dataset.prefix + file.name;
    this.file = file;
    this.base = `/api/upload/${encodeURIComponent(this.bucket)}`;
    this.q = `key=${encodeURIComponent(this.key)}`;
    this.loaded = new Map();
    this.row = document.createElement("li");
    this.label = document.createElement("span");
    this.bar = document.createElement("progress");
    this.bar.max = file.size || 1;
    this.bar.value = 0;
    this.bar.setAttribute("aria-label", `Upload of ${this.key}`);
    this.status = document.createElement("span");
    this.label.textContent = this.key;
    this.row.append(this.label, this.bar, this.status);
    document.getElementById("progress").append(this.row);
    this.memo = `grenier-upload:${this.bucket}:${this.key}:${file.size}:${file.lastModified}`;
  }

  progress(part, bytes) {
    this.loaded.set(part, bytes);
    let total = 0;
    for (const v of this.loaded.values()) total += v;
    this.bar.value = total;
  }

  say(text) { this.status.textContent = text; }

  async run() {
    try {
      if (this.file.size <= PART_SIZE) {
        await retrying(() => putWithProgress(`${this.base}/object?${this.q}`, this.file,
          this.file.type || "application/octet-stream", (n) => this.progress(1, n)));
      } else {
        await this.multipart();
      }
      this.bar.value = this.bar.max;
      this.say("done");
      this.row.classList.add("done");
      return true;
    } catch (err) {
      this.say(`failed: ${err.message}. Choose the same file again to resume.`);
      this.row.classList.add("failed");
      return false;
    }
  }

  async resumable() {
    const uploadId = localStorage.getItem(this.memo);
    if (!uploadId) return null;
    try {
      const found = await api("GET", `${this.base}/parts?${this.q}&uploadId=${encodeURIComponent(uploadId)}`);
      return { uploadId, parts: found.parts };
    } catch (err) {
      localStorage.removeItem(this.memo);
      return null;
    }
  }

  async multipart() {
    const count = Math.ceil(this.file.size / PART_SIZE);
    let state = await this.resumable();
    const etags = new Map();
    if (state) {
      for (const p of state.parts) {
        const expected = Math.min(PART_SIZE, this.file.size - (p.partNumber - 1) * PART_SIZE);
        if (p.partNumber <= count && p.size === expected) {
          etags.set(p.partNumber, p.etag);
          this.progress(p.partNumber, p.size);
        }
      }
      this.say(`resuming (${etags.size} of ${count} parts already there)`);
    } else {
      const created = await json("POST", `${this.base}/create`, { key: this.key, contentType: this.file.type || "" });
      state = { uploadId: created.uploadId, parts: [] };
      localStorage.setItem(this.memo, state.uploadId);
    }
    const uploadId = state.uploadId;
    const todo = [];
    for (let n = 1; n <= count; n++) if (!etags.has(n)) todo.push(n);
    const worker = async () => {
      while (todo.length) {
        const n = todo.shift();
        const blob = this.file.slice((n - 1) * PART_SIZE, Math.min(n * PART_SIZE, this.file.size));
        const url = `${this.base}/part?${this.q}&uploadId=${encodeURIComponent(uploadId)}&partNumber=${n}`;
        const done = await retrying(() => putWithProgress(url, blob, "application/octet-stream", (b) => this.progress(n, b)));
        etags.set(n, done.etag);
        this.say(`${etags.size} of ${count} parts`);
      }
    };
    await Promise.all(Array.from({ length: Math.min(PARALLEL, todo.length || 1) }, worker));
    const parts = Array.from(etags.entries()).sort((a, b) => a[0] - b[0]).map(([partNumber, etag]) => ({ partNumber, etag }));
    await json("POST", `${this.base}/complete`, { key: this.key, uploadId, parts });
    localStorage.removeItem(this.memo);
  }
}

async function uploadAll(section, files) {
  const uploads = Array.from(files).map((f) => new Upload(section, f));
  const results = [];
  for (const u of uploads) results.push(await u.run());
  const summary = document.createElement("li");
  const ok = results.filter(Boolean).length;
  summary.textContent = `${ok} of ${results.length} uploaded. `;
  const again = document.createElement("a");
  again.href = window.location.pathname + window.location.search;
  again.textContent = "Refresh the listing";
  summary.append(again);
  summary.className = "summary";
  document.getElementById("progress").append(summary);
}

function setupUpload() {
  const section = document.querySelector("section.upload");
  if (!section) return;
  const input = document.getElementById("files");
  const zone = document.getElementById("dropzone");
  input.addEventListener("change", () => { if (input.files.length) uploadAll(section, input.files); });
  zone.addEventListener("dragover", (e) => { e.preventDefault(); zone.classList.add("over"); });
  zone.addEventListener("dragleave", () => zone.classList.remove("over"));
  zone.addEventListener("drop", (e) => {
    e.preventDefault();
    zone.classList.remove("over");
    if (e.dataTransfer && e.dataTransfer.files.length) uploadAll(section, e.dataTransfer.files);
  });
}

function setupJsonEditors() {
  for (const area of document.querySelectorAll("textarea.json")) {
    const status = document.getElementById(area.getAttribute("aria-describedby"));
    const button = area.form.querySelector('button[type="submit"]');
    const check = () => {
      const text = area.value.trim();
      let problem = "";
      if (text) {
        try {
          const doc = JSON.parse(text);
          const want = area.dataset.json;
          if (want === "array" && !Array.isArray(doc)) problem = "expected a JSON list [...]";
          if (want === "object" && (Array.isArray(doc) || typeof doc !== "object" || doc === null)) problem = "expected a JSON object {...}";
        } catch (err) {
          problem = err.message;
        }
      }
      area.setAttribute("aria-invalid", problem ? "true" : "false");
      if (status) {
        status.textContent = problem ? `Invalid: ${problem}` : (text ? "Valid JSON" : "");
        status.className = `json-status ${problem ? "bad" : "good"}`;
      }
      if (button) button.disabled = Boolean(problem);
    };
    area.addEventListener("input", check);
    check();
  }
}

function setupCopy() {
  for (const button of document.querySelectorAll("button[data-copy]")) {
    button.addEventListener("click", async () => {
      const target = document.getElementById(button.dataset.copy);
      const text = target.value !== undefined ? target.value : target.textContent;
      try {
        await navigator.clipboard.writeText(text);
      } catch (err) {
        if (target.select) target.select();
      }
      button.textContent = "Copied";
    });
  }
}

function setupConfirm() {
  document.addEventListener("submit", (e) => {
    const button = e.submitter;
    if (button && button.dataset.confirm && !window.confirm(button.dataset.confirm)) e.preventDefault();
  });
}

function setupSelectAll() {
  const all = document.getElementById("select-all");
  if (!all) return;
  all.addEventListener("change", () => {
    for (const box of all.form.querySelectorAll('input[name="key"]')) box.checked = all.checked;
  });
}

function setupQuicklook() {
  const img = document.getElementById("quicklook");
  if (!img) return;
  const failed = async () => {
    const status = document.getElementById("quicklook-status");
    try {
      const resp = await fetch(img.src, { credentials: "same-origin" });
      status.textContent = await resp.text();
    } catch (err) {
      status.textContent = "The quick-look could not be made.";
    }
    status.classList.add("flash", "error");
    img.hidden = true;
  };
  img.addEventListener("error", failed);
  if (img.complete && img.naturalWidth === 0) failed();
}

document.addEventListener("DOMContentLoaded", () => {
  setupUpload();
  setupJsonEditors();
  setupCopy();
  setupConfirm();
  setupSelectAll();
  setupQuicklook();
});
