/* campaign_perf HTML report: recomputes the table, the rates chart and the funnel from the
 * embedded per-send-day cube when the reader changes the time frame, columns or filters.
 *
 * Plain ES2017, no framework. Every name from the data is written with textContent or
 * DOM properties, never parsed as HTML, so it stays text; chart text, which plotly reads
 * as a subset of HTML, has it escaped by plotlyText (like campaign_perf/charts.py). The
 * counting rules are those of campaign_perf (RULES.md): on the sent basis every count is a
 * sum over send days, and derived metrics are evaluated after summing, from the expression
 * trees Python sends.
 */
(function () {
  "use strict";

  const DATA = JSON.parse(document.getElementById("cp-data").textContent);
  const S = DATA.settings;
  const DAY_MS = 86400000;
  const DASH = "\u2013"; // en dash: a missing value, and the range separator
  const METRIC = {};
  DATA.metrics.forEach(function (m) { METRIC[m.id] = m; });
  const GROUP_COLUMNS = {
    campaign_email: ["campaign_id", "campaign_name", "email_id", "email_name"],
    program: ["program"],
    campaign: ["campaign_id", "campaign_name"],
    email: ["email_id", "email_name"],
    day: ["send_day"],
    week: ["send_week"],
    month: ["send_month"],
  };

  function $(id) { return document.getElementById(id); }
  function el(tag, props, children) {
    const node = document.createElement(tag);
    Object.keys(props || {}).forEach(function (k) {
      if (k === "text") node.textContent = props[k];
      else if (k === "className") node.className = props[k];
      else if (k.slice(0, 5) === "data-" || k.slice(0, 5) === "aria-") node.setAttribute(k, props[k]);
      else node[k] = props[k];
    });
    (children || []).forEach(function (c) {
      node.appendChild(typeof c === "string" ? document.createTextNode(c) : c);
    });
    return node;
  }
  function clone(value) { return JSON.parse(JSON.stringify(value)); }
  function mod(a, n) { return ((a % n) + n) % n; }

  // -- calendar days as days since 1970-01-01 -------------------------------------------
  function dayFromYMD(y, m, d) {
    const t = new Date(0);
    t.setUTCFullYear(y, m - 1, d);
    return Math.round(t.getTime() / DAY_MS);
  }
  function dayOf(iso) {
    const p = iso.split("-").map(Number);
    return dayFromYMD(p[0], p[1], p[2]);
  }
  function ymd(day) {
    const t = new Date(day * DAY_MS);
    return [t.getUTCFullYear(), t.getUTCMonth() + 1, t.getUTCDate()];
  }
  function pad(n, w) { let s = String(n); while (s.length < w) s = "0" + s; return s; }
  function isoOf(day) {
    const p = ymd(day);
    return pad(p[0], 4) + "-" + pad(p[1], 2) + "-" + pad(p[2], 2);
  }
  function weekday(day) { return mod(day + 3, 7); } // Monday = 0; 1970-01-01 was a Thursday
  function addMonths(day, months) { // the first day of the month `months` after day's month
    const p = ymd(day);
    const i = p[0] * 12 + p[1] - 1 + months;
    return dayFromYMD(Math.floor(i / 12), mod(i, 12) + 1, 1);
  }

  // -- time frames: campaign_perf/timeframes.py, exactly ---------------------------------
  const TODAY = dayOf(S.today);
  function resolveFrame(tf) {
    const p = tf.preset;
    if (p === null) {
      return { first: tf.start ? dayOf(tf.start) : null, last: tf.end ? dayOf(tf.end) : null };
    }
    if (p === "all time") return { first: null, last: null };
    if (p === "past days") return { first: TODAY - (tf.days - 1), last: TODAY };
    if (p === "today") return { first: TODAY, last: TODAY };
    if (p === "yesterday") return { first: TODAY - 1, last: TODAY - 1 };
    const period = p.split(" ")[1];
    let begin, previous;
    if (period === "week") {
      begin = TODAY - mod(weekday(TODAY) - S.week_start, 7);
      previous = begin - 7;
    } else if (period === "year") {
      const y = ymd(TODAY)[0];
      begin = dayFromYMD(y, 1, 1);
      previous = dayFromYMD(y - 1, 1, 1);
    } else {
      const months = period === "month" ? 1 : 3;
      begin = addMonths(TODAY, -mod(ymd(TODAY)[1] - 1, months));
      previous = addMonths(begin, -months);
    }
    return p.slice(0, 4) === "this" ? { first: begin, last: TODAY } : { first: previous, last: begin - 1 };
  }
  function frameLabel(tf) { // TimeFrame.__str__
    if (tf.preset === "past days") return "past " + tf.days + (tf.days === 1 ? " day" : " days");
    if (tf.preset !== null) return tf.preset;
    return (tf.start || "") + ".." + (tf.end || "");
  }
  function rangeLabel(r) { // DateRange.__str__
    if (r.first === null) return r.last === null ? "all time" : "until " + isoOf(r.last);
    if (r.last === null) return "from " + isoOf(r.first);
    if (r.first === r.last) return isoOf(r.first);
    return isoOf(r.first) + " " + DASH + " " + isoOf(r.last);
  }
  function chartFrameText(tf, r) { // the time frame as chart titles say it
    const name = frameLabel(tf), days = rangeLabel(r);
    return tf.preset === null || name === days ? days : name + " (" + days + ")";
  }
  function description(tf, r) { // Report.description
    const basis = S.basis === "sent" ? "sent date" : "date of activity";
    return frameLabel(tf) + " (" + rangeLabel(r) + ") \u00b7 " + S.tz + " \u00b7 by " + basis +
      " \u00b7 as of " + S.as_of + " UTC" + (S.exclude_bots ? " \u00b7 bots excluded" : "");
  }

  // -- metrics: expression trees over count sums (x / 0 is missing) ----------------------
  function evaluate(t, sums) {
    if (typeof t === "number") return t;
    if (typeof t === "string") return sums[t];
    const op = t[0];
    if (op === "neg") return -evaluate(t[1], sums);
    if (op === "min" || op === "max") {
      let out = evaluate(t[1], sums);
      for (let i = 2; i < t.length; i++) {
        const b = evaluate(t[i], sums);
        out = isNaN(out) || isNaN(b) ? NaN : Math[op](out, b);
      }
      return out;
    }
    const a = evaluate(t[1], sums), b = evaluate(t[2], sums);
    if (op === "+") return a + b;
    if (op === "-") return a - b;
    if (op === "*") return a * b;
    if (op === "/") return b === 0 || isNaN(b) ? NaN : a / b;
    throw new Error("unknown operation " + op);
  }

  // -- formats: Python's format_value, digit for digit ----------------------------------
  function exactDigits(x) { // x >= 0 finite: integer and fraction digits of its exact value
    const s = x < 1e21 ? x.toFixed(100) : x.toPrecision(21);
    const parts = s.split(".");
    return { int: parts[0], frac: parts[1] || "" };
  }
  function increment(digits) { // "1299" -> "1300", "99" -> "100"
    const d = digits.split("");
    let i = d.length - 1;
    while (i >= 0 && d[i] === "9") { d[i] = "0"; i--; }
    if (i < 0) d.unshift("1");
    else d[i] = String(Number(d[i]) + 1);
    return d.join("");
  }
  function roundHalfEven(keep, rest) { // round the digit string `keep` given the digits after it
    const first = rest.charAt(0);
    const odd = keep.length > 0 && Number(keep.charAt(keep.length - 1)) % 2 === 1;
    const up = first > "5" || (first === "5" && (/[1-9]/.test(rest.slice(1)) || odd));
    return up ? increment(keep || "0") : keep;
  }
  function fixed(x, f) { // Python f"{x:.{f}f}"
    const sign = x < 0 || Object.is(x, -0) ? "-" : "";
    const e = exactDigits(Math.abs(x));
    let kept = roundHalfEven(e.int + e.frac.slice(0, f), e.frac.slice(f));
    while (kept.length < f + 1) kept = "0" + kept;
    const cut = kept.length - f;
    return sign + kept.slice(0, cut) + (f > 0 ? "." + kept.slice(cut) : "");
  }
  function grouped(intDigits) { return intDigits.replace(/\B(?=(\d{3})+(?!\d))/g, ","); }
  function general(x, p) { // Python f"{x:,.{p}g}"
    if (isNaN(x)) return "nan";
    if (!isFinite(x)) return x > 0 ? "inf" : "-inf";
    const sign = x < 0 || Object.is(x, -0) ? "-" : "";
    if (x === 0) return sign + "0";
    const e = exactDigits(Math.abs(x));
    const digits = e.int + e.frac;
    let lead = 0;
    while (digits.charAt(lead) === "0") lead++;
    let exp = e.int.length - lead - 1;
    let sig = roundHalfEven(digits.slice(lead, lead + p), digits.slice(lead + p));
    if (sig.length > p) { sig = sig.slice(0, p); exp += 1; }
    if (exp < -4 || exp >= p) {
      let mant = sig.charAt(0) + "." + sig.slice(1);
      mant = mant.replace(/0+$/, "").replace(/\.$/, "");
      return sign + mant + "e" + (exp < 0 ? "-" : "+") + pad(Math.abs(exp), 2);
    }
    let intPart, frac;
    if (exp >= 0) { intPart = sig.slice(0, exp + 1); frac = sig.slice(exp + 1); }
    else { intPart = "0"; frac = "0".repeat(-exp - 1) + sig; }
    frac = frac.replace(/0+$/, "");
    return sign + grouped(intPart) + (frac ? "." + frac : "");
  }
  function formatValue(v, fmt) {
    if (v === null || v === undefined || (typeof v === "number" && isNaN(v))) return DASH;
    if (fmt === "pct") return fixed(v * 100, 1) + "%";
    if (fmt === "int") {
      if (!isFinite(v)) return v > 0 ? "inf" : "-inf";
      const t = fixed(Math.trunc(v) + 0, 0); // + 0: int(-0.4) is 0, not -0
      return t.charAt(0) === "-" ? "-" + grouped(t.slice(1)) : grouped(t);
    }
    return general(v, 3);
  }
  function pyRepr(x) { // Python repr(float), for the CSV download
    if (isNaN(x)) return "";
    if (!isFinite(x)) return x > 0 ? "inf" : "-inf";
    const a = Math.abs(x);
    if (a !== 0 && (a < 1e-4 || a >= 1e16)) {
      const parts = x.toExponential().split("e");
      const exp = Number(parts[1]);
      return parts[0] + "e" + (exp < 0 ? "-" : "+") + pad(Math.abs(exp), 2);
    }
    const s = String(x);
    return Number.isInteger(x) ? (Object.is(x, -0) ? "-0.0" : s + ".0") : s;
  }
  function neutralise(text) { // campaign_perf.export.neutralise
    return /^[=+\-@\t\r]/.test(text) ? "'" + text : text;
  }

  // -- the cube --------------------------------------------------------------------------
  const CUBE = DATA.cube;
  const N = CUBE.campaign.length;
  const COUNTS = DATA.counts;
  const C = DATA.campaigns, E = DATA.emails;
  const ATTRS = CUBE.attrs;

  function zeros() {
    const s = {};
    COUNTS.forEach(function (c) { s[c] = 0; });
    return s;
  }
  function add(sums, i) {
    for (let k = 0; k < COUNTS.length; k++) sums[COUNTS[k]] += CUBE.counts[COUNTS[k]][i];
  }
  function keyParts(group, i) { // [sort ranks, {column: label}]
    const c = CUBE.campaign[i], e = CUBE.email[i], d = CUBE.day[i];
    switch (group) {
      case "campaign_email":
        return [[c, e], { campaign_id: C.id[c], campaign_name: C.name[c], email_id: E.id[e], email_name: E.name[e] }];
      case "campaign": return [[c], { campaign_id: C.id[c], campaign_name: C.name[c] }];
      case "email": return [[e], { email_id: E.id[e], email_name: E.name[e] }];
      case "program": return [[C.program[c]], { program: DATA.programs[C.program[c]] }];
      case "day": return [[d], { send_day: isoOf(d) }];
      case "week": {
        const w = d - mod(weekday(d) - S.week_start, 7);
        return [[w], { send_week: isoOf(w) }];
      }
      case "month": {
        const m = addMonths(d, 0);
        return [[m], { send_month: isoOf(m) }];
      }
      default: {
        const a = ATTRS[group];
        const v = a.index[i];
        const out = {};
        out[group] = a.values[v];
        return [[v], out];
      }
    }
  }
  function keyColumns() {
    const out = [];
    S.group_by.forEach(function (g) { (GROUP_COLUMNS[g] || [g]).forEach(function (k) { out.push(k); }); });
    return out;
  }
  const KEYS = keyColumns();
  const SHOWN = KEYS.filter(function (k) { return k.slice(-3) !== "_id"; });
  if (!SHOWN.length) KEYS.forEach(function (k) { SHOWN.push(k); });
  const SUBTOTALS = S.group_by.length === 1 && S.group_by[0] === "campaign_email";
  const HAS_EMAIL = KEYS.indexOf("email_name") >= 0;

  function compareRanks(a, b) {
    for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i] - b[i];
    return 0;
  }
  function withMetrics(sums, columns) {
    const values = {};
    columns.forEach(function (id) { values[id] = evaluate(METRIC[id].tree, sums); });
    return values;
  }

  /** The report for a state: rows (sorted like Report.table), campaign subtotals, total. */
  function compute(state) {
    const range = S.basis === "sent" ? state.range : { first: null, last: null };
    const groups = new Map();
    const subs = new Map();
    const total = zeros();
    for (let i = 0; i < N; i++) {
      const d = CUBE.day[i];
      if (range.first !== null && d < range.first) continue;
      if (range.last !== null && d > range.last) continue;
      if (!state.campaigns.has(CUBE.campaign[i]) || !state.emails.has(CUBE.email[i])) continue;
      const ranks = [], labels = {};
      S.group_by.forEach(function (g) {
        const kp = keyParts(g, i);
        kp[0].forEach(function (r) { ranks.push(r); });
        Object.keys(kp[1]).forEach(function (k) { labels[k] = kp[1][k]; });
      });
      const key = ranks.join(",");
      let row = groups.get(key);
      if (!row) {
        row = { ranks: ranks, labels: labels, sums: zeros(), campaign: CUBE.campaign[i], email: CUBE.email[i] };
        groups.set(key, row);
      }
      add(row.sums, i);
      add(total, i);
      if (SUBTOTALS) {
        const c = CUBE.campaign[i];
        if (!subs.has(c)) subs.set(c, zeros());
        add(subs.get(c), i);
      }
    }
    const rows = Array.from(groups.values()).sort(function (a, b) { return compareRanks(a.ranks, b.ranks); });
    rows.forEach(function (r) { r.values = withMetrics(r.sums, state.columns); });
    const subtotals = new Map();
    subs.forEach(function (sums, c) { subtotals.set(c, { sums: sums, values: withMetrics(sums, state.columns) }); });
    return { rows: rows, subtotals: subtotals, total: { sums: total, values: withMetrics(total, state.columns) } };
  }

  // -- state -----------------------------------------------------------------------------
  const ALL_CAMPAIGNS = C.id.map(function (_, i) { return i; });
  const ALL_EMAILS = E.id.map(function (_, i) { return i; });
  const PRESETS = DATA.presets;
  function initialState() {
    const tf = S.time_frame;
    return {
      tf: { preset: tf.preset, days: tf.days, start: tf.start, end: tf.end },
      range: resolveFrame(tf),
      columns: S.columns.filter(function (id) { return METRIC[id]; }),
      campaigns: new Set(ALL_CAMPAIGNS),
      emails: new Set(ALL_EMAILS),
      sort: null,
    };
  }
  let state = initialState();
  let result = null;

  // -- the table -------------------------------------------------------------------------
  function sortValue(row, col) {
    if (METRIC[col]) return row.values[col];
    return row.labels ? row.labels[col] : "";
  }
  function comparator(col, dir) {
    const numeric = !!METRIC[col];
    return function (a, b) {
      const x = sortValue(a, col), y = sortValue(b, col);
      if (numeric) {
        const xm = isNaN(x), ym = isNaN(y);
        if (xm || ym) return xm === ym ? 0 : xm ? 1 : -1; // missing values last
        return dir * (x - y);
      }
      return dir * String(x).localeCompare(String(y), undefined, { numeric: true });
    };
  }
  /** The rows in display order: [{kind, row}], subtotal rows after their campaign's rows. */
  function displayRows(res) {
    const out = [];
    if (SUBTOTALS && res.rows.length) {
      const blocks = [];
      res.rows.forEach(function (r) {
        const last = blocks[blocks.length - 1];
        if (last && last.campaign === r.campaign) last.rows.push(r);
        else blocks.push({ campaign: r.campaign, rows: [r] });
      });
      if (state.sort) {
        const cmp = comparator(state.sort.col, state.sort.dir);
        if (state.sort.col !== "email_name") {
          blocks.sort(function (a, b) {
            const sa = res.subtotals.get(a.campaign), sb = res.subtotals.get(b.campaign);
            return cmp({ values: sa.values, labels: a.rows[0].labels }, { values: sb.values, labels: b.rows[0].labels });
          });
        }
        blocks.forEach(function (b) { b.rows.sort(cmp); });
      }
      blocks.forEach(function (b) {
        b.rows.forEach(function (r) { out.push({ kind: "row", row: r }); });
        if (b.rows.length === 1) return; // a campaign of one email: its row is its subtotal
        const sub = res.subtotals.get(b.campaign);
        const labels = { campaign_name: C.name[b.campaign] + " \u2014 subtotal" };
        out.push({ kind: "subtotal", row: { labels: labels, values: sub.values, campaign: b.campaign } });
      });
    } else {
      const rows = res.rows.slice();
      if (state.sort) rows.sort(comparator(state.sort.col, state.sort.dir));
      rows.forEach(function (r) { out.push({ kind: "row", row: r }); });
    }
    const totalLabels = {};
    totalLabels[SHOWN[0]] = "Total";
    out.push({ kind: "total", row: { labels: totalLabels, values: res.total.values } });
    return out;
  }
  function columnLabel(col) { return METRIC[col] ? METRIC[col].label : DATA.group_labels[col] || col; }
  function renderTable(res) {
    const table = $("cp-table");
    const head = el("tr");
    SHOWN.concat(state.columns).forEach(function (col) {
      const metric = !!METRIC[col];
      const th = el("th", { scope: "col", className: metric ? "cp-metric" : "", "data-col": col });
      if (metric && METRIC[col].description) th.title = METRIC[col].description;
      if (state.sort && state.sort.col === col) {
        th.setAttribute("aria-sort", state.sort.dir > 0 ? "ascending" : "descending");
      }
      const button = el("button", { type: "button", text: columnLabel(col) });
      button.addEventListener("click", function () { sortBy(col); });
      th.appendChild(button);
      head.appendChild(th);
    });
    const body = el("tbody");
    displayRows(res).forEach(function (item) {
      const tr = el("tr", { className: "cp-" + item.kind });
      SHOWN.forEach(function (col) {
        const text = item.row.labels[col] === undefined ? "" : String(item.row.labels[col]);
        const td = el("td");
        if (col === "email_name" && item.kind === "row" && DATA.previews[item.row.email]) {
          td.appendChild(previewButton(item.row.email, text));
        } else {
          td.textContent = text;
        }
        tr.appendChild(td);
      });
      state.columns.forEach(function (col) {
        tr.appendChild(el("td", { className: "cp-metric", text: formatValue(item.row.values[col], METRIC[col].fmt) }));
      });
      body.appendChild(tr);
    });
    const thead = el("thead", {}, [head]);
    table.replaceChild(thead, table.tHead);
    table.replaceChild(body, table.tBodies[0]);
    $("cp-empty").hidden = res.rows.length > 0;
  }
  function sortBy(col) {
    if (state.sort && state.sort.col === col) state.sort = { col: col, dir: -state.sort.dir };
    else state.sort = { col: col, dir: METRIC[col] ? -1 : 1 };
    renderTable(result);
  }

  // -- CSV download: Report.table() for the current choices ------------------------------
  function csvField(v) { return /[",\r\n]/.test(v) ? '"' + v.replace(/"/g, '""') + '"' : v; }
  function csvText() {
    const lines = [KEYS.concat(state.columns).map(function (h) { return csvField(neutralise(h)); }).join(",")];
    displayRows(result).forEach(function (item) {
      if (item.kind !== "row") return;
      const r = item.row;
      const cells = KEYS.map(function (k) { return csvField(neutralise(String(r.labels[k]))); });
      state.columns.forEach(function (id) {
        const v = r.values[id];
        cells.push(typeof METRIC[id].tree === "string" ? String(v) : pyRepr(v));
      });
      lines.push(cells.join(","));
    });
    return lines.join("\r\n") + "\r\n";
  }
  function download() {
    const blob = new Blob([csvText()], { type: "text/csv;charset=utf-8" });
    const url = URL.createObjectURL(blob);
    const a = el("a", { href: url, download: "campaign-email-performance.csv" });
    document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(function () { URL.revokeObjectURL(url); }, 1000);
  }

  // -- email previews --------------------------------------------------------------------
  function previewButton(email, text) {
    const b = el("button", { type: "button", className: "cp-link", text: text, "data-email": String(email) });
    b.title = "Preview " + E.name[email];
    b.addEventListener("click", function () { openPreview(email); });
    return b;
  }
  function openPreview(email) {
    const p = DATA.previews[email];
    const dialog = $("cp-preview");
    const frame = $("cp-preview-frame");
    $("cp-preview-title").textContent = E.name[email];
    $("cp-preview-subject").textContent = p ? p.subject || "(no subject)" : "";
    $("cp-preview-missing").hidden = !!p;
    frame.setAttribute("sandbox", ""); // no allow-scripts, no allow-same-origin: inert
    frame.srcdoc = p ? p.html : "";
    frame.hidden = !p;
    if (typeof dialog.showModal === "function") dialog.showModal();
    else dialog.setAttribute("open", "");
  }
  function closePreview() {
    const dialog = $("cp-preview");
    if (typeof dialog.close === "function") dialog.close();
    else dialog.removeAttribute("open");
    $("cp-preview-frame").srcdoc = "";
  }
  function renderEmailList() {
    const list = $("cp-email-list");
    ALL_EMAILS.forEach(function (e) {
      const li = el("li");
      li.appendChild(DATA.previews[e] ? previewButton(e, E.name[e]) : el("span", { text: E.name[e] }));
      if (E.subject[e]) {
        li.appendChild(document.createTextNode(" \u2014 "));
        li.appendChild(el("span", { className: "cp-subject", text: E.subject[e] }));
      }
      list.appendChild(li);
    });
  }

  // -- charts ----------------------------------------------------------------------------
  const PLOTLY_CONFIG = { displaylogo: false, responsive: true };
  const MODELS = DATA.chart_models || {};
  function plotly() { return typeof window.Plotly === "object" && window.Plotly ? window.Plotly : null; }
  function plotlyText(value) { // charts._text: plotly draws the entities as the characters
    return String(value).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
  }
  function joinWords(words) {
    return words.length === 1 ? words[0] : words.slice(0, -1).join(", ") + " and " + words[words.length - 1];
  }
  function emptyFigure(model, title) {
    const layout = clone(model.empty_layout);
    layout.title.text = title;
    return { data: [], layout: layout };
  }
  function nothingSent(res) {
    const t = res.total.sums;
    return !(t.sent > 0 || t.delivered > 0 || t.opened > 0 || t.clicked > 0);
  }
  function rowLabels(rows) { // charts._row_labels
    const ids = KEYS.filter(function (k) { return k.slice(-3) === "_id"; });
    const text = function (r, cols) {
      return cols.map(function (c) { return r.labels[c] === undefined || r.labels[c] === null ? DASH : String(r.labels[c]); }).join(" \u00b7 ");
    };
    const labels = rows.map(function (r) { return text(r, SHOWN); });
    const seen = {};
    labels.forEach(function (l) { seen[l] = (seen[l] || 0) + 1; });
    return labels.map(function (l, i) {
      return plotlyText(ids.length && seen[l] > 1 ? l + " (" + text(rows[i], ids) + ")" : l);
    });
  }
  function ratesFigure(res, frameText) {
    const model = MODELS.rates;
    let ids = state.columns.filter(function (id) { return METRIC[id].fmt === "pct"; });
    if (!ids.length) ids = model.fallback.filter(function (id) { return METRIC[id]; });
    const labels = ids.map(function (id) { return plotlyText(METRIC[id].label); });
    const what = labels.length <= 3 ? joinWords(labels) : "Rates";
    // model.head and model.phrase come from Python's figures: already escaped
    const title = (model.phrase === null ? model.head : what + " by " + model.phrase) + " \u2014 " + plotlyText(frameText);
    if (!res.rows.length || nothingSent(res) || !model.layout) return emptyFigure(model, title);
    const rows = rowLabels(res.rows);
    const data = ids.map(function (id, i) {
      const m = METRIC[id];
      const style = model.traces[id] || {};
      const color = style.color || DATA.palette[i % DATA.palette.length];
      const ratio = Array.isArray(m.tree) && m.tree[0] === "/" && typeof m.tree[2] === "string";
      const trace = {
        type: "bar",
        name: plotlyText(m.label),
        orientation: "h",
        y: rows,
        x: res.rows.map(function (r) { const v = r.values[id] !== undefined ? r.values[id] : evaluate(m.tree, r.sums); return isNaN(v) ? null : v; }),
        marker: { color: color },
        hovertemplate: style.hovertemplate || "%{y}<br>" + plotlyText(m.label) + ": %{value:.2%}<extra></extra>",
      };
      if (ratio && (style.hovertemplate || "").indexOf("customdata") >= 0) {
        trace.customdata = res.rows.map(function (r) { return [evaluate(m.tree[1], r.sums), r.sums[m.tree[2]]]; });
      }
      return trace;
    });
    const layout = clone(model.layout);
    layout.title.text = title;
    layout.height = Math.max(450, 140 + rows.length * (ids.length * 9 + 14));
    layout.yaxis.categoryarray = rows;
    return { data: data, layout: layout };
  }
  function funnelFigure(res, frameText) {
    const model = MODELS.funnel;
    const title = model.head + " \u2014 " + plotlyText(frameText);
    if (nothingSent(res) || !model.trace) return emptyFigure(model, title);
    const trace = clone(model.trace);
    const t = res.total.sums;
    trace.x = [t.sent, t.delivered, t.opened, t.clicked];
    const layout = clone(model.layout);
    layout.title.text = title;
    return { data: [trace], layout: layout };
  }
  const REDRAW = { rates: ratesFigure, funnel: funnelFigure };
  function drawCharts() {
    const P = plotly();
    Object.keys(DATA.charts).forEach(function (kind) {
      const node = $("cp-chart-" + kind);
      if (!node) return;
      node.textContent = "";
      if (!P) {
        node.appendChild(el("p", { className: "cp-note", text: "The charts need plotly.js, which could not be loaded (offline?)." }));
        return;
      }
      const fig = DATA.charts[kind];
      P.newPlot(node, fig.data, fig.layout, PLOTLY_CONFIG);
    });
  }
  function redrawCharts(res) {
    const P = plotly();
    const frameText = chartFrameText(state.tf, state.range);
    Object.keys(REDRAW).forEach(function (kind) {
      const node = $("cp-chart-" + kind);
      if (!P || !node || !MODELS[kind] || !DATA.charts[kind]) return;
      const fig = REDRAW[kind](res, frameText);
      P.react(node, fig.data, fig.layout, PLOTLY_CONFIG);
    });
    const fixedKinds = Object.keys(DATA.charts).filter(function (k) { return !REDRAW[k] || !MODELS[k]; });
    const note = $("cp-charts-note");
    if (note) {
      const changed = isChanged();
      note.hidden = !changed || !fixedKinds.length;
      note.textContent = changed
        ? "The rates and funnel charts follow your choices; the others show the report as it was made (" +
          S.time_frame.label + ", all its campaigns and emails)."
        : "";
    }
  }
  function isChanged() {
    const a = state, b = initialState();
    return frameLabel(a.tf) !== frameLabel(b.tf) || a.range.first !== b.range.first ||
      a.range.last !== b.range.last || a.campaigns.size !== b.campaigns.size || a.emails.size !== b.emails.size;
  }

  // -- controls --------------------------------------------------------------------------
  function update(options) {
    result = compute(state);
    renderTable(result);
    $("cp-description").textContent = description(state.tf, state.range);
    $("cp-frame-text").textContent = chartFrameText(state.tf, state.range);
    if (!options || options.charts !== false) redrawCharts(result);
  }
  function checkboxList(container, items, checked, onChange) {
    container.textContent = "";
    items.forEach(function (item) {
      const box = el("input", { type: "checkbox", value: String(item.value), checked: checked(item.value) });
      box.addEventListener("change", function () { onChange(item.value, box.checked, box); });
      const label = el("label", {}, [box, " " + item.label]);
      if (item.title) label.title = item.title;
      container.appendChild(label);
    });
  }
  function pickerSummary(id, chosen, all, what) {
    const summary = $(id).querySelector("summary");
    summary.textContent = what + (chosen === all ? "" : " (" + chosen + " of " + all + ")");
  }
  function setupFilters() {
    const campaignItems = ALL_CAMPAIGNS.map(function (c) { return { value: c, label: C.name[c], title: C.id[c] + " \u00b7 " + DATA.programs[C.program[c]] + " \u00b7 " + C.status[c] }; });
    const emailItems = ALL_EMAILS.map(function (e) { return { value: e, label: E.name[e], title: E.id[e] }; });
    const lists = { "cp-campaigns": ["campaigns", campaignItems, "Campaigns", "cp-campaigns-picker"], "cp-emails": ["emails", emailItems, "Emails", "cp-emails-picker"] };
    Object.keys(lists).forEach(function (id) {
      const spec = lists[id];
      const render = function () {
        checkboxList($(id), spec[1], function (v) { return state[spec[0]].has(v); }, function (v, on) {
          if (on) state[spec[0]].add(v); else state[spec[0]].delete(v);
          pickerSummary(spec[3], state[spec[0]].size, spec[1].length, spec[2]);
          update();
        });
        pickerSummary(spec[3], state[spec[0]].size, spec[1].length, spec[2]);
      };
      render();
      lists[id].render = render;
    });
    document.querySelectorAll("[data-all],[data-none]").forEach(function (b) {
      b.addEventListener("click", function () {
        const id = b.getAttribute("data-all") || b.getAttribute("data-none");
        const spec = lists[id];
        state[spec[0]] = b.hasAttribute("data-all") ? new Set(spec[1].map(function (i) { return i.value; })) : new Set();
        spec.render();
        update();
      });
    });
    return lists;
  }
  function setupColumns() {
    const container = $("cp-columns");
    const render = function () {
      checkboxList(container, DATA.metrics.map(function (m) { return { value: m.id, label: m.label, title: m.description }; }),
        function (id) { return state.columns.indexOf(id) >= 0; },
        function (id, on, box) {
          if (!on && state.columns.length === 1) { box.checked = true; return; } // at least one
          const chosen = new Set(state.columns);
          if (on) chosen.add(id); else chosen.delete(id);
          state.columns = DATA.metrics.map(function (m) { return m.id; }).filter(function (x) { return chosen.has(x); });
          if (state.sort && !chosen.has(state.sort.col) && METRIC[state.sort.col]) state.sort = null;
          update();
        });
    };
    render();
    return render;
  }
  function setupFrame() {
    const select = $("cp-frame");
    PRESETS.forEach(function (p, i) { select.appendChild(el("option", { value: String(i), text: p.label })); });
    select.appendChild(el("option", { value: "custom", text: "custom dates\u2026" }));
    const from = $("cp-from"), to = $("cp-to");
    const show = function () {
      const tf = state.tf;
      const i = PRESETS.findIndex(function (p) { return tf.preset !== null && p.preset === tf.preset && p.days === tf.days; });
      select.value = i >= 0 ? String(i) : "custom";
      $("cp-custom").hidden = i >= 0;
      from.value = state.range.first === null ? "" : isoOf(state.range.first);
      to.value = state.range.last === null ? "" : isoOf(state.range.last);
    };
    const customChanged = function () {
      const start = from.value || null, end = to.value || null;
      const ok = (!start || /^\d{4}-\d{2}-\d{2}$/.test(start)) && (!end || /^\d{4}-\d{2}-\d{2}$/.test(end));
      if (!ok || (start && end && start > end)) {
        to.setCustomValidity("The last day is before the first.");
        to.reportValidity();
        return;
      }
      to.setCustomValidity("");
      state.tf = start || end ? { preset: null, days: null, start: start, end: end } : { preset: "all time", days: null, start: null, end: null };
      state.range = resolveFrame(state.tf);
      update();
    };
    select.addEventListener("change", function () {
      if (select.value === "custom") {
        $("cp-custom").hidden = false;
        customChanged();
        return;
      }
      const p = PRESETS[Number(select.value)];
      state.tf = { preset: p.preset, days: p.days, start: null, end: null };
      state.range = resolveFrame(state.tf);
      show();
      update();
    });
    from.addEventListener("change", customChanged);
    to.addEventListener("change", customChanged);
    if (S.basis !== "sent") {
      select.disabled = true;
      from.disabled = true;
      to.disabled = true;
      const note = $("cp-frame-note");
      note.textContent = "This report counts by date of activity, so its time frame is fixed: the " +
        "numbers of another frame cannot be worked out from this file (it holds counts per send " +
        "day). Make the report again with another time frame. Columns and filters still work.";
      note.hidden = false;
    }
    return show;
  }

  function main() {
    $("cp-controls").hidden = false;
    const showFrame = setupFrame();
    const renderColumns = setupColumns();
    const lists = setupFilters();
    $("cp-reset").addEventListener("click", function () {
      state = initialState();
      showFrame();
      renderColumns();
      Object.keys(lists).forEach(function (id) { lists[id].render(); });
      update();
    });
    $("cp-download").addEventListener("click", download);
    $("cp-preview-close").addEventListener("click", closePreview);
    $("cp-preview").addEventListener("click", function (ev) { if (ev.target === ev.currentTarget) closePreview(); });
    $("cp-preview").addEventListener("close", function () { $("cp-preview-frame").srcdoc = ""; });
    $("cp-controls").addEventListener("submit", function (ev) { ev.preventDefault(); });
    showFrame();
    renderEmailList();
    update({ charts: false });
    drawCharts();
    document.documentElement.setAttribute("data-cp-ready", "true");
  }

  // test hooks for the browser tests and curious readers (read-only helpers)
  window.campaignPerf = {
    formatValue: formatValue,
    resolveFrame: function (tf) { const r = resolveFrame(tf); return { first: r.first === null ? null : isoOf(r.first), last: r.last === null ? null : isoOf(r.last) }; },
    csv: function () { return csvText(); },
  };

  main();
})();
