"use strict";
// Lifeboat's dashboard: plain DOM, no framework. Every text from the server goes in through textContent, never as HTML.
(() => {
  const view = document.getElementById("view");
  const statusLine = document.getElementById("status");
  let session = null;

  function el(tag, attrs, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === null || v === undefined || v === false) continue;
      if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
      else if (k === "dataset") Object.assign(e.dataset, v);
      else e.setAttribute(k, v === true ? "" : v);
    }
    for (const c of children.flat()) if (c !== null && c !== undefined && c !== false) e.append(c instanceof Node ? c : String(c));
    return e;
  }

  function say(text, isError) {
    statusLine.textContent = text || "";
    statusLine.className = isError ? "error" : "";
  }

  async function api(path, options) {
    const response = await fetch(path, Object.assign({ credentials: "same-origin", headers: {} }, options));
    const body = await response.json().catch(() => ({}));
    if (response.status === 401 && path !== "/api/login") { session = null; await start(); throw new Error("log in first"); }
    if (!response.ok) throw new Error(body.error || response.statusText);
    return body;
  }

  async function post(path, data) {
    return api(path, { method: "POST", headers: { "Content-Type": "application/json", "X-Lifeboat-CSRF": session.csrf }, body: JSON.stringify(data || {}) });
  }

  const statusWords = { pass: "OK", warn: "Attention", fail: "Failing", skip: "Not checked" };
  function badge(status) { return el("span", { class: "badge", dataset: { status } }, statusWords[status] || status); }

  function size(bytes) {
    if (bytes === undefined || bytes === null) return "";
    const units = ["B", "KiB", "MiB", "GiB", "TiB"];
    let n = bytes, i = 0;
    while (n >= 1024 && i < units.length - 1) { n /= 1024; i++; }
    return (i === 0 ? n : n.toFixed(n < 10 ? 2 : 1)) + " " + units[i];
  }
  function when(iso) { return iso ? new Date(iso).toLocaleString() : ""; }

  // ---- login ----
  function showLogin(message) {
    document.getElementById("nav").hidden = true;
    const input = el("input", { type: "password", id: "password", name: "password", autocomplete: "current-password", required: true });
    const form = el("form", { class: "login", "aria-labelledby": "login-title" },
      el("h2", { id: "login-title" }, "Log in"),
      el("label", { for: "password" }, "Dashboard password"), input,
      el("button", { type: "submit" }, "Log in"));
    form.addEventListener("submit", async ev => {
      ev.preventDefault();
      try {
        session = await post("/api/login", { password: input.value });
        route();
      } catch (e) { say(e.message, true); input.select(); }
    });
    view.replaceChildren(form);
    say(message || "");
    input.focus();
  }

  // ---- overview ----
  async function showOverview() {
    say("Checking the stack…");
    const data = await api("/api/overview");
    const cards = el("div", { class: "cards" }, data.apps.map(appCard));
    const checklist = el("ul", { class: "checklist", id: "checklist" }, data.doctor.items.map(item =>
      el("li", { dataset: { check: item.check, status: item.status } }, badge(item.status),
        el("div", null, el("strong", null, item.label + ": "), item.reason, item.fix ? el("span", { class: "fix" }, "Fix: " + item.fix) : null))));
    view.replaceChildren(...[
      el("h2", null, "Apps"),
      data.configError ? el("p", { class: "error" }, data.configError) : null,
      cards,
      el("h2", null, "Checklist ", badge(data.doctor.status)),
      el("p", { class: "detail" }, "The same items as lifeboat doctor, for " + data.config),
      checklist].filter(Boolean));
    say("");
  }

  function row(name, check, part, ...lines) {
    return [el("dt", null, name), el("dd", { dataset: { check, status: part && part.status || "" } },
      part && part.status ? badge(part.status) : null, " ", ...lines,
      part && part.reason ? el("span", { class: "detail" }, part.reason) : null,
      part && part.fix && part.status !== "pass" ? el("span", { class: "fix" }, "Fix: " + part.fix) : null)];
  }

  const outcomeWords = { ok: "complete", partial: "partial", failed: "failed" };

  function appCard(app) {
    const b = app.backup, t = app.restoreTest, n = app.nextBackup, c = app.containers;
    const backupText = b.time
      ? [(outcomeWords[b.outcome] || "snapshot") + ", " + b.age + " ago", el("span", { class: "detail" },
          [b.files !== undefined ? b.files + " files" : null, b.bytesAdded !== undefined ? size(b.bytesAdded) + " added" : null, b.snapshot ? "snapshot " + b.snapshot : null].filter(Boolean).join(", "))]
      : ["never"];
    const testText = t.time ? [(t.passed ? "passed" : "failed") + ", " + t.age + " ago"] : ["never tested"];
    const nextText = n.time ? [when(n.time) + " (in " + n.in + ")", el("span", { class: "detail" }, n.job)] : [n.none];
    const containerText = c.items.length
      ? c.items.map(i => el("span", { class: "container", dataset: { state: i.state } }, i.name + " (" + i.state + ") "))
      : [c.unreachable ? "Docker: " + c.unreachable : (c.status ? "" : "none named")];
    return el("article", { class: "card", dataset: { app: app.name, status: app.status }, "aria-labelledby": "app-" + app.name },
      el("h3", { id: "app-" + app.name }, app.name, badge(app.status)),
      el("dl", null,
        row("Last backup", "backup", b, ...backupText),
        row("Next backup", "next", null, ...nextText),
        row("Restore test", "restore-test", t, ...testText),
        row("Containers", "containers", c.status ? c : null, ...containerText)),
      el("p", null, el("a", { href: "#/history?app=" + encodeURIComponent(app.name) }, "History (" + app.snapshots + " snapshot" + (app.snapshots === 1 ? "" : "s") + ")"),
        " · ", el("a", { href: "#/browse?app=" + encodeURIComponent(app.name) }, "Browse")),
      session.actions ? el("div", { class: "actions" },
        el("button", { type: "button", "data-action": "backup", "aria-describedby": "job-" + app.name, onclick: ev => backUp(app.name, ev.target) }, "Back up now"),
        jobLine(app.name)) : null);
  }

  // ---- actions and their progress (server-sent events) ----
  const jobs = {};   // app -> { state, outcome, summary, seen }
  let events = null;

  function jobLine(app) {
    const job = jobs[app];
    const p = el("p", { class: "job", id: "job-" + app, role: "status", "aria-live": "polite" });
    if (!job) return p;
    p.dataset.state = job.state;
    p.dataset.seen = job.seen.join(" ");
    if (job.outcome) p.dataset.outcome = job.outcome;
    p.textContent = job.state === "queued" ? "Backup queued…" : job.state === "running" ? "Backing up…"
      : "Backup done: " + job.outcome + (job.summary ? " — " + job.summary : "");
    return p;
  }

  function track(app, change) {
    const job = jobs[app] && jobs[app].state !== "done" ? jobs[app] : (jobs[app] = { seen: [] });
    Object.assign(job, change);
    job.seen.push(change.state);
    const old = document.getElementById("job-" + app);
    if (old) old.replaceWith(jobLine(app));
    const button = document.querySelector("article.card[data-app='" + CSS.escape(app) + "'] button[data-action='backup']");
    if (button) button.disabled = change.state !== "done";
  }

  async function backUp(app, button) {
    button.disabled = true;
    try {
      await post("/api/apps/" + encodeURIComponent(app) + "/backup");
    } catch (e) { say(e.message, true); button.disabled = false; }
  }

  function listen() {
    if (events || !session.actions) return;
    events = new EventSource("/api/events");
    events.onmessage = message => {
      const e = JSON.parse(message.data);
      if (e.job !== "backup") return;
      const apps = e.apps.length ? e.apps : Array.from(document.querySelectorAll("article.card")).map(c => c.dataset.app);
      for (const app of apps) track(app, { state: e.state, outcome: e.outcome, summary: e.summary });
      // a finished backup changes the cards: read them again
      if (e.state === "done" && document.body.dataset.ready === "/") showOverview().catch(err => say(err.message, true));
    };
  }

  // ---- history ----
  const markedTags = { "pre-upgrade": "taken before an upgrade", "partial": "some files could not be read" };

  async function appNames() {
    return appNames.cached || (appNames.cached = (await api("/api/apps")).apps);
  }

  function appPicker(apps, app, page) {
    const select = el("select", { id: "app" }, apps.map(a => el("option", { value: a, selected: a === app }, a)));
    select.addEventListener("change", () => { location.hash = "#/" + page + "?" + new URLSearchParams({ app: select.value }); });
    return el("label", { for: "app" }, "App", select);
  }

  async function showHistory(params) {
    const apps = await appNames();
    const app = params.get("app") || apps[0];
    view.replaceChildren(el("h2", null, "History"), el("div", { class: "controls" }, appPicker(apps, app, "history")));
    if (!app) { say("No apps."); return; }
    say("Loading snapshots…");
    const snapshots = (await api("/api/apps/" + encodeURIComponent(app) + "/snapshots")).snapshots;
    if (snapshots.length === 0) { say("App " + app + " has no snapshots yet."); return; }
    const most = Math.max(1, ...snapshots.map(s => s.bytesAdded || 0));
    const rows = snapshots.map(s => {
      const tags = s.tags.filter(t => !t.startsWith("app:"));
      return el("tr", { dataset: { snapshot: s.shortId, tags: tags.join(" ") } },
        el("td", null, when(s.time)),
        el("td", null, el("a", { href: link({ app, snapshot: s.shortId }) }, s.shortId)),
        el("td", { class: "num" }, s.files !== undefined ? String(s.files) : "–"),
        el("td", { class: "added" }, s.bytesAdded !== undefined
          ? [el("span", { class: "bar", "aria-hidden": "true", dataset: { share: String(s.bytesAdded / most) } }), " ", size(s.bytesAdded)]
          : "not recorded here"),
        el("td", null, tags.map(t => el("span", { class: "tag" + (markedTags[t] ? " warn" : ""), title: markedTags[t] || null }, t + (markedTags[t] ? " (" + markedTags[t] + ")" : "")))));
    });
    view.append(
      el("table", { id: "history" }, el("caption", { class: "skip" }, "Snapshots of " + app + ", newest first"),
        el("thead", null, el("tr", null, el("th", { scope: "col" }, "Time"), el("th", { scope: "col" }, "Snapshot"), el("th", { scope: "col", class: "num" }, "Files"),
          el("th", { scope: "col" }, "Data added"), el("th", { scope: "col" }, "Tags"))),
        el("tbody", null, rows)),
      el("p", { class: "detail" }, "Files and data added are those this machine recorded when it made the snapshot."));
    // the bars' widths set from script: the page's CSP allows no inline style attributes
    for (const bar of view.querySelectorAll(".bar")) bar.style.width = Math.max(2, Math.round(160 * Number(bar.dataset.share))) + "px";
    say("");
  }

  // ---- browse ----
  async function showBrowse(params) {
    const overview = await appNames();
    const app = params.get("app") || overview[0];
    const appSelect = el("select", { id: "app" }, overview.map(a => el("option", { value: a, selected: a === app }, a)));
    appSelect.addEventListener("change", () => go({ app: appSelect.value }));
    const controls = el("div", { class: "controls" }, el("label", { for: "app" }, "App", appSelect));
    view.replaceChildren(el("h2", null, "Browse"), controls);
    if (!app) { say("No apps."); return; }
    say("Loading snapshots…");
    const snapshots = (await api("/api/apps/" + encodeURIComponent(app) + "/snapshots")).snapshots;
    if (snapshots.length === 0) { say("App " + app + " has no snapshots yet."); return; }
    const snapshot = params.get("snapshot") || snapshots[0].shortId;
    const snapSelect = el("select", { id: "snapshot" }, snapshots.map(s => el("option", { value: s.shortId, selected: s.shortId === snapshot },
      when(s.time) + " — " + s.shortId + (s.tags.filter(t => !t.startsWith("app:")).length ? " [" + s.tags.filter(t => !t.startsWith("app:")).join(", ") + "]" : ""))));
    snapSelect.addEventListener("change", () => go({ app, snapshot: snapSelect.value }));
    controls.append(el("label", { for: "snapshot" }, "Snapshot", snapSelect));
    const path = params.get("path") || "/";
    const base = "/api/apps/" + encodeURIComponent(app) + "/snapshots/" + encodeURIComponent(snapshot);
    say("Loading " + path + "…");
    const listing = await api(base + "/tree?path=" + encodeURIComponent(path));
    const parts = path.split("/").filter(Boolean);
    const crumbs = el("nav", { class: "crumbs", "aria-label": "Folder" }, el("ol", null,
      el("li", null, el("a", { href: link({ app, snapshot, path: "/" }) }, "snapshot " + listing.snapshot)),
      parts.map((p, i) => el("li", null, i === parts.length - 1 ? el("span", { "aria-current": "location" }, p)
        : el("a", { href: link({ app, snapshot, path: "/" + parts.slice(0, i + 1).join("/") }) }, p)))));
    const details = el("div", { class: "details", id: "details", hidden: true, "aria-live": "polite" });
    const child = name => (path === "/" ? "" : path) + "/" + name;
    const rows = listing.entries.map(e => el("tr", { dataset: { name: e.name, type: e.type } },
      el("td", null, e.type === "dir" ? el("a", { href: link({ app, snapshot, path: child(e.name) }) }, e.name + "/")
        : el("button", { type: "button", class: "link", onclick: () => showDetails(details, base, child(e.name), e) }, e.name)),
      el("td", { class: "num" }, e.type === "file" ? size(e.size) : ""),
      el("td", null, when(e.mtime)),
      el("td", { class: "mode" }, e.mode),
      el("td", null, e.type === "file" ? el("a", { href: base + "/file?path=" + encodeURIComponent(child(e.name)), download: e.name, "aria-label": "Download " + e.name }, "Download")
        : e.type === "dir" ? el("a", { href: base + "/tar?path=" + encodeURIComponent(child(e.name)), download: e.name + ".tar", "aria-label": "Download " + e.name + " as .tar" }, ".tar") : "")));
    view.append(crumbs,
      el("p", null, el("a", { href: base + "/tar?path=" + encodeURIComponent(path), download: "", id: "download-dir" }, "Download this folder as .tar")),
      el("table", { id: "listing" }, el("caption", { class: "skip" }, "Contents of " + path),
        el("thead", null, el("tr", null, el("th", { scope: "col" }, "Name"), el("th", { scope: "col", class: "num" }, "Size"), el("th", { scope: "col" }, "Modified"), el("th", { scope: "col" }, "Mode"), el("th", { scope: "col" }, el("span", { class: "skip" }, "Download")))),
        el("tbody", null, rows)),
      details);
    say(listing.entries.length === 0 ? "This folder is empty." : "");
  }

  function showDetails(box, base, path, e) {
    box.hidden = false;
    box.replaceChildren(el("h3", null, e.name), el("dl", null,
      el("dt", null, "Path"), el("dd", null, path),
      el("dt", null, "Type"), el("dd", null, e.type + (e.target ? " → " + e.target : "")),
      el("dt", null, "Size"), el("dd", null, e.type === "file" ? size(e.size) + " (" + e.size + " bytes)" : ""),
      el("dt", null, "Modified"), el("dd", null, when(e.mtime)),
      el("dt", null, "Mode"), el("dd", null, e.mode),
      el("dt", null, "Owner"), el("dd", null, e.owner)),
      e.type === "file" ? el("a", { href: base + "/file?path=" + encodeURIComponent(path), download: e.name }, "Download " + e.name) : null);
    box.focus();
  }

  function link(params) { return "#/browse?" + new URLSearchParams(params).toString(); }
  function go(params) { location.hash = link(params); }

  // ---- routing ----
  async function route() {
    if (!session || !session.authenticated) {
      if (events) { events.close(); events = null; }
      showLogin();
      return;
    }
    listen();
    document.getElementById("nav").hidden = false;
    document.getElementById("logout").hidden = !session.passwordRequired;
    const hash = location.hash || "#/";
    const [page, query] = hash.slice(1).split("?");
    const current = page.startsWith("/browse") ? "browse" : page.startsWith("/history") ? "history" : "overview";
    for (const name of ["overview", "history", "browse"]) {
      const a = document.getElementById("nav-" + name);
      if (name === current) a.setAttribute("aria-current", "page"); else a.removeAttribute("aria-current");
    }
    try {
      const params = new URLSearchParams(query || "");
      if (current === "browse") await showBrowse(params);
      else if (current === "history") await showHistory(params);
      else await showOverview();
      document.body.dataset.ready = page;
    } catch (e) { say(e.message, true); }
  }

  async function start() {
    session = await api("/api/session");
    await route();
  }

  document.getElementById("logout").addEventListener("click", async () => {
    session = await post("/api/logout");
    route();
  });
  window.addEventListener("hashchange", () => { delete document.body.dataset.ready; route(); });
  start().catch(e => say(e.message, true));
})();
