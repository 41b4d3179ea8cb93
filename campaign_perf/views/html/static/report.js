/* campaign_perf HTML report: the table and every chart follow the reader's time frame,
 * columns and filters, from the aggregates embedded in the file.
 *
 * What things mean comes from Python, as data: the time frames (resolved against the
 * report's today), the table's columns, labels and row kinds, the number formats, the
 * metrics as expression trees over counts, and each chart's definition (title, traces,
 * layout; campaign_perf/views/specs.py). This script does only what must happen in the
 * reader's browser: sum the aggregates over the chosen days and filters (one reduction for
 * the table and every chart), evaluate the metric trees, sort, and fill the definitions in
 * (as campaign_perf/views/charts.py does in Python).
 *
 * Plain ES2017, no framework. Every name from the data is written
 * with textContent or DOM properties, never parsed as HTML; chart text, which plotly reads
 * as a subset of HTML, has it escaped by plotlyText (like specs.plotly_text).
 */
(async function () {
  "use strict";

  const DATA = JSON.parse(document.getElementById("cp-data").textContent);
  /** The bytes of packed text: base85 digits (RFC 1924, "." for "<") of gzip-compressed
   * bytes, inflated by the browser (views/html/report.py: text_of). */
  async function inflate(text) {
    if (typeof DecompressionStream === "undefined") {
      const note = document.createElement("p");
      note.className = "cp-note";
      note.textContent = "This browser cannot open the report's data: it needs a browser " +
        "from 2023 or later (Chrome 80, Edge 80, Firefox 113, Safari 16.4).";
      document.body.insertBefore(note, document.body.firstChild);
      throw new Error("no DecompressionStream");
    }
    const digits = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz!#$%&()*+-;.=>?@^_`{|}~";
    const value = new Uint8Array(128);
    for (let i = 0; i < 85; i++) value[digits.charCodeAt(i)] = i;
    const n = text.length, whole = Math.floor(n / 5), rest = n % 5;
    const bytes = new Uint8Array(whole * 4 + (rest ? rest - 1 : 0));
    let at = 0;
    for (let g = 0; g <= whole; g++) {
      const start = g * 5, size = g < whole ? 5 : rest; // a short last group: 84 pads it
      if (!size) break;
      let v = 0;
      for (let k = 0; k < 5; k++) v = v * 85 + (k < size ? value[text.charCodeAt(start + k)] : 84);
      for (let k = 0; k < size - 1; k++) bytes[at++] = (v >>> (24 - 8 * k)) & 255;
    }
    const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"));
    return new Response(stream).arrayBuffer();
  }
  const BUFFER = await inflate(document.getElementById("cp-buffer").textContent);
  const PLOTLY = document.getElementById("cp-plotly"); // plotly.js, gzip-compressed (inline)
  if (PLOTLY) {
    const script = document.createElement("script");
    script.textContent = new TextDecoder().decode(await inflate(PLOTLY.textContent));
    document.head.appendChild(script);
  }
  /** Whole numbers packed as a typed array in the buffer (views/html/report.py: Packer);
   * a column sent as its steps within groups restarts where `groups` changes. */
  function unpack(col, groups) {
    if (col.fill !== undefined) { const a = new Array(col.n); a.fill(col.fill); return a; }
    const Type = { u1: Uint8Array, i1: Int8Array, u2: Uint16Array, i2: Int16Array, u4: Uint32Array, i4: Int32Array }[col.dtype];
    const values = new Type(BUFFER, col.at, col.n), add = col.add || 0;
    if (!col.delta && !add) return values;
    const out = new Float64Array(values.length); // the steps summed, `add` where one starts
    let total = 0;
    for (let i = 0; i < values.length; i++) {
      const starts = !col.delta || i === 0 || (col.delta === "within" && groups[i] !== groups[i - 1]);
      total = starts ? values[i] + add : total + values[i];
      out[i] = total;
    }
    return out;
  }
  /** A packed measure; one sent as its difference from another (`plus`) gets it added. */
  function plus(col, measures) {
    const values = unpack(col);
    if (!col.plus) return values;
    const base = measures[col.plus], out = new Float64Array(values.length);
    for (let i = 0; i < out.length; i++) out[i] = values[i] + base[i];
    return out;
  }
  (function unpackAll() {
    const each = function (obj, keys) { keys.forEach(function (k) { if (obj && obj[k]) obj[k] = unpack(obj[k]); }); };
    each(DATA.sends, ["campaign", "email"]);
    const nEmails = DATA.emails.id.length, pair = new Float64Array(DATA.sends.email.length);
    for (let s = 0; s < pair.length; s++) pair[s] = DATA.sends.campaign[s] * nEmails + DATA.sends.email[s];
    DATA.sends.day = unpack(DATA.sends.day, pair); // sent as steps within each campaign and email
    each(DATA.campaigns, ["program", "status"]);
    Object.keys(DATA.aggregates).forEach(function (name) {
      const agg = DATA.aggregates[name];
      Object.keys(agg.measures).forEach(function (m) { // in order: a "plus" measure is before
        agg.measures[m] = plus(agg.measures[m], agg.measures);
      });
      // the measures with machine opens counted and excluded (alt: those that differ,
      // each sent as its difference from the measure)
      const alt = {};
      Object.keys(agg.alt || {}).forEach(function (m) { alt[m] = plus(agg.alt[m], agg.measures); });
      agg.byMode = {};
      agg.byMode[DATA.machine_opens.mode] = agg.measures;
      agg.byMode[DATA.machine_opens.other] = Object.assign({}, agg.measures, alt);
      const n = agg.measures[Object.keys(agg.measures)[0]].length;
      if (agg.send === null) { agg.send = new Int32Array(n); agg.send.forEach(function (_, i) { agg.send[i] = i; }); } // a row per send
      else if (!agg.send.per_send) agg.send = unpack(agg.send);
      else { // each send's number of rows, in the order of the sends
        const counts = unpack(agg.send), send = new Int32Array(n);
        for (let s = 0, i = 0; s < counts.length; s++) for (let k = 0; k < counts[s]; k++) send[i++] = s;
        agg.send = send;
      }
      Object.keys(agg.dims).forEach(function (k) {
        const col = agg.dims[k], values = unpack(col, agg.send);
        if (col.turn) { // sent turned by the weekday of the send's day (1970-01-01: a Thursday)
          const out = new Int32Array(n);
          for (let i = 0; i < n; i++) out[i] = (values[i] + col.turn * mod(DATA.sends.day[agg.send[i]] + 3, 7)) % (7 * col.turn);
          agg.dims[k] = out;
        } else agg.dims[k] = values;
      });
    });
  })();
  const S = DATA.settings;
  const T = DATA.table;
  const MO = DATA.machine_opens;
  const [DETAIL, SUBTOTAL, TOTAL] = T.kinds; // the rows' kinds (campaign_perf.report.rows)
  let FRAMES = DATA.frames; // the texts of the reader's machine-opens setting (setMachineOpens)
  const FMT = DATA.formats;
  const METRIC = {};
  DATA.metrics.forEach(function (m) { METRIC[m.id] = m; });
  // a grouping by where emails were read: its share of opened, shown and sorted like a
  // metric (it divides by the total, so it has no tree over a row's counts)
  if (T.share) METRIC[T.share.id] = T.share;
  /** The table's value columns: the chosen metrics, then the share of opened. */
  function valueColumns() { return T.share ? state.columns.concat([T.share.id]) : state.columns; }
  const C = DATA.campaigns, E = DATA.emails, SENDS = DATA.sends;
  const AGG = DATA.aggregates;

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
  /** Fill the {{slots}} of a text from Python, in one pass: a value is never read again. */
  function fill(text, slots) {
    return text.replace(/\{\{(\w+)\}\}/g, function (_, name) { return String(slots[name]); });
  }
  function plotlyText(value) { // specs.plotly_text: plotly draws the entities as the characters
    return String(value).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
  }

  // -- calendar days (days since 1970-01-01): the dates a reader types, and the weeks and
  // months of send days for the table's groups and the over-time charts' periods ----------
  const DAY_MS = 86400000;
  function dayFromYMD(y, m, d) { // setUTCFullYear: years 1-99 are not 1901-1999
    const t = new Date(0);
    t.setUTCFullYear(y, m - 1, d);
    return Math.round(t.getTime() / DAY_MS);
  }
  function ymd(day) {
    const t = new Date(day * DAY_MS);
    return [t.getUTCFullYear(), t.getUTCMonth() + 1, t.getUTCDate()];
  }
  function pad(n, w) { let s = String(n); while (s.length < w) s = "0" + s; return s; }
  function dayOf(iso) { const p = iso.split("-").map(Number); return dayFromYMD(p[0], p[1], p[2]); }
  function isoOf(day) { const p = ymd(day); return pad(p[0], 4) + "-" + pad(p[1], 2) + "-" + pad(p[2], 2); }
  /** The first day of the period holding `day` (weeks start on the day Python names). */
  function periodStart(day, period) {
    if (period === "week") return day - mod(day - FRAMES.week_anchor, 7);
    if (period === "month") { const p = ymd(day); return dayFromYMD(p[0], p[1], 1); }
    return day;
  }
  function nextPeriod(day, period) {
    if (period === "week") return day + 7;
    if (period === "month") { const p = ymd(day); return dayFromYMD(p[0], p[1] + 1, 1); }
    return day + 1;
  }
  function periodCount(lo, hi, period) {
    if (period === "day") return hi - lo + 1;
    if (period === "week") return (periodStart(hi, "week") - periodStart(lo, "week")) / 7 + 1;
    const a = ymd(lo), b = ymd(hi);
    return b[0] * 12 + b[1] - (a[0] * 12 + a[1]) + 1;
  }

  // -- time frames: the presets come resolved; a typed range is worded like Python ----------
  function presetFrame(i) {
    const p = FRAMES.presets[i];
    return { preset: i, first: p.first, last: p.last, label: p.label, text: p.text, description: p.description };
  }
  /** str(DateRange(first, last)), worded by Python. */
  function rangeText(first, last) {
    const r = FRAMES.custom.range;
    const slots = { first: first === null ? "" : isoOf(first), last: last === null ? "" : isoOf(last) };
    return first === null ? (last === null ? r.all : fill(r.until, slots))
      : last === null ? fill(r.from, slots) : fill(first === last ? r.one : r.both, slots);
  }
  function customFrame(first, last) {
    const c = FRAMES.custom;
    const slots = { first: first === null ? "" : isoOf(first), last: last === null ? "" : isoOf(last) };
    const range = rangeText(first, last);
    const label = fill(c.label, slots);
    return {
      preset: null, first: first, last: last, label: label,
      text: fill(c.text, { range: range }),
      description: fill(c.description, { label: label, range: range }),
    };
  }
  function initialFrame() {
    if (FRAMES.initial !== null) return presetFrame(FRAMES.initial);
    return customFrame(FRAMES.initial_range.first, FRAMES.initial_range.last);
  }

  // -- metrics: expression trees over count sums (x / 0 and infinities are missing) ---------
  function ev(t, sums) {
    if (typeof t === "number") return t;
    if (typeof t === "string") return sums[t];
    const op = t[0];
    if (op === "neg") return -ev(t[1], sums);
    if (op === "min" || op === "max") {
      let out = ev(t[1], sums);
      for (let i = 2; i < t.length; i++) {
        const b = ev(t[i], sums);
        out = isNaN(out) || isNaN(b) ? NaN : Math[op](out, b);
      }
      return out;
    }
    const a = ev(t[1], sums), b = ev(t[2], sums);
    if (op === "+") return a + b;
    if (op === "-") return a - b;
    if (op === "*") return a * b;
    if (op === "/") return b === 0 || isNaN(b) ? NaN : a / b;
    throw new Error("unknown operation " + op);
  }
  function evaluate(t, sums) { const v = ev(t, sums); return isFinite(v) ? v : NaN; }

  // -- formats: the specs of specs.FORMATS, applied ----------------------------------------
  // Python rounds a number's exact binary value, a half to the even neighbour. toFixed and
  // toExponential round the exact value too, but a half away from zero; Intl.NumberFormat
  // rounds the shortest decimal (0.1075 is 0.108 there, 0.107 in Python). So the numbers
  // are rounded with toFixed/toExponential, and an exact half (only zeros after the 5) is
  // taken to the even neighbour.
  function exactHalf(digits) { return /^50*$/.test(digits); }
  function fixedDigits(x, decimals) { // x >= 0
    const text = x.toFixed(decimals);
    if (x >= 1e21) return text;
    const exact = x.toFixed(100), point = exact.indexOf(".");
    const kept = exact.slice(0, decimals ? point + 1 + decimals : point);
    const even = Number(kept.charAt(kept.length - 1)) % 2 === 0;
    return exactHalf(exact.slice(point + 1 + decimals)) && even ? kept : text;
  }
  function significantDigits(x, digits) { // x >= 0: [the digits, the decimal exponent]
    const parts = x.toExponential(digits - 1).split("e");
    const exact = x.toExponential(100).split("e"), all = exact[0].replace(".", "");
    if (exactHalf(all.slice(digits)) && Number(all.charAt(digits - 1)) % 2 === 0) {
      return [all.slice(0, digits), Number(exact[1])];
    }
    return [parts[0].replace(".", ""), Number(parts[1])];
  }
  function formatValue(v, fmt) {
    if (typeof v !== "number" || !isFinite(v)) return FMT.missing;
    const spec = FMT[fmt] || FMT.float;
    if (spec.truncate) v = Math.trunc(v) + 0; // + 0: a truncated -0.4 is 0, not -0
    if (spec.scale) v = v * spec.scale;
    const sign = v < 0 || Object.is(v, -0) ? "-" : spec.sign ? "+" : "";
    const x = Math.abs(v);
    let whole, fraction = "";
    if (spec.significant) {
      const r = significantDigits(x, spec.significant), digits = r[0], exp = r[1];
      if (x !== 0 && (exp < spec.exponent[0] || exp >= spec.exponent[1])) {
        const mantissa = (digits.charAt(0) + "." + digits.slice(1)).replace(/\.?0+$/, "");
        return sign + mantissa + "e" + (exp < 0 ? "-" : "+") + pad(Math.abs(exp), 2) + (spec.suffix || "");
      }
      if (x === 0) whole = "0";
      else if (exp >= 0) { whole = (digits + "0".repeat(exp)).slice(0, exp + 1); fraction = digits.slice(exp + 1); }
      else { whole = "0"; fraction = "0".repeat(-exp - 1) + digits; }
      fraction = fraction.replace(/0+$/, "");
    } else {
      const parts = fixedDigits(x, spec.decimals).split(".");
      whole = parts[0];
      fraction = parts[1] || "";
    }
    if (spec.thousands) whole = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
    return sign + whole + (fraction ? "." + fraction : "") + (spec.suffix || "");
  }

  // -- the one reduction: sum an aggregate's rows over the chosen sends, by a key ------------
  const NS = SENDS.day.length;
  /** 1 for each send (campaign, email, send day) the reader's frame and filters keep. */
  function keptSends(st) {
    const mask = new Uint8Array(NS);
    const first = FRAMES.fixed ? null : st.frame.first, last = FRAMES.fixed ? null : st.frame.last;
    for (let s = 0; s < NS; s++) {
      const d = SENDS.day[s];
      if ((first === null || d >= first) && (last === null || d <= last) &&
        st.campaigns.has(SENDS.campaign[s]) && st.emails.has(SENDS.email[s])) mask[s] = 1;
    }
    return mask;
  }
  /** {key: {sums: {measure: total}, row: the first row of the key}} in the order keys come. */
  function sum(name, keyOf, mask) {
    const agg = AGG[name], measures = Object.keys(agg.measures);
    const columns = measures.map(function (m) { return agg.measures[m]; });
    const groups = new Map();
    for (let i = 0; i < agg.send.length; i++) {
      const s = agg.send[i];
      if (!mask[s]) continue;
      const key = keyOf(i, s);
      let g = groups.get(key);
      if (!g) {
        g = { sums: {}, row: i, send: s };
        measures.forEach(function (m) { g.sums[m] = 0; });
        groups.set(key, g);
      }
      for (let k = 0; k < measures.length; k++) g.sums[measures[k]] += columns[k][i];
    }
    return groups;
  }
  function zeros(name) {
    const out = {};
    Object.keys(AGG[name].measures).forEach(function (m) { out[m] = 0; });
    return out;
  }

  // -- the table's rows ----------------------------------------------------------------------
  // Each key column: its sort rank and its text, for a cube row i of send s.
  function column(col, i, s) {
    const c = SENDS.campaign[s], e = SENDS.email[s];
    switch (col) {
      case "campaign_id": return [c, C.id[c]];
      case "campaign_name": return [c, C.name[c]];
      case "email_id": return [e, E.id[e]];
      case "email_name": return [e, E.name[e]];
      case "program": return [C.program[c], DATA.programs[C.program[c]]];
      case "send_day": return [SENDS.day[s], isoOf(SENDS.day[s])];
      case "send_week": case "send_month": {
        const start = periodStart(SENDS.day[s], col.slice(5));
        return [start, isoOf(start)];
      }
      default: { // a lead attribute (or where emails were read), numbered in the order of its values
        const agg = AGG[T.source];
        const v = agg.dims[col][i];
        return [v, agg.labels[col][v]];
      }
    }
  }
  function rowKey(i, s) { return T.keys.map(function (k) { return column(k, i, s)[0]; }).join(","); }
  function values(sums, columns) {
    const out = {};
    columns.forEach(function (id) { out[id] = evaluate(METRIC[id].tree, sums); });
    return out;
  }
  function rank(a, b) {
    for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i] - b[i];
    return 0;
  }

  /** The report for a state: detail rows in table order with subtotals, and the total. */
  function compute(st) {
    const mask = keptSends(st);
    const groups = sum(T.source, rowKey, mask);
    const details = [];
    groups.forEach(function (g) {
      const labels = {}, ranks = [];
      T.keys.forEach(function (k) {
        const v = column(k, g.row, g.send);
        ranks.push(v[0]);
        labels[k] = v[1];
      });
      details.push({
        kind: DETAIL, labels: labels, ranks: ranks, sums: g.sums,
        campaign: SENDS.campaign[g.send], email: SENDS.email[g.send],
      });
    });
    details.sort(function (a, b) { return rank(a.ranks, b.ranks); });
    details.forEach(function (r, i) {
      r.values = values(r.sums, st.columns);
      r.block = T.subtotals ? C.id[r.campaign] : i;
    });
    // the total of every record (a grouping by where emails were read splits no sends,
    // and its rows can add up to more)
    let total = zeros("cube");
    if (T.source === "cube") groups.forEach(function (g) { Object.keys(total).forEach(function (m) { total[m] += g.sums[m]; }); });
    else sum("cube", function () { return 0; }, mask).forEach(function (g) { total = g.sums; });
    const totalValues = values(total, st.columns);
    if (T.share) { // report.core: opened under the value / opened in total
      const of = total[T.share.of];
      details.forEach(function (r) { r.values[T.share.id] = of > 0 ? r.sums[T.share.of] / of : NaN; });
      totalValues[T.share.id] = of > 0 ? of / of : NaN;
    }
    const rows = [];
    if (T.subtotals) {
      const subs = sum("cube", function (i, s) { return SENDS.campaign[s]; }, mask);
      let start = 0;
      for (let i = 1; i <= details.length; i++) {
        if (i < details.length && details[i].campaign === details[start].campaign) continue;
        for (let j = start; j < i; j++) rows.push(details[j]);
        if (i - start >= T.subtotal_rows) {
          const c = details[start].campaign, labels = {}, slots = {};
          slots[T.subtotal_label.column] = C.name[c];
          labels[T.subtotal_label.column] = fill(T.subtotal_label.text, slots);
          const sums = subs.get(c).sums;
          rows.push({ kind: SUBTOTAL, labels: labels, sums: sums, values: values(sums, st.columns), block: C.id[c] });
        }
        start = i;
      }
    } else {
      details.forEach(function (r) { rows.push(r); });
    }
    const totalLabels = {};
    totalLabels[T.shown[0]] = T.total_label;
    return {
      rows: rows, details: details, mask: mask,
      total: { kind: TOTAL, labels: totalLabels, sums: total, values: totalValues },
    };
  }

  /** campaign_perf.report.rows.sort_rows: the one sort rule of the interactive views. */
  function sortRows(rows, col, ascending, mode) {
    const numeric = !!METRIC[col];
    const dir = ascending ? 1 : -1;
    function key(r) {
      if (numeric) return r.values[col];
      const v = r.labels[col]; // toLowerCase: Python's casefold for all but a few letters (ß)
      return v === undefined || v === null ? "" : String(v).toLowerCase();
    }
    function cmp(a, b) {
      const x = key(a), y = key(b);
      if (numeric) {
        const xm = isNaN(x), ym = isNaN(y);
        if (xm || ym) return xm === ym ? 0 : xm ? 1 : -1; // missing values last
        return dir * (x - y);
      }
      const xb = x === "", yb = y === ""; // a blank name is missing: last
      if (xb || yb) return xb === yb ? 0 : xb ? 1 : -1;
      return dir * (x < y ? -1 : x > y ? 1 : 0);
    }
    const details = rows.filter(function (r) { return r.kind === DETAIL; });
    if (mode === "ranked") return details.slice().sort(cmp);
    const blocks = new Map();
    rows.forEach(function (r) {
      if (!blocks.has(r.block)) blocks.set(r.block, { details: [], subtotal: null });
      const b = blocks.get(r.block);
      if (r.kind === SUBTOTAL) b.subtotal = r; else b.details.push(r);
    });
    // Blocks by their subtotal in a number column, else by their first row once sorted.
    const list = Array.from(blocks.values());
    list.forEach(function (b) { b.details = b.details.slice().sort(cmp); });
    function lead(b) {
      return (numeric && b.subtotal) || b.details[0] || b.subtotal;
    }
    const order = list.sort(function (a, b) { return cmp(lead(a), lead(b)); });
    const out = [];
    order.forEach(function (b) {
      b.details.forEach(function (r) { out.push(r); });
      if (b.subtotal) out.push(b.subtotal);
    });
    return out;
  }

  // -- state -----------------------------------------------------------------------------
  const ALL_CAMPAIGNS = C.id.map(function (_, i) { return i; });
  const ALL_EMAILS = E.id.map(function (_, i) { return i; });
  function initialState() {
    return {
      frame: initialFrame(),
      columns: S.columns.filter(function (id) { return METRIC[id]; }),
      campaigns: new Set(ALL_CAMPAIGNS),
      emails: new Set(ALL_EMAILS),
      sort: null,
      mode: Object.keys(T.sort_modes)[0],
      machine: MO.mode,
      page: 0,
    };
  }
  let state = initialState();
  let result = null;

  // -- machine opens, counted or excluded: the file holds both settings' counts and texts -----
  const TEXTS = {};
  TEXTS[MO.mode] = { frames: DATA.frames, charts: DATA.charts };
  Object.keys(MO.texts).forEach(function (mode) { TEXTS[mode] = MO.texts[mode]; });
  function setMachineOpens(mode) {
    Object.keys(AGG).forEach(function (name) { AGG[name].measures = AGG[name].byMode[mode]; });
    FRAMES = TEXTS[mode].frames;
    DATA.charts = TEXTS[mode].charts;
    state.machine = mode;
    const f = state.frame; // the same days, said in this setting's words
    state.frame = f.preset !== null ? presetFrame(f.preset) : customFrame(f.first, f.last);
    $("cp-machine-opens").checked = mode === "exclude";
    $("cp-machine-opens-said").textContent = MO.said[mode];
  }

  // -- the table -------------------------------------------------------------------------
  function columnLabel(col) { return METRIC[col] ? METRIC[col].label : T.labels[col] || col; }
  function shownRows(res) {
    return state.sort ? sortRows(res.rows, state.sort.col, state.sort.ascending, state.mode) : res.rows;
  }
  function renderTable(res) {
    const table = $("cp-table");
    const head = el("tr");
    T.shown.concat(valueColumns()).forEach(function (col) {
      const metric = !!METRIC[col];
      const th = el("th", { scope: "col", className: metric ? "cp-metric" : "", "data-col": col });
      if (metric && METRIC[col].description) th.title = METRIC[col].description;
      if (state.sort && state.sort.col === col) {
        th.setAttribute("aria-sort", state.sort.ascending ? "ascending" : "descending");
      }
      const button = el("button", { type: "button", text: columnLabel(col) });
      button.addEventListener("click", function () { sortBy(col); });
      th.appendChild(button);
      head.appendChild(th);
    });
    const rows = shownRows(res);
    const size = T.page_size, pages = Math.max(1, Math.ceil(rows.length / size));
    state.page = Math.min(state.page, pages - 1);
    const body = el("tbody");
    rows.slice(state.page * size, (state.page + 1) * size).concat([res.total]).forEach(function (row) {
      const tr = el("tr", { className: "cp-" + row.kind });
      T.shown.forEach(function (col) {
        const text = row.labels[col] === undefined ? "" : String(row.labels[col]);
        const td = el("td");
        if (col === "email_name" && row.kind === DETAIL && DATA.previews[row.email]) {
          td.appendChild(previewButton(row.email, text));
        } else {
          td.textContent = text;
        }
        tr.appendChild(td);
      });
      valueColumns().forEach(function (col) {
        tr.appendChild(el("td", { className: "cp-metric", text: formatValue(row.values[col], METRIC[col].fmt) }));
      });
      body.appendChild(tr);
    });
    table.replaceChild(el("thead", {}, [head]), table.tHead);
    table.replaceChild(body, table.tBodies[0]);
    $("cp-empty").hidden = res.details.length > 0;
    const nav = $("cp-pages");
    nav.hidden = pages < 2;
    $("cp-page-text").textContent = fill(T.page_text, {
      first: formatValue(state.page * size + 1, "int"),
      last: formatValue(Math.min(rows.length, (state.page + 1) * size), "int"),
      n: formatValue(rows.length, "int"),
    });
    $("cp-prev").disabled = state.page === 0;
    $("cp-next").disabled = state.page >= pages - 1;
  }
  function sortBy(col) {
    if (state.sort && state.sort.col === col) state.sort = { col: col, ascending: !state.sort.ascending };
    else state.sort = { col: col, ascending: !METRIC[col] };
    state.page = 0;
    renderTable(result);
  }

  // -- CSV download: Report.table() for the current choices ------------------------------
  // Names are user data that a spreadsheet could run as formulas: they get Python's guard
  // (campaign_perf.spreadsheet, its prefixes sent as data). Numbers are written as
  // JavaScript's shortest round-trip text, the same number as Python's repr.
  function neutralise(text) {
    const guard = DATA.csv.formula_prefixes.some(function (p) { return text.slice(0, p.length) === p; });
    return guard ? DATA.csv.formula_guard + text : text;
  }
  function csvField(v) { return /[",\r\n]/.test(v) ? '"' + v.replace(/"/g, '""') + '"' : v; }
  function csvText() {
    const lines = [T.keys.concat(valueColumns()).map(function (h) { return csvField(neutralise(h)); }).join(",")];
    shownRows(result).forEach(function (r) {
      if (r.kind !== DETAIL) return;
      const cells = T.keys.map(function (k) { return csvField(neutralise(String(r.labels[k]))); });
      valueColumns().forEach(function (id) { cells.push(isNaN(r.values[id]) ? "" : String(r.values[id])); });
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
    // made when first shown: a list of thousands of emails is not drawn for nothing
    const details = $("cp-email-details");
    if (!details.open) {
      details.addEventListener("toggle", function once() {
        details.removeEventListener("toggle", once);
        renderEmailList();
      });
      return;
    }
    const list = $("cp-email-list");
    const items = document.createDocumentFragment();
    ALL_EMAILS.forEach(function (e) {
      const li = el("li");
      li.appendChild(DATA.previews[e] ? previewButton(e, E.name[e]) : el("span", { text: E.name[e] }));
      if (E.subject && E.subject[e]) {
        li.appendChild(document.createTextNode(" \u2014 "));
        li.appendChild(el("span", { className: "cp-subject", text: E.subject[e] }));
      }
      items.appendChild(li);
    });
    list.appendChild(items);
  }

  // -- charts: each definition reduced and filled in, as campaign_perf/views/charts.py ------
  const PLOTLY_CONFIG = { displaylogo: false, responsive: true };
  function plotly() { return typeof window.Plotly === "object" && window.Plotly ? window.Plotly : null; }
  function joinWords(words, join) {
    if (words.length > join.max) return join.many;
    return words.length === 1 ? words[0] : words.slice(0, -1).join(join.sep) + join.last + words[words.length - 1];
  }
  function nothingSent(spec, res) {
    return !spec.empty_unless.some(function (m) { return res.total.sums[m] > 0; });
  }
  function noData(spec, groups) {
    if (!spec.no_data) return false;
    let any = false;
    groups.forEach(function (g) {
      spec.no_data.measures.forEach(function (m) { if (g.sums[m] > 0) any = true; });
    });
    return !any;
  }
  /** specs.shorten: a text cut to `chars` characters (code points), the last one "…". */
  function shorten(text, chars) {
    const points = Array.from(text);
    return points.length <= chars ? text : points.slice(0, chars - 1).join("") + "\u2026";
  }
  /** charts._row_names: each row's name (made unique with the ids) and its tick, one line
   * per name cut to `chars` characters; both escaped for plotly. */
  function rowNames(rows, chars, shown, ids) {
    const parts = function (r, cols) {
      return cols.map(function (c) { const v = r.labels[c]; return v === undefined || v === null ? FMT.missing : String(v); });
    };
    const names = rows.map(function (r) { return parts(r, shown); });
    const labels = names.map(function (p) { return p.join(T.label_sep); });
    const seen = {};
    labels.forEach(function (l) { seen[l] = (seen[l] || 0) + 1; });
    labels.forEach(function (l, i) {
      if (!ids.length || seen[l] < 2) return;
      const suffix = " (" + parts(rows[i], ids).join(T.label_sep) + ")";
      labels[i] = l + suffix;
      names[i][names[i].length - 1] += suffix;
    });
    return {
      key: labels.map(plotlyText),
      tick: names.map(function (p) { return p.map(function (x) { return plotlyText(shorten(x, chars)); }).join("<br>"); }),
    };
  }
  /** The rates a chart draws: for the rates chart the chosen % columns, else its
   * fallback, by family (specs.RATE_FAMILIES: deliverability, then engagement). */
  function seriesIds(spec) {
    if (!spec.fallback) return spec.series.map(function (s) { return s.id; });
    let chosen = state.columns.filter(function (id) { return METRIC[id].series; });
    if (!chosen.length) chosen = spec.fallback.filter(function (id) { return METRIC[id] && METRIC[id].series; });
    return chosen.map(function (id, i) { return [METRIC[id].series.family, i, id]; })
      .sort(function (a, b) { return a[0] - b[0] || a[1] - b[1]; })
      .map(function (x) { return x[2]; });
  }
  /** charts._series: each rate's values, exact counts and style; with the total's sums,
   * each rate's total and its panel's slots. */
  function series(spec, rows, total) {
    return seriesIds(spec).map(function (id, i) {
      const m = METRIC[id], s = m.series;
      const out = {
        id: id,
        value: rows.map(function (r) { return evaluate(m.tree, r.sums); }),
        slots: { name: s.name, color: s.color || DATA.palette[i % DATA.palette.length], hover_x: s.hover.x, hover_y: s.hover.y },
      };
      if (s.ratio) { // a ratio's exact counts: its tree is ["/", numerator, denominator]
        out.customdata = rows.map(function (r) { return [evaluate(m.tree[1], r.sums), evaluate(m.tree[2], r.sums)]; });
      }
      if (total) {
        out.total = evaluate(m.tree, total);
        out.slots.total = formatValue(out.total, "pct");
        out.slots.note = s.note;
      }
      return out;
    });
  }
  /** charts._sorted_panel: a rate's rows by value, highest first, missing values after
   * them, the "Other" row last; ties keep the table's order. */
  function sortedPanel(entry, key, tick, named) {
    const v = entry.value;
    const order = [];
    for (let i = 0; i < named; i++) order.push(i);
    order.sort(function (a, b) {
      const x = v[a], y = v[b], xm = isNaN(x), ym = isNaN(y);
      if (xm || ym) return xm === ym ? a - b : xm ? 1 : -1;
      return y - x || a - b;
    });
    for (let i = named; i < v.length; i++) order.push(i);
    const pick = function (a) { return order.map(function (i) { return a[i]; }); };
    entry.key = pick(key);
    entry.tick = pick(tick);
    entry.value = pick(v);
    if (entry.customdata) entry.customdata = pick(entry.customdata);
  }
  /** The rows of a chart that regroups the report (spec.group: the domains chart), in the
   * order of Python's table (its values sorted), each with its sums and name. */
  function regrouped(spec, res) {
    const agg = AGG[spec.source], g = spec.group[0];
    const groups = sum(spec.source, function (i) { return agg.dims[g][i]; }, res.mask);
    const rows = [];
    groups.forEach(function (x, v) { const labels = {}; labels[g] = agg.labels[g][v]; rows.push({ sums: x.sums, labels: labels, v: v }); });
    return rows.sort(function (a, b) { return a.v - b.v; });
  }
  const REDUCE = {
    rows: function (spec, res) {
      let rows = spec.group ? regrouped(spec, res) : res.details;
      const shown = spec.group || T.shown, ids = spec.group ? [] : T.ids;
      const others = [];
      if (rows.length > spec.top.n) {
        const by = spec.top.by;
        const order = rows.map(function (_, i) { return i; })
          .sort(function (a, b) { return rows[b].sums[by] - rows[a].sums[by]; }); // stable
        const kept = order.slice(0, spec.top.n).sort(function (a, b) { return a - b; });
        const keep = new Set(kept);
        const other = zeros(spec.source);
        rows.forEach(function (r, i) {
          if (!keep.has(i)) Object.keys(other).forEach(function (m) { other[m] += r.sums[m]; });
        });
        others.push(plotlyText(fill(spec.top.other, { n: formatValue(rows.length - kept.length, "int") })));
        rows = kept.map(function (i) { return rows[i]; }).concat([{ sums: other }]);
      }
      const named = rows.length - others.length;
      const names = rowNames(rows.slice(0, named), spec.panels.label_chars, shown, ids);
      const key = names.key.concat(others), tick = names.tick.concat(others);
      const out = series(spec, rows, res.total.sums);
      out.forEach(function (entry) { sortedPanel(entry, key, tick, named); });
      return { key: key, lines: shown.length, series: out };
    },
    shares: function (spec, res) { // charts._by_share, from the file's folded aggregates
      const name = function (part) { return "engagement:" + part.group; };
      if (!AGG[name(spec.parts[0])]) return { message: spec.refused.lead_filters };
      const opened = res.total.sums.opened;
      if (!(opened > 0)) return { message: spec.no_data.message };
      const parts = spec.parts.map(function (part) {
        const agg = AGG[name(part)], items = [];
        sum(name(part), function (i) { return agg.dims[part.group][i]; }, res.mask).forEach(function (g, v) {
          items.push({ v: v, opened: g.sums.opened });
        });
        // most opened first; a tie in the table's order (its values sorted)
        items.sort(function (a, b) { return b.opened - a.opened || a.v - b.v; });
        return { part: part, labels: agg.labels[part.group], shown: items.slice(0, spec.top.n), every: items.length };
      });
      const rows = parts.reduce(function (n, p) { return n + p.shown.length; }, 0);
      const room = 1 - spec.gap * (parts.length - 1);
      const out = { key: [] };
      let top = 1.0;
      parts.forEach(function (p) {
        const g = p.part.group;
        const key = p.shown.map(function (x) { return plotlyText(p.labels[x.v]); });
        const height = rows ? room * p.shown.length / rows : room / parts.length;
        out.key = out.key.concat(key);
        out[g + "_key"] = key;
        out[g + "_share"] = p.shown.map(function (x) { return x.opened / opened; });
        out[g + "_opened"] = p.shown.map(function (x) { return x.opened; });
        out[g + "_domain"] = [Math.max(0, top - height), top];
        out[g + "_title"] = p.shown.length === p.every ? p.part.axis
          : fill(p.part.cut, { n: formatValue(p.shown.length, "int"), all: formatValue(p.every, "int") });
        top -= height + spec.gap;
      });
      return out;
    },
    total: function (spec, res) { // charts._total
      const sums = res.total.sums;
      return {
        total: spec.measures.map(function (m) { return sums[m]; }),
        text: spec.steps.map(function (step) {
          const said = [fill(spec.step_text.count, { label: step.label, count: formatValue(sums[step.count], "int") })];
          step.rates.forEach(function (r) {
            said.push(fill(r.text, { value: formatValue(evaluate(METRIC[r.id].tree, sums), "pct") }));
          });
          return said.join(spec.step_text.sep);
        }),
      };
    },
    period: function (spec, res, st) {
      let lo = Infinity, hi = -Infinity;
      for (let s = 0; s < NS; s++) {
        if (res.mask[s]) { lo = Math.min(lo, SENDS.day[s]); hi = Math.max(hi, SENDS.day[s]); }
      }
      const seen = [lo, hi];
      const first = st.frame.first, last = st.frame.last;
      const periods = Object.keys(spec.periods); // finest first
      const finer = periods.slice(periods.indexOf(spec.period));
      function fits(a, b) { return finer.find(function (p) { return periodCount(a, b, p) <= spec.max_points; }); }
      lo = first === null ? seen[0] : Math.min(first, seen[0]);
      hi = last === null ? seen[1] : Math.max(last, seen[1]);
      let period = fits(lo, hi);
      if (!period) { lo = seen[0]; hi = seen[1]; period = fits(lo, hi) || "month"; }
      const keys = [];
      for (let d = periodStart(lo, period); d <= periodStart(hi, period); d = nextPeriod(d, period)) keys.push(d);
      const groups = sum("cube", function (i, s) { return periodStart(SENDS.day[s], period); }, res.mask);
      const sums = keys.map(function (k) { const g = groups.get(k); return g ? g.sums : zeros("cube"); });
      const out = { key: keys.map(isoOf), period: period, columns: {} };
      (spec.measures || []).forEach(function (m) {
        out.columns[m] = sums.map(function (x) { return evaluate(METRIC[m].tree, x); });
      });
      if (spec.series) out.series = series(spec, sums.map(function (x) { return { sums: x }; }));
      return out;
    },
    bin: function (spec, res) {
      const groups = sum("hours", function (i) { return AGG.hours.dims.bin[i]; }, res.mask);
      if (noData(spec, groups)) return { message: spec.no_data.message };
      const b = spec.bins, keep = [];
      b.keys.forEach(function (k, i) {
        const g = groups.get(k);
        if (b.optional.indexOf(k) < 0 || (g && spec.measures.some(function (m) { return g.sums[m] > 0; }))) keep.push(i);
      });
      const labels = keep.map(function (i) { return b.labels[i]; });
      const out = {
        key: labels,
        text: keep.map(function (i) { return b.texts[i]; }),
        ticks: b.ticks.filter(function (t) { return labels.indexOf(t) >= 0; }),
        columns: {},
      };
      spec.measures.forEach(function (m) {
        out.columns[m] = keep.map(function (i) { const g = groups.get(b.keys[i]); return g ? g.sums[m] : 0; });
      });
      return out;
    },
    cell: function (spec, res) {
      const groups = sum("clock", function (i) { return AGG.clock.dims.cell[i]; }, res.mask);
      if (noData(spec, groups)) return { message: spec.no_data.message };
      const z = spec.grid.rows.map(function () { const r = []; for (let h = 0; h < spec.grid.cols; h++) r.push(0); return r; });
      groups.forEach(function (g, cell) {
        z[spec.grid.rows.indexOf(Math.floor(cell / 24))][cell % 24] += g.sums.opens;
      });
      return { grid: z };
    },
    link: function (spec, res) {
      const groups = sum("links", function (i) { return AGG.links.dims.link[i]; }, res.mask);
      if (noData(spec, groups)) return { message: spec.no_data.message };
      const items = [];
      groups.forEach(function (g, link) { items.push({ link: link, sums: g.sums }); });
      items.sort(function (a, b) {
        for (let k = 0; k < spec.sort.length; k++) {
          const name = spec.sort[k][0], dir = spec.sort[k][1];
          const x = name === "@link" ? a.link : a.sums[name], y = name === "@link" ? b.link : b.sums[name];
          if (x !== y) return dir * (x - y); // links are numbered in the order of their text
        }
        return 0;
      });
      const top = items.slice(0, spec.top.n), labels = AGG.links.labels;
      const out = {
        key: top.map(function (x) { return labels.key[x.link]; }),
        tick: top.map(function (x) { return labels.tick[x.link]; }),
        columns: {},
      };
      spec.measures.forEach(function (m) { out.columns[m] = top.map(function (x) { return x.sums[m]; }); });
      return out;
    },
  };
  function setPath(obj, path, value) {
    const parts = path.split(".");
    parts.slice(0, -1).forEach(function (p) { if (!obj[p]) obj[p] = {}; obj = obj[p]; });
    obj[parts[parts.length - 1]] = value;
  }
  function trace(template, reduced, slots, item) { // charts._trace
    const found = Object.assign({}, reduced, item || {});
    const columns = reduced.columns || {};
    function data(ref) {
      if (typeof ref !== "string") return ref;
      return ref.charAt(0) === "@" ? found[ref.slice(1)] : columns[ref];
    }
    const out = {};
    Object.keys(template).forEach(function (key) {
      const value = template[key];
      if (key === "x" || key === "y" || key === "z" ||
        (typeof value === "string" && (key === "customdata" || value.charAt(0) === "@"))) {
        const v = data(value);
        if (v !== undefined && v !== null) out[key] = v;
      } else if (key === "customdata") {
        const cols = value.map(data);
        out[key] = cols[0].map(function (_, i) { return cols.map(function (c) { return c[i]; }); });
      } else if (typeof value === "string") {
        out[key] = fill(value, slots);
      } else if (value && typeof value === "object" && !Array.isArray(value)) {
        out[key] = {};
        Object.keys(value).forEach(function (k) { out[key][k] = typeof value[k] === "string" ? fill(value[k], slots) : value[k]; });
      } else {
        out[key] = value;
      }
    });
    ["x", "y"].forEach(function (k) { // plotly draws null, not NaN, as a gap
      if (Array.isArray(out[k])) out[k] = out[k].map(function (v) { return typeof v === "number" && isNaN(v) ? null : v; });
    });
    return out;
  }
  /** charts.fit_titles: the title and subtitle wrapped to the width, the top margin
   * holding their lines (plotly does not wrap text; a phone is 390 pixels wide). */
  function wrapText(text, chars) { // specs.wrap_text
    const lines = [];
    let line = "";
    text.split(" ").forEach(function (word) {
      if (line && Array.from(line).length + 1 + Array.from(word).length > chars) { lines.push(line); line = word; }
      else line = line ? line + " " + word : word;
    });
    lines.push(line);
    return [lines.join("<br>"), lines.length];
  }
  function fitTitles(layout, width) {
    const F = DATA.chart_fit, room = width - layout.margin.l - layout.margin.r;
    let height = F.top + F.below;
    [["title", layout.title], ["subtitle", layout.title.subtitle]].forEach(function (p) {
      const size = F[p[0]], w = wrapText(p[1].text, Math.max(1, Math.floor(room / (size * F.em))));
      p[1].text = w[0];
      height += w[1] * Math.ceil(size * F.line);
    });
    layout.margin.t = height;
  }
  /** charts.panel_grid: where the panels of a small-multiples chart go. */
  function panelGrid(panels, n, rows, lines, plot) {
    const columns = Math.max(1, Math.min(panels.max_columns, n, Math.floor(plot / panels.min_width)));
    const rowHeight = lines * panels.line_height + panels.row_pad;
    const panelHeight = panels.head + rows * rowHeight + panels.foot;
    const height = Math.ceil(n / columns) * panelHeight;
    const cell = plot / columns, label = Math.min(panels.label_width, cell / 2);
    const boxes = [];
    for (let i = 0; i < n; i++) {
      const c = i % columns, r = Math.floor(i / columns);
      boxes.push({
        x: [(c * cell + label) / plot, ((c + 1) * cell - panels.gap) / plot],
        y: [1 - ((r + 1) * panelHeight - panels.foot) / height, 1 - (r * panelHeight + panels.head) / height],
        left: c * cell / plot,
      });
    }
    return { height: height, columns: columns, panels: boxes };
  }
  /** charts._place_panels: each rate in a panel of its own, with its axes, its title and
   * a line at the total. */
  function placePanels(panels, reduced, traces, layout, width) {
    const m = layout.margin;
    const grid = panelGrid(panels, reduced.series.length, reduced.key.length, reduced.lines, width - m.l - m.r);
    layout.shapes = layout.shapes || [];
    reduced.series.forEach(function (s, i) {
      const n = i === 0 ? "" : String(i + 1), box = grid.panels[i], t = traces[i];
      t.xaxis = "x" + n;
      t.yaxis = "y" + n;
      layout["xaxis" + n] = Object.assign(clone(panels.xaxis), { domain: box.x, anchor: "y" + n });
      layout["yaxis" + n] = Object.assign(clone(panels.yaxis), {
        domain: box.y, anchor: "x" + n, categoryarray: s.key, tickvals: s.key, ticktext: s.tick,
      });
      panels.annotations.forEach(function (note) {
        layout.annotations.push(Object.assign(clone(note), {
          text: fill(note.text, s.slots), xref: "paper", yref: "paper", x: box.left, y: box.y[1],
          xanchor: "left", yanchor: "bottom", showarrow: false,
        }));
      });
      if (isFinite(s.total)) {
        layout.shapes.push(Object.assign(clone(panels.reference), {
          type: "line", xref: "x" + n, yref: "y" + n + " domain", x0: s.total, x1: s.total, y0: 0, y1: 1,
        }));
      }
    });
    layout.height = m.t + m.b + grid.height;
  }
  function draw(spec, reduced, st, width) { // charts.draw
    const slots = Object.assign({}, spec.slots || {}, reduced.slots || {});
    const period = reduced.period || spec.period;
    if (period) { slots.period = spec.periods[period].phrase; slots.when = spec.periods[period].when; }
    const layout = clone(DATA.chart_base);
    layout.title.text = plotlyText(fill(spec.title, slots) + " \u2014 " + st.frame.text);
    const filtered = spec.filtered || st.campaigns.size < ALL_CAMPAIGNS.length || st.emails.size < ALL_EMAILS.length;
    layout.title.subtitle.text = spec.subtitle[filtered ? "filtered" : "plain"];
    fitTitles(layout, width);
    if (reduced.message) {
      Object.assign(layout, clone(DATA.chart_empty));
      layout.annotations[0].text = plotlyText(reduced.message);
      return { data: [], layout: layout };
    }
    Object.keys(spec.layout).forEach(function (k) {
      layout[k] = clone(spec.layout[k] === "@period_axis" ? spec.periods[period].axis : spec.layout[k]);
    });
    Object.keys(spec.fill).forEach(function (path) { setPath(layout, path, reduced[spec.fill[path].slice(1)]); });
    const data = spec.series
      ? reduced.series.map(function (s) { return trace(spec.trace, reduced, Object.assign({}, slots, s.slots), s); })
      : spec.traces.map(function (t) { return trace(t, reduced, slots); });
    if (spec.panels) placePanels(spec.panels, reduced, data, layout, width);
    if (spec.height) {
      const h = spec.height;
      const per = h.per + (h.per_series || 0) * (reduced.series ? reduced.series.length : 0);
      layout.height = Math.max(h.min, h.base + reduced.key.length * per);
    }
    return { data: data, layout: layout };
  }
  function figure(kind, res, width) {
    const spec = DATA.charts[kind];
    let reduced;
    if (nothingSent(spec, res)) reduced = { message: spec.empty };
    else if (!res.details.length && spec.by === "rows") reduced = { message: spec.empty };
    else reduced = REDUCE[spec.by](spec, res, state);
    if (spec.join) { // the title names the rates drawn
      const labels = seriesIds(spec).map(function (id) { return METRIC[id].label; });
      reduced.slots = { what: joinWords(labels, spec.join) };
    }
    return draw(spec, reduced, state, width);
  }
  function drawCharts(res, first) {
    const P = plotly();
    Object.keys(DATA.charts).forEach(function (kind) {
      const node = $("cp-chart-" + kind);
      if (!node) return;
      if (!P) {
        if (first) {
          node.textContent = "";
          node.appendChild(el("p", { className: "cp-note", text: "The charts need plotly.js, which could not be loaded (offline?)." }));
        }
        return;
      }
      const fig = figure(kind, res, node.clientWidth || DATA.chart_width);
      if (first) node.textContent = "";
      P.react(node, fig.data, fig.layout, PLOTLY_CONFIG);
      describeChart(node, kind, fig);
    });
  }
  /** A text summary of a chart for screen readers: its title, and for each series its
   * highest value and where it is (the table holds every figure). */
  function describeChart(node, kind, fig) {
    let summary = $("cp-chart-" + kind + "-summary");
    if (!summary) {
      summary = el("p", { className: "cp-visually-hidden", id: "cp-chart-" + kind + "-summary" });
      node.parentNode.insertBefore(summary, node.nextSibling);
      node.setAttribute("aria-describedby", summary.id);
    }
    const decode = function (t) {
      return String(t || "").replace(/<[^>]*>/g, " ").replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&");
    };
    const parts = [decode(fig.layout.title && fig.layout.title.text) + "."];
    (fig.data || []).forEach(function (tr) {
      const horizontal = tr.orientation === "h";
      const vals = (horizontal ? tr.x : tr.y) || [], keys = (horizontal ? tr.y : tr.x) || [];
      let best = -1;
      for (let i = 0; i < vals.length; i++) {
        if (typeof vals[i] === "number" && isFinite(vals[i]) && (best < 0 || vals[i] > vals[best])) best = i;
      }
      if (best < 0 || !Array.isArray(vals)) return;
      const axis = fig.layout[(horizontal ? "xaxis" : "yaxis") + (tr[horizontal ? "xaxis" : "yaxis"] || "").slice(1)] || {};
      const fmt = /%/.test(axis.tickformat || "") ? "pct" : "float";
      parts.push((decode(tr.name) || "Values") + ": highest " + formatValue(vals[best], fmt) +
        (keys[best] !== undefined ? " (" + decode(keys[best]) + ")" : "") + ".");
    });
    summary.textContent = parts.join(" ");
  }

  // -- controls --------------------------------------------------------------------------
  // -- the headline strip: views/kpi_strip.py draws it, this refills it ---------------------
  const K = DATA.kpis;
  /** The period the headline compares with (TimeFrame.previous): a preset's comes
   * resolved from Python; typed dates are compared with as many days just before. */
  function previousFrame(f) {
    if (FRAMES.fixed) return null;
    if (f.preset !== null) return FRAMES.presets[f.preset].previous;
    if (f.first === null || f.last === null) return null;
    return { first: f.first - (f.last - f.first + 1), last: f.first - 1 };
  }
  /** report.stats.compare_periods' change: "+1.2 pts" for a rate, "+120 (+5.0%)" for a count. */
  function changeText(delta, relative, fmt) {
    if (!isFinite(delta)) return FMT.missing;
    if (fmt === "pct") return formatValue(delta, "pts");
    const text = formatValue(delta, fmt + "_change");
    return isFinite(relative) ? text + " (" + formatValue(relative, "relative") + ")" : text;
  }
  /** The pooled two-proportion z of report.stats.two_proportion_test (NaN: nothing to test). */
  function zStat(xa, na, xb, nb) {
    if (!(na > 0) || !(nb > 0)) return NaN;
    const p = (xa + xb) / (na + nb), se = Math.sqrt(p * (1 - p) * (1 / na + 1 / nb));
    return se > 0 ? (xb / nb - xa / na) / se : NaN;
  }
  /** kpi_strip.sparkline_points: the values left to right, the lowest at the bottom. */
  function sparklinePoints(vals) {
    const box = K.sparkline, w = box.width, h = box.height, pad = box.pad;
    const pts = [];
    vals.forEach(function (v, i) { if (isFinite(v)) pts.push([i, v]); });
    if (!pts.length) return "";
    if (vals.length === 1) return "0," + h / 2 + " " + w + "," + h / 2;
    const lo = Math.min.apply(null, pts.map(function (p) { return p[1]; }));
    const hi = Math.max.apply(null, pts.map(function (p) { return p[1]; }));
    const step = w / (vals.length - 1);
    function r(x) { return String(Math.round(x * 100) / 100); }
    return pts.map(function (p) {
      const y = hi === lo ? h / 2 : pad + (hi - p[1]) / (hi - lo) * (h - 2 * pad);
      return r(p[0] * step) + "," + r(y);
    }).join(" ");
  }
  /** The days compared (compare_periods): the frame and its previous period, less the
   * days still settling (after K.settled_through), cut from the end of both alike. */
  function comparedFrames(f) {
    const prev = previousFrame(f);
    if (!prev) return { why: FRAMES.fixed ? "fixed" : "open" };
    const settled = K.settled_through;
    if (f.last <= settled) return { current: { first: f.first, last: f.last }, previous: prev, why: "closed" };
    if (settled < f.first) return { why: "all_settling" };
    const cut = f.last - Math.max(settled, f.first - 1);
    return {
      current: { first: f.first, last: f.last - cut },
      previous: { first: prev.first, last: Math.max(prev.last - cut, prev.first) },
      why: "settling",
    };
  }
  function sumsOver(frame) {
    const mask = keptSends({ frame: frame, campaigns: state.campaigns, emails: state.emails });
    let out = zeros("cube");
    sum("cube", function () { return 0; }, mask).forEach(function (g) { out = g.sums; });
    return out;
  }
  function drawKpis(res) {
    const cmp = comparedFrames(state.frame);
    const before = cmp.previous ? sumsOver(cmp.previous) : null;
    const compared = cmp.current ? sumsOver(cmp.current) : null;
    const days = Array.from(sum("cube", function (i, s) { return SENDS.day[s]; }, res.mask).entries())
      .sort(function (a, b) { return a[0] - b[0]; });
    const f = state.frame, settling = f.last === null || f.last > K.settled_through;
    $("cp-settling").hidden = !settling;
    $("cp-settling").textContent = settling ? fill(K.settling_note, { settled: isoOf(K.settled_through) }) : "";
    $("cp-kpi-against").textContent = fill(K.against[cmp.why], {
      range: cmp.previous ? rangeText(cmp.previous.first, cmp.previous.last) : "",
      current: cmp.current ? rangeText(cmp.current.first, cmp.current.last) : "",
      settled: isoOf(K.settled_through),
    });
    K.metrics.forEach(function (m) {
      const item = document.querySelector('.cp-kpi[data-metric="' + m.id + '"]');
      if (!item) return;
      const now = evaluate(METRIC[m.id].tree, res.total.sums);
      const then = before ? evaluate(METRIC[m.id].tree, before) : NaN;
      const delta = (compared ? evaluate(METRIC[m.id].tree, compared) : NaN) - then;
      const relative = then && isFinite(then) ? delta / then : NaN;
      let significance = "none";
      if (m.proportion && before) {
        const x = function (s) { return m.proportion.numerator.reduce(function (a, c) { return a + s[c]; }, 0); };
        const d = m.proportion.denominator;
        const z = zStat(x(before), before[d], x(compared), compared[d]);
        significance = isFinite(z) && Math.abs(z) > K.z ? "true" : "false";
      }
      const verdict = !m.better || !isFinite(delta) ? "" : delta === 0 ? "same"
        : (delta > 0) === (m.better === "higher") ? "better" : "worse";
      item.setAttribute("data-verdict", verdict);
      item.setAttribute("data-significant", significance);
      item.querySelector(".cp-kpi-value").textContent = formatValue(now, m.fmt);
      item.querySelector(".cp-kpi-change").textContent = changeText(delta, relative, m.fmt);
      item.querySelector(".cp-kpi-sig").textContent = K.significance[significance];
      item.querySelector("polyline").setAttribute("points", sparklinePoints(days.map(function (d) {
        return evaluate(METRIC[m.id].tree, d[1].sums);
      })));
    });
  }

  // -- what stood out: report.performers.performers for the reader's rows -------------------
  const PF = DATA.performers;
  /** stats.wilson_interval. */
  function wilson(x, n) {
    if (!(n > 0) || x < 0 || x > n) return [NaN, NaN];
    const z = PF.z, p = x / n, denom = 1 + z * z / n;
    const center = (p + z * z / (2 * n)) / denom;
    const half = z / denom * Math.sqrt(p * (1 - p) / n + z * z / (4 * n * n));
    // exact ends where the closed form rounds: 0 successes -> 0, all successes -> 1
    return [x === 0 ? 0 : Math.min(1, Math.max(0, center - half)), x === n ? 1 : Math.min(1, Math.max(0, center + half))];
  }
  function drawPerformers(res) {
    const select = $("cp-performers-metric");
    if (!select) return;
    const id = select.value, rate = PF.rates[id], m = METRIC[id];
    if (!rate || !m) return;
    let tooSmall = 0;
    const ranked = [];
    res.details.forEach(function (r, position) {
      const volume = r.sums[rate.denominator];
      const x = rate.numerator.reduce(function (a, c) { return a + r.sums[c]; }, 0);
      const value = evaluate(m.tree, r.sums);
      if (volume < PF.min_volume) { tooSmall++; return; }
      if (!isFinite(value)) return;
      const name = T.shown.map(function (c) { return r.labels[c]; })
        .filter(function (v) { return v !== undefined && v !== null && String(v) !== ""; })
        .map(String).join(PF.separator);
      ranked.push({ name: name, value: value, ci: wilson(x, volume), volume: volume, position: position });
    });
    function order(sign) {
      return function (a, b) {
        return sign * (b.value - a.value) || b.volume - a.volume || a.position - b.position;
      };
    }
    const best = ranked.slice().sort(order(1)).slice(0, PF.n);
    const taken = new Set(best);
    const worst = ranked.filter(function (r) { return !taken.has(r); }).sort(order(-1)).slice(0, PF.n);
    [["cp-best", best], ["cp-worst", worst]].forEach(function (side) {
      const list = $(side[0]);
      list.textContent = "";
      side[1].forEach(function (r) {
        list.appendChild(el("li", {}, [
          el("span", { className: "cp-p-name", title: r.name, text: r.name }), " ",
          el("span", { className: "cp-p-value", text: formatValue(r.value, m.fmt) }), " ",
          el("span", { className: "cp-p-ci", text: formatValue(r.ci[0], m.fmt) + "\u2013" + formatValue(r.ci[1], m.fmt) }), " ",
          el("span", { className: "cp-p-volume", text: formatValue(r.volume, "int") + " " + rate.denominator_label }),
        ]));
      });
      let none = list.parentNode.querySelector(".cp-performers-none");
      if (!none) {
        none = el("p", { className: "cp-performers-none", text: PF.none });
        list.parentNode.appendChild(none);
      }
      none.hidden = side[1].length > 0;
    });
    $("cp-performers-note").textContent = fill(PF.note, {
      label: m.label, min_volume: formatValue(PF.min_volume, "int"), denominator: rate.denominator_label,
      too_small: formatValue(tooSmall, "int"), level: PF.level,
    });
  }

  function update(options) {
    result = compute(state);
    renderTable(result);
    drawKpis(result);
    drawPerformers(result);
    $("cp-description").textContent = state.frame.description;
    $("cp-table-caption").textContent = state.frame.description;
    $("cp-frame-text").textContent = state.frame.text;
    drawCharts(result, options && options.first);
  }
  function checkboxList(container, items, checked, onChange) {
    container.textContent = "";
    const list = document.createDocumentFragment();
    items.forEach(function (item) {
      const box = el("input", { type: "checkbox", value: String(item.value), checked: checked(item.value) });
      box.addEventListener("change", function () { onChange(item.value, box.checked, box); });
      const label = el("label", {}, [box, " " + item.label]);
      if (item.title) label.title = item.title;
      list.appendChild(label);
    });
    container.appendChild(list);
  }
  function pickerSummary(id, chosen, all, what) {
    const summary = $(id).querySelector("summary");
    summary.textContent = what + (chosen === all ? "" : " (" + chosen + " of " + all + ")");
  }
  function setupFilters() {
    const lists = {
      "cp-campaigns": { key: "campaigns", all: ALL_CAMPAIGNS, what: "Campaigns", picker: "cp-campaigns-picker",
        item: function (c) { return { value: c, label: C.name[c], title: C.id[c] + " \u00b7 " + DATA.programs[C.program[c]] + " \u00b7 " + DATA.statuses[C.status[c]] }; } },
      "cp-emails": { key: "emails", all: ALL_EMAILS, what: "Emails", picker: "cp-emails-picker",
        item: function (e) { return { value: e, label: E.name[e], title: E.id[e] }; } },
    };
    Object.keys(lists).forEach(function (id) {
      const spec = lists[id];
      // the check boxes are made when the picker first opens: a report of thousands of
      // campaigns and emails becomes interactive without them
      spec.render = function () {
        pickerSummary(spec.picker, state[spec.key].size, spec.all.length, spec.what);
        if (!$(spec.picker).open) { spec.stale = true; return; }
        spec.stale = false;
        checkboxList($(id), spec.all.map(spec.item), function (v) { return state[spec.key].has(v); }, function (v, on) {
          if (on) state[spec.key].add(v); else state[spec.key].delete(v);
          pickerSummary(spec.picker, state[spec.key].size, spec.all.length, spec.what);
          state.page = 0;
          update();
        });
      };
      spec.stale = true;
      $(spec.picker).addEventListener("toggle", function () { if ($(spec.picker).open && spec.stale) spec.render(); });
      spec.render();
    });
    document.querySelectorAll("[data-all],[data-none]").forEach(function (b) {
      b.addEventListener("click", function () {
        const spec = lists[b.getAttribute("data-all") || b.getAttribute("data-none")];
        state[spec.key] = b.hasAttribute("data-all") ? new Set(spec.all) : new Set();
        spec.render();
        state.page = 0;
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
  function setupSortMode() {
    const select = $("cp-sort-mode");
    Object.keys(T.sort_modes).forEach(function (mode) {
      select.appendChild(el("option", { value: mode, text: T.sort_modes[mode] }));
    });
    $("cp-sort-control").hidden = !T.subtotals;
    select.addEventListener("change", function () { state.mode = select.value; state.page = 0; renderTable(result); });
    return function () { select.value = state.mode; };
  }
  function setupPages() {
    $("cp-prev").addEventListener("click", function () { state.page -= 1; renderTable(result); });
    $("cp-next").addEventListener("click", function () { state.page += 1; renderTable(result); });
  }
  function setupFrame() {
    const select = $("cp-frame");
    FRAMES.presets.forEach(function (p, i) { select.appendChild(el("option", { value: String(i), text: p.label })); });
    select.appendChild(el("option", { value: "custom", text: "custom dates\u2026" }));
    const from = $("cp-from"), to = $("cp-to");
    const show = function () {
      const f = state.frame;
      select.value = f.preset === null ? "custom" : String(f.preset);
      $("cp-custom").hidden = f.preset !== null;
      from.value = f.first === null ? "" : isoOf(f.first);
      to.value = f.last === null ? "" : isoOf(f.last);
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
      const all = FRAMES.presets.findIndex(function (p) { return p.first === null && p.last === null; });
      state.frame = start || end || all < 0
        ? customFrame(start ? dayOf(start) : null, end ? dayOf(end) : null) : presetFrame(all);
      state.page = 0;
      update();
    };
    select.addEventListener("change", function () {
      if (select.value === "custom") {
        $("cp-custom").hidden = false;
        customChanged();
        return;
      }
      state.frame = presetFrame(Number(select.value));
      state.page = 0;
      show();
      update();
    });
    from.addEventListener("change", customChanged);
    to.addEventListener("change", customChanged);
    if (FRAMES.fixed) {
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

  /** A picker closes on Escape (focus back on its summary) and on a click outside it. */
  function setupPickerClosing() {
    const pickers = Array.prototype.slice.call(document.querySelectorAll(".cp-picker"));
    document.addEventListener("keydown", function (ev) {
      if (ev.key !== "Escape") return;
      pickers.forEach(function (p) {
        if (!p.open) return;
        p.open = false;
        p.querySelector("summary").focus();
      });
    });
    document.addEventListener("click", function (ev) {
      pickers.forEach(function (p) { if (p.open && !p.contains(ev.target)) p.open = false; });
    });
  }
  function main() {
    $("cp-controls").hidden = false;
    setupPickerClosing();
    const showFrame = setupFrame();
    const renderColumns = setupColumns();
    const showMode = setupSortMode();
    const lists = setupFilters();
    setupPages();
    $("cp-reset").addEventListener("click", function () {
      state = initialState();
      setMachineOpens(state.machine);
      showFrame();
      showMode();
      renderColumns();
      Object.keys(lists).forEach(function (id) { lists[id].render(); });
      update();
    });
    $("cp-download").addEventListener("click", download);
    $("cp-machine-opens").addEventListener("change", function () {
      setMachineOpens($("cp-machine-opens").checked ? "exclude" : "count");
      state.page = 0;
      update();
    });
    if ($("cp-performers-metric")) {
      $("cp-performers-metric").addEventListener("change", function () { drawPerformers(result); });
    }
    $("cp-preview-close").addEventListener("click", closePreview);
    $("cp-preview").addEventListener("click", function (ev) { if (ev.target === ev.currentTarget) closePreview(); });
    $("cp-preview").addEventListener("close", function () { $("cp-preview-frame").srcdoc = ""; });
    $("cp-controls").addEventListener("submit", function (ev) { ev.preventDefault(); });
    // the charts are laid out for their width (titles wrapped, panels placed): again when
    // it changes
    let resized = null;
    window.addEventListener("resize", function () {
      clearTimeout(resized);
      resized = setTimeout(function () { drawCharts(result); }, 200);
    });
    showFrame();
    showMode();
    renderEmailList();
    update({ first: true });
    document.documentElement.setAttribute("data-cp-ready", "true");
  }

  // test hooks for the browser tests and curious readers (read-only helpers)
  window.campaignPerf = {
    formatValue: formatValue,
    changeText: changeText,
    csv: function () { return csvText(); },
    machineOpens: function () { return state.machine; },
    frame: function () { return { first: state.frame.first === null ? null : isoOf(state.frame.first), last: state.frame.last === null ? null : isoOf(state.frame.last) }; },
  };

  main();
})().catch(function (e) { setTimeout(function () { throw e; }); }); // an error as the page's own
