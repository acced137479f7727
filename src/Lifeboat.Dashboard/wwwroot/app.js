"use strict";
// Lifeboat's dashboard: plain DOM, no framework. Every text from the server goes in through textContent, never as HTML.
(() => {
  const view = document.getElementById("view");
  const statusLine = document.getElementById("status");
  let session = null;
  // Each page shown (route) gets the next number; a refresh that was started for an earlier one (the overview read
  // again when a job finished, a slow load) must not replace the page the user has gone to since.
  let generation = 0;

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
  async function showOverview(shown = generation) {
    say("Checking the stack…");
    const data = await api("/api/overview");
    if (shown !== generation) return;
    const cards = el("div", { class: "cards" }, data.apps.map(appCard));
    const checklist = el("ul", { class: "checklist", id: "checklist" }, data.doctor.items.map(item =>
      el("li", { dataset: { check: item.check, status: item.status } }, badge(item.status),
        el("div", null, el("strong", null, item.label + ": "), item.reason, item.fix ? el("span", { class: "fix" }, "Fix: " + item.fix) : null))));
    view.replaceChildren(...[
      el("div", { class: "heading" }, el("h2", null, "Apps"), session.actions
        ? el("button", { type: "button", id: "backup-all", onclick: ev => queue("/api/backup", ev.target) }, "Back up all apps") : null),
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
        el("button", { type: "button", "data-action": "backup", "aria-describedby": "job-" + app.name, onclick: ev => queue("/api/apps/" + encodeURIComponent(app.name) + "/backup", ev.target) }, "Back up now"),
        el("button", { type: "button", "data-action": "verify", "aria-describedby": "job-" + app.name, onclick: ev => queue("/api/apps/" + encodeURIComponent(app.name) + "/verify", ev.target) }, "Verify now"),
        jobLine(app.name)) : null);
  }

  // ---- actions and their progress (server-sent events) ----
  const jobs = {};   // app -> { job, state, outcome, summary, seen }
  let events = null;
  // what each job says while queued, running and done
  const jobWords = {
    backup: ["Backup queued…", "Backing up…", "Backup done"],
    verify: ["Restore test queued…", "Testing a restore…", "Restore test done"],
    restore: ["Restore queued…", "Restoring…", "Restore done"],
  };
  function words(job) { return jobWords[job] || [job + " queued…", job + " running…", job + " done"]; }

  function jobLine(app) {
    const job = jobs[app];
    const p = el("p", { class: "job", id: "job-" + app, role: "status", "aria-live": "polite" });
    if (!job) return p;
    p.dataset.job = job.job;
    p.dataset.state = job.state;
    p.dataset.seen = job.seen.join(" ");
    if (job.outcome) p.dataset.outcome = job.outcome;
    const w = words(job.job);
    p.textContent = job.state === "queued" ? w[0] : job.state === "running" ? w[1]
      : w[2] + ": " + job.outcome + (job.summary ? " — " + job.summary : "");
    return p;
  }

  function track(app, change) {
    const job = jobs[app] && jobs[app].state !== "done" && jobs[app].job === change.job ? jobs[app] : (jobs[app] = { seen: [] });
    Object.assign(job, change);
    job.seen.push(change.state);
    const old = document.getElementById("job-" + app);
    if (old) old.replaceWith(jobLine(app));
    for (const button of document.querySelectorAll("article.card[data-app='" + CSS.escape(app) + "'] .actions button"))
      button.disabled = change.state !== "done";
  }

  async function queue(path, button, data) {
    if (button) button.disabled = true;
    try {
      return await post(path, data);
    } catch (e) { say(e.message, true); if (button) button.disabled = false; throw e; }
  }

  // pages following one job (a restore, a verify): told of its states and its output lines
  const followers = new Set();

  function listen() {
    if (events || !session.actions) return;
    events = new EventSource("/api/events");
    events.onmessage = message => {
      const e = JSON.parse(message.data);
      if (e.log !== undefined) { for (const f of followers) if (f.id === e.id) f.line(e.log, e.error); return; }
      for (const f of followers) if (f.matches(e)) f.event(e);
      const apps = e.apps.length ? e.apps : Array.from(document.querySelectorAll("article.card")).map(c => c.dataset.app);
      for (const app of apps) track(app, { job: e.job, state: e.state, outcome: e.outcome, summary: e.summary });
      if (e.state === "done" && !e.apps.length) { const all = document.getElementById("backup-all"); if (all) all.disabled = false; }
      // a finished job changes the cards: read them again
      if (e.state === "done" && document.body.dataset.ready === "/") showOverview(generation).catch(err => say(err.message, true));
    };
  }

  // A box that follows the next run of `job` for `app`: its state, its output as it comes, then its stored log.
  function followJob(box, job, app, title) {
    const state = el("p", { class: "job", role: "status", "aria-live": "polite" }, words(job)[0]);
    const log = el("pre", { class: "log", tabindex: "0", "aria-label": title + ": log" });
    box.replaceChildren(el("h3", null, title), state, log);
    box.hidden = false;
    box.dataset.state = "queued";
    const f = {
      id: null,
      matches: e => e.job === job && (e.apps.length === 0 || e.apps.includes(app)) && (f.id === null || e.id === f.id),
      event: e => {
        if (e.state === "running") { if (f.id !== null) return; f.id = e.id; }
        if (e.state === "done" && f.id === null) return;
        box.dataset.state = e.state;
        const w = words(job);
        state.textContent = e.state === "running" ? w[1] : e.state === "done" ? w[2] + ": " + e.outcome + (e.summary ? " — " + e.summary : "") : w[0];
        if (e.state === "done") {
          box.dataset.outcome = e.outcome;
          state.dataset.outcome = e.outcome;
          followers.delete(f);
          // the stored log from the run history: what stays after the page is closed
          fetch("/api/jobs/" + encodeURIComponent(e.id) + "/log", { credentials: "same-origin" })
            .then(r => r.ok ? r.text() : null).then(text => { if (text !== null) { log.textContent = text; box.dataset.log = "stored"; } });
        }
      },
      line: (text, isError) => {
        log.append(el("span", { class: isError ? "stderr" : null }, text + "\n"));
        log.scrollTop = log.scrollHeight;
        box.dataset.liveLines = String(Number(box.dataset.liveLines || 0) + 1);
      },
    };
    followers.add(f);
    return f;
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

  async function showHistory(params, shown = generation) {
    const apps = await appNames();
    if (shown !== generation) return;
    const app = params.get("app") || apps[0];
    view.replaceChildren(el("h2", null, "History"), el("div", { class: "controls" }, appPicker(apps, app, "history")));
    if (!app) { say("No apps."); return; }
    say("Loading snapshots…");
    const data = await api("/api/apps/" + encodeURIComponent(app) + "/snapshots");
    if (shown !== generation) return;
    const snapshots = data.snapshots;
    if (snapshots.length === 0) { say("App " + app + " has no snapshots yet."); return; }
    const most = Math.max(1, ...snapshots.map(s => s.bytesAdded || 0));
    const rows = snapshots.map(s => {
      const tags = s.tags.filter(t => !t.startsWith("app:"));
      const retention = s.keep === undefined ? null : s.keep ? "keep" : "remove";
      return el("tr", { dataset: { snapshot: s.shortId, tags: tags.join(" "), retention } },
        el("td", null, when(s.time)),
        el("td", null, el("a", { href: link({ app, snapshot: s.shortId }) }, s.shortId)),
        el("td", { class: "num" }, s.files !== undefined ? String(s.files) : "–"),
        el("td", { class: "added" }, s.bytesAdded !== undefined
          ? [el("span", { class: "bar", "aria-hidden": "true", dataset: { share: String(s.bytesAdded / most) } }), " ", size(s.bytesAdded)]
          : "not recorded here"),
        el("td", null, tags.map(t => el("span", { class: "tag" + (markedTags[t] ? " warn" : ""), title: markedTags[t] || null }, t + (markedTags[t] ? " (" + markedTags[t] + ")" : "")))),
        data.retention ? el("td", { class: "retention" }, retention === "keep"
          ? [el("span", { class: "badge", dataset: { status: "pass" } }, "keep"), s.reasons.length ? " " + s.reasons.join(", ") : ""]
          : el("span", { class: "badge", dataset: { status: "warn" } }, "remove")) : null,
        session.actions ? el("td", null, el("button", { type: "button", class: "link", "data-action": "restore-in-place", "aria-label": "Restore " + app + " in place from " + s.shortId + "…",
          onclick: () => confirmRestore(confirmBox, app, s.shortId) }, "Restore in place…")) : null);
    });
    const confirmBox = el("section", { class: "details", id: "confirm-restore", hidden: true, role: "dialog", "aria-modal": "false", "aria-labelledby": "confirm-title" });
    view.append(
      chart(app, snapshots),
      data.retention
        ? el("p", { id: "retention", class: "detail" }, "Retention from lifeboat.yaml: keep " + data.retention + ". Each snapshot below is marked as lifeboat forget would treat it, with restic's reasons; this page removes nothing.")
        : el("p", { id: "retention", class: "detail" }, "No retention policy in lifeboat.yaml for " + app + ": lifeboat forget keeps every snapshot."),
      el("table", { id: "history" }, el("caption", { class: "skip" }, "Snapshots of " + app + ", newest first"),
        el("thead", null, el("tr", null, el("th", { scope: "col" }, "Time"), el("th", { scope: "col" }, "Snapshot"), el("th", { scope: "col", class: "num" }, "Files"),
          el("th", { scope: "col" }, "Data added"), el("th", { scope: "col" }, "Tags"), data.retention ? el("th", { scope: "col" }, "Retention") : null, session.actions ? el("th", { scope: "col" }, el("span", { class: "skip" }, "Restore")) : null)),
        el("tbody", null, rows)),
      confirmBox,
      snapshots.length > 1 ? compareForm(app, snapshots) : null,
      el("p", { class: "detail" }, "Files and data added are those this machine recorded when it made the snapshot."));
    // the bars' widths set from script: the page's CSP allows no inline style attributes
    for (const bar of view.querySelectorAll(".bar")) bar.style.width = Math.max(2, Math.round(160 * Number(bar.dataset.share))) + "px";
    say("");
  }

  // The data each snapshot added, on a timeline: inline SVG drawn here, with a text alternative for screen readers.
  function chart(app, snapshots) {
    const svgNS = "http://www.w3.org/2000/svg";
    const svg = (tag, attrs, ...children) => {
      const e = document.createElementNS(svgNS, tag);
      for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
      for (const c of children) e.append(c);
      return e;
    };
    const points = snapshots.slice().reverse();   // oldest first
    const W = 760, H = 180, left = 70, right = 16, top = 14, bottom = 30;
    const times = points.map(s => new Date(s.time).getTime());
    const first = Math.min(...times), last = Math.max(...times);
    const most = Math.max(1, ...points.map(s => s.bytesAdded || 0));
    const plot = W - left - right;
    const barWidth = Math.max(3, Math.min(28, plot / points.length * 0.6));
    const x = (t, i) => left + barWidth / 2 + (last === first ? (points.length === 1 ? plot / 2 : i * (plot - barWidth) / (points.length - 1)) : (t - first) / (last - first) * (plot - barWidth));
    const known = points.filter(s => s.bytesAdded !== undefined);
    const biggest = known.reduce((a, b) => (b.bytesAdded > (a ? a.bytesAdded : -1) ? b : a), null);
    const description = points.length + " snapshot" + (points.length === 1 ? "" : "s") + " from " + when(points[0].time) + " to " + when(points[points.length - 1].time) + ". "
      + (biggest ? "The most data was added by snapshot " + biggest.shortId + " (" + size(biggest.bytesAdded) + ")" + "; in total " + size(known.reduce((n, s) => n + s.bytesAdded, 0)) + " added." : "The data added is not recorded on this machine.");
    const bars = points.map((s, i) => {
      const h = s.bytesAdded === undefined ? 0 : Math.max(2, (s.bytesAdded / most) * (H - top - bottom));
      const cx = x(times[i], i);
      const label = s.shortId + ", " + when(s.time) + ": " + (s.bytesAdded === undefined ? "data added not recorded" : size(s.bytesAdded) + " added");
      return s.bytesAdded === undefined
        ? svg("circle", { cx, cy: H - bottom - 4, r: 3, class: "unknown", "data-snapshot": s.shortId }, svg("title", null, label))
        : svg("rect", { x: cx - barWidth / 2, y: H - bottom - h, width: barWidth, height: h, rx: 2, "data-snapshot": s.shortId, "data-bytes": s.bytesAdded,
            class: (s.keep === false ? "remove" : "") + (s.tags.includes("pre-upgrade") ? " pre-upgrade" : "") }, svg("title", null, label));
    });
    const axis = [
      svg("line", { x1: left, y1: H - bottom, x2: W - right, y2: H - bottom, class: "axis" }),
      svg("text", { x: left - 6, y: top + 10, "text-anchor": "end" }, size(most)),
      svg("text", { x: left - 6, y: H - bottom, "text-anchor": "end" }, "0"),
      svg("text", { x: left, y: H - 8, "text-anchor": "start" }, new Date(first).toLocaleDateString()),
      svg("text", { x: W - right, y: H - 8, "text-anchor": "end" }, new Date(last).toLocaleDateString()),
    ];
    const figure = svg("svg", { id: "chart", viewBox: "0 0 " + W + " " + H, role: "img", "aria-labelledby": "chart-title chart-desc", preserveAspectRatio: "xMidYMid meet" },
      svg("title", { id: "chart-title" }, "Data added per snapshot of " + app),
      svg("desc", { id: "chart-desc" }, description), ...axis, ...bars);
    return el("figure", { class: "chart" }, figure, el("figcaption", { class: "detail" }, description));
  }

  // Two snapshots compared, as lifeboat diff computes it.
  function compareForm(app, snapshots) {
    const option = (s, selected) => el("option", { value: s.shortId, selected }, when(s.time) + " — " + s.shortId);
    const from = el("select", { id: "diff-from" }, snapshots.map((s, i) => option(s, i === 1)));
    const to = el("select", { id: "diff-to" }, snapshots.map((s, i) => option(s, i === 0)));
    const out = el("div", { id: "diff", "aria-live": "polite" });
    const modifierWords = { "+": "added", "-": "removed", "M": "content changed", "T": "type changed", "TM": "type and content changed", "U": "metadata changed" };
    const form = el("form", { class: "controls", id: "diff-form" },
      el("label", { for: "diff-from" }, "From", from), el("label", { for: "diff-to" }, "To", to), el("button", { type: "submit" }, "Show changes"));
    form.addEventListener("submit", async ev => {
      ev.preventDefault();
      out.replaceChildren(el("p", null, "Comparing…"));
      try {
        const d = await api("/api/apps/" + encodeURIComponent(app) + "/diff?" + new URLSearchParams({ from: from.value, to: to.value }));
        out.replaceChildren(
          el("p", { id: "diff-summary" }, d.total + " change" + (d.total === 1 ? "" : "s") + " from " + d.from + " to " + d.to + ": "
            + d.added.files + " files added (" + size(d.added.bytes) + "), " + d.removed.files + " removed (" + size(d.removed.bytes) + "), " + d.changedFiles + " changed"
            + (d.changes.length < d.total ? "; the first " + d.changes.length + " are listed" : "")),
          d.changes.length ? el("table", { id: "diff-changes" }, el("caption", { class: "skip" }, "Changed paths"),
            el("thead", null, el("tr", null, el("th", { scope: "col" }, "Change"), el("th", { scope: "col" }, "Path"))),
            el("tbody", null, d.changes.map(c => el("tr", { dataset: { modifier: c.modifier, path: c.path } },
              el("td", null, el("span", { class: "modifier", title: modifierWords[c.modifier] || c.modifier, "aria-label": modifierWords[c.modifier] || c.modifier }, c.modifier)), el("td", null, c.path))))) : null);
        out.dataset.ready = "yes";
      } catch (e) { out.replaceChildren(el("p", { class: "error" }, e.message)); }
    });
    return el("section", { "aria-labelledby": "diff-title" }, el("h3", { id: "diff-title" }, "Compare two snapshots"), form, out);
  }

  // Restore an app in place: what it replaces named first, and the app's name typed to confirm.
  async function confirmRestore(box, app, snapshot) {
    const base = "/api/apps/" + encodeURIComponent(app) + "/snapshots/" + encodeURIComponent(snapshot);
    const plan = await api(base + "/restore-plan");
    const typed = el("input", { type: "text", id: "confirm-name", autocomplete: "off", spellcheck: "false", required: true, "aria-describedby": "confirm-what" });
    const go = el("button", { type: "submit", id: "confirm-go", disabled: true }, "Restore " + app + " in place");
    typed.addEventListener("input", () => { go.disabled = typed.value !== app; });
    const choices = plan.asksDumps ? el("fieldset", { id: "dump-choice" }, el("legend", null, "The snapshot holds database dumps (" + plan.dumps.concat(plan.skippedDumps).join(", ") + "):"),
      [["replace", "Restore the files, then load the dumps: replaces what the databases hold now"],
       ["dumps-only", "Load the dumps only: replaces what the databases hold now, leaves the files alone"],
       ["files-only", "Restore the files only: the databases are left as they are"]].map(([value, text], i) =>
        el("label", { class: "choice" }, el("input", { type: "radio", name: "dumps", value, required: true, checked: i === 2 }), " " + text))) : null;
    const result = el("p", { id: "confirm-result", role: "alert" });
    const job = el("div", { id: "restore-job", class: "jobbox", hidden: true });
    const form = el("form", { id: "confirm-form" },
      el("div", { id: "confirm-what" },
        el("p", null, "This replaces the live files of " + app + " with snapshot " + plan.snapshot + " of " + when(plan.time) + ":"),
        el("ul", { id: "confirm-paths" }, plan.paths.map(p => el("li", null, p))),
        el("p", { id: "confirm-containers" }, plan.containers.length ? "These containers are stopped while it runs, then started again: " + plan.containers.join(", ") : "The app names no containers: nothing is stopped.")),
      choices,
      el("label", { for: "confirm-name" }, "Type " + app + " to confirm"), typed, el("div", { class: "buttons" }, go,
        el("button", { type: "button", onclick: () => { box.hidden = true; } }, "Cancel")));
    form.addEventListener("submit", async ev => {
      ev.preventDefault();
      result.textContent = ""; result.className = "";
      const choice = form.querySelector("input[name='dumps']:checked");
      const follower = followJob(job, "restore", app, "Restoring " + app + " in place");
      job.hidden = true;
      try {
        await post(base + "/restore-in-place", { confirm: typed.value, dumps: choice ? choice.value : null });
        job.hidden = false;
        go.disabled = true;
        result.textContent = "Queued: " + app + " from snapshot " + plan.snapshot;
      } catch (e) { followers.delete(follower); result.textContent = e.message; result.className = "error"; }
    });
    box.replaceChildren(el("h3", { id: "confirm-title" }, "Restore " + app + " in place?"), form, result, job);
    box.hidden = false;
    typed.focus();
  }

  // ---- jobs: the recent runs, a finished one's stored log, the running one's live log ----
  async function showJobs(shown = generation) {
    say("Loading jobs…");
    const data = await api("/api/jobs");
    if (shown !== generation) return;
    const logBox = el("section", { class: "details", id: "job-log", hidden: true, "aria-live": "polite" });
    const rows = data.jobs.map(j => el("tr", { dataset: { id: j.id, job: j.job, outcome: j.outcome || "running" } },
      el("td", null, when(j.started)),
      el("td", null, j.job + (j.apps.length ? " " + j.apps.join(", ") : " (all apps)")),
      el("td", null, j.trigger),
      el("td", null, j.outcome ? el("span", { class: "badge", dataset: { status: { success: "pass", warning: "warn", failure: "fail" }[j.outcome] } }, j.outcome) : (j.id === data.running ? "running" : "did not finish")),
      el("td", null, j.summary || ""),
      el("td", null, el("button", { type: "button", class: "link", "aria-label": "Log of " + j.job + " at " + when(j.started), onclick: () => showLog(logBox, j, data.running) }, "Log"))));
    view.replaceChildren(el("h2", null, "Jobs"),
      el("table", { id: "jobs" }, el("caption", { class: "skip" }, "Recent jobs, newest first"),
        el("thead", null, el("tr", null, ["Started", "Job", "Trigger", "Outcome", "Summary"].map(h => el("th", { scope: "col" }, h)), el("th", { scope: "col" }, el("span", { class: "skip" }, "Log")))),
        el("tbody", null, rows)), logBox);
    say(data.jobs.length ? "" : "No jobs have run yet.");
  }

  async function showLog(box, j, running) {
    box.hidden = false;
    const title = j.job + (j.apps.length ? " " + j.apps.join(", ") : "") + ", " + when(j.started);
    if (j.id === running) {
      const f = followJob(box, j.job, j.apps[0] || "", title);
      f.id = j.id;
      return;
    }
    const response = await fetch("/api/jobs/" + encodeURIComponent(j.id) + "/log", { credentials: "same-origin" });
    const text = response.ok ? await response.text() : "(" + ((await response.json().catch(() => ({}))).error || response.statusText) + ")";
    box.replaceChildren(el("h3", null, title), el("pre", { class: "log", tabindex: "0", "aria-label": title + ": log" }, text));
  }

  // ---- browse ----
  async function showBrowse(params, shown = generation) {
    const overview = await appNames();
    if (shown !== generation) return;
    const app = params.get("app") || overview[0];
    const appSelect = el("select", { id: "app" }, overview.map(a => el("option", { value: a, selected: a === app }, a)));
    appSelect.addEventListener("change", () => go({ app: appSelect.value }));
    const controls = el("div", { class: "controls" }, el("label", { for: "app" }, "App", appSelect));
    view.replaceChildren(el("h2", null, "Browse"), controls);
    if (!app) { say("No apps."); return; }
    say("Loading snapshots…");
    const snapshots = (await api("/api/apps/" + encodeURIComponent(app) + "/snapshots")).snapshots;
    if (shown !== generation) return;
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
    if (shown !== generation) return;
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
        : e.type === "dir" ? [el("a", { href: base + "/tar?path=" + encodeURIComponent(child(e.name)), download: e.name + ".tar", "aria-label": "Download " + e.name + " as .tar" }, ".tar"), " ",
            el("a", { href: base + "/zip?path=" + encodeURIComponent(child(e.name)), download: e.name + ".zip", "aria-label": "Download " + e.name + " as .zip" }, ".zip")] : ""),
      el("td", null, session.actions ? el("button", { type: "button", class: "link", "aria-label": "Restore " + e.name + "…", onclick: () => restoreForm(restore, base, app, child(e.name)) }, "Restore…") : null)));
    const restore = el("section", { class: "details", id: "restore", hidden: true, "aria-labelledby": "restore-title" });
    view.append(crumbs,
      el("p", null, el("a", { href: base + "/tar?path=" + encodeURIComponent(path), download: "", id: "download-dir" }, "Download this folder as .tar"), " · ",
        el("a", { href: base + "/zip?path=" + encodeURIComponent(path), download: "", id: "download-zip" }, ".zip"),
        session.actions ? [" · ", el("button", { type: "button", class: "link", id: "restore-dir", onclick: () => restoreForm(restore, base, app, path) }, "Restore this folder…")] : null),
      restore,
      el("table", { id: "listing" }, el("caption", { class: "skip" }, "Contents of " + path),
        el("thead", null, el("tr", null, el("th", { scope: "col" }, "Name"), el("th", { scope: "col", class: "num" }, "Size"), el("th", { scope: "col" }, "Modified"), el("th", { scope: "col" }, "Mode"),
          el("th", { scope: "col" }, el("span", { class: "skip" }, "Download")), el("th", { scope: "col" }, el("span", { class: "skip" }, "Restore")))),
        el("tbody", null, rows)),
      details);
    say(listing.entries.length === 0 ? "This folder is empty." : "");
  }

  // Restore a path of the snapshot into a directory: the server checks the directory, the job runs with the others.
  function restoreForm(box, base, app, path) {
    const input = el("input", { type: "text", id: "restore-target", name: "target", required: true, spellcheck: "false", autocomplete: "off",
      placeholder: "/srv/restored", "aria-describedby": "restore-help" });
    const result = el("p", { id: "restore-result", role: "alert" });
    const job = el("div", { id: "restore-job", class: "jobbox", hidden: true });
    const form = el("form", { id: "restore-form" },
      el("label", { for: "restore-target" }, "Restore into directory"), input,
      el("span", { class: "detail", id: "restore-help" }, "A new or empty directory, not inside an app's live paths. The files land under it at their original path, as restic lays them out: DIR" + (path === "/" ? "/…" : path) + "."),
      el("button", { type: "submit" }, "Restore"));
    form.addEventListener("submit", async ev => {
      ev.preventDefault();
      result.textContent = ""; result.className = "";
      const follower = followJob(job, "restore", app, "Restoring " + path);
      job.hidden = true;
      try {
        const queued = await post(base + "/restore", { path, target: input.value });
        job.hidden = false;
        result.textContent = "Queued: " + path + " into " + queued.restoredAt;
      } catch (e) {
        followers.delete(follower);
        result.textContent = e.message; result.className = "error";
      }
    });
    box.replaceChildren(el("h3", { id: "restore-title" }, "Restore " + path), form, result, job);
    box.hidden = false;
    input.focus();
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
    const shown = ++generation;
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
    const current = page.startsWith("/browse") ? "browse" : page.startsWith("/history") ? "history" : page.startsWith("/jobs") ? "jobs" : "overview";
    for (const name of ["overview", "history", "browse", "jobs"]) {
      const a = document.getElementById("nav-" + name);
      if (name === current) a.setAttribute("aria-current", "page"); else a.removeAttribute("aria-current");
    }
    try {
      const params = new URLSearchParams(query || "");
      if (current === "browse") await showBrowse(params, shown);
      else if (current === "history") await showHistory(params, shown);
      else if (current === "jobs") await showJobs(shown);
      else await showOverview(shown);
      if (shown === generation) document.body.dataset.ready = page;
    } catch (e) { if (shown === generation) say(e.message, true); }
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
