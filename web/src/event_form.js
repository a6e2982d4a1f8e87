// A form for one event, built from its type's description (schema.js), and
// the mapping of a rejected write's errors back onto its fields: every
// problem error names a JSON pointer ("/data/title", "/sources/0/url"); it is
// shown next to the field whose pointer is the longest prefix of it.
import { append } from "./api.js";
import { h, nextId, words } from "./dom.js";

// One labelled input. The label's text is the API's field name.
export function field(f, value) {
  const id = nextId(f.name);
  const help = f.help || f.description;
  const helpId = help || f.kind === "lines" || f.kind === "json" ? `${id}-help` : null;
  const errId = `${id}-error`;
  const describedBy = [helpId, errId].filter(Boolean).join(" ");
  let input;
  const common = { id, name: f.name, "data-pointer": f.pointer, "aria-describedby": describedBy };
  if (f.kind === "enum") {
    input = h("select", common,
      f.required ? null : h("option", { value: "" }, "—"),
      f.options.map((o) => h("option", { value: o }, words(o))));
    if (value !== undefined && value !== null) input.value = value;
  } else if (f.kind === "longtext" || f.kind === "lines" || f.kind === "json") {
    const v = value === undefined || value === null ? ""
      : f.kind === "lines" ? value.join("\n")
      : f.kind === "json" ? JSON.stringify(value, null, 2) : value;
    input = h("textarea", { ...common, rows: f.kind === "longtext" ? 3 : 2, value: v });
  } else {
    input = h("input", {
      ...common, type: f.kind === "integer" ? "number" : "text",
      value: value === undefined || value === null ? "" : value,
      min: f.min, max: f.max, inputmode: f.kind === "integer" ? "numeric" : null,
    });
  }
  if (f.required) input.setAttribute("aria-required", "true");
  const hint = f.kind === "lines" ? "One per line. " : f.kind === "json" ? "JSON. " : "";
  // The label is the field's name alone (people, screen readers and tests
  // find a field by it); "required" is said by aria-required.
  return h("div", { class: "field" },
    h("span", {}, h("label", { for: id }, f.name),
      f.required ? h("span", { class: "req", "aria-hidden": "true", title: "required" }, " *") : null),
    input,
    help || hint ? h("small", { id: helpId, class: "help" }, hint, help || "") : null,
    h("p", { id: errId, class: "error", role: "alert", hidden: true }));
}

// The value of a field's input, typed by its kind; undefined when empty.
export function readField(f, root) {
  const el = root.querySelector(`[data-pointer="${f.pointer}"]`);
  if (!el) return undefined;
  const raw = el.value;
  if (raw.trim() === "") return undefined;
  if (f.kind === "integer") return /^-?\d+$/.test(raw.trim()) ? Number(raw.trim()) : raw;
  if (f.kind === "lines") return raw.split("\n").map((s) => s.trim()).filter(Boolean);
  if (f.kind === "json") {
    try {
      return JSON.parse(raw);
    } catch {
      return raw;  // the server names the field
    }
  }
  return raw;
}

const participantFields = (i, base = "") => [
  { name: "celebrity", pointer: `${base}/participants/${i}/celebrity`, kind: "text", required: true,
    description: "A registered celebrity's id, e.g. jay-z" },
  { name: "role", pointer: `${base}/participants/${i}/role`, kind: "text", description: "e.g. featured artist" },
];
const sourceFields = (i, base = "") => [
  { name: "url", pointer: `${base}/sources/${i}/url`, kind: "text", required: true },
  { name: "publisher", pointer: `${base}/sources/${i}/publisher`, kind: "text" },
  { name: "quote", pointer: `${base}/sources/${i}/quote`, kind: "longtext" },
  { name: "ages", pointer: `${base}/sources/${i}/ages`, kind: "longtext",
    description: "Ages this source states, one per line: celebrity-id: years (e.g. kanye-west: 37)" },
];

// A list of rows (participants or sources) with add/remove buttons.
function rowGroup(name, makeFields, rows, toValues, base) {
  const list = h("div", { class: "rows" });
  const group = h("fieldset", { class: "group", "data-group": name },
    h("legend", {}, name), list);
  const add = (values = {}) => {
    const i = list.children.length;
    const fs = makeFields(i, base);
    const row = h("div", { class: "row", "data-row": i },
      fs.map((f) => field(f, toValues(f.name, values))),
      h("button", { type: "button", class: "secondary", onclick: () => { row.remove(); renumber(); } },
        `Remove ${name === "sources" ? "source" : "participant"} ${i + 1}`));
    list.append(row);
  };
  const renumber = () => {
    // Pointers follow the row's index, as the server counts them.
    [...list.children].forEach((row, i) => {
      row.dataset.row = i;
      row.querySelectorAll("[data-pointer]").forEach((el) => {
        el.dataset.pointer = el.dataset.pointer.replace(/\/(sources|participants)\/\d+\//, `/$1/${i}/`);
      });
    });
  };
  for (const r of rows || []) add(r);
  group.append(h("button", { type: "button", class: "secondary", onclick: () => add() },
    name === "sources" ? "Add a source" : "Add a participant"));
  return group;
}

function agesText(ages) {
  return Object.entries(ages || {}).map(([k, v]) => `${k}: ${v}`).join("\n");
}

function parseAges(text) {
  const out = {};
  for (const line of text.split("\n")) {
    const t = line.trim();
    if (!t) continue;
    const m = t.match(/^([^:=\s]+)\s*[:=]\s*(.+)$/);
    if (!m) {
      out[t] = t;  // kept as written: the server names it
      continue;
    }
    out[m[1]] = /^\d+$/.test(m[2].trim()) ? Number(m[2].trim()) : m[2].trim();
  }
  return out;
}

// `base` prefixes the pointers: "" in an event, "/data/changes" in a correction.
export function participantsGroup(rows, base = "") {
  return rowGroup("participants", participantFields, rows, (k, v) => v[k], base);
}

export function sourcesGroup(rows, base = "") {
  return rowGroup("sources", sourceFields, rows, (k, v) => (k === "ages" ? agesText(v.ages) : v[k]), base);
}

function readRows(root, name, makeFields, base = "") {
  const group = root.querySelector(`[data-group="${name}"]`);
  if (!group) return undefined;
  const out = [];
  [...group.querySelector(".rows").children].forEach((row, i) => {
    const obj = {};
    for (const f of makeFields(i, base)) {
      const v = readField(f, row);
      if (v === undefined) continue;
      obj[f.name] = f.name === "ages" ? parseAges(v) : v;
    }
    if (Object.keys(obj).length) out.push(obj);
  });
  return out;
}

export const readParticipants = (root, base = "") => readRows(root, "participants", participantFields, base);
export const readSources = (root, base = "") => readRows(root, "sources", sourceFields, base);

// Shows each error next to its field; what matches no field is listed in
// `summary`. Returns how many errors were placed on fields.
export function showErrors(form, summary, error) {
  clearErrors(form, summary);
  const inputs = [...form.querySelectorAll("[data-pointer]")];
  let placed = 0;
  const unplaced = [];
  for (const e of error.errors) {
    const p = e.pointer || "";
    let best = null;
    for (const el of inputs) {
      const q = el.dataset.pointer;
      if ((p === q || p.startsWith(`${q}/`)) && (!best || q.length > best.dataset.pointer.length))
        best = el;
    }
    if (!best) {
      unplaced.push(e);
      continue;
    }
    const box = document.getElementById(`${best.id}-error`);
    box.hidden = false;
    box.textContent = box.textContent ? `${box.textContent}; ${e.message}` : e.message;
    best.setAttribute("aria-invalid", "true");
    if (placed === 0) best.focus();
    placed += 1;
  }
  const lines = [placed
    ? `${error.message}: ${placed === 1 ? "the error is" : `${placed} errors are`} shown next to ${placed === 1 ? "its field" : "their fields"}.`
    : error.message];
  for (const e of unplaced) lines.push(`${e.pointer || "(the event)"}: ${e.message}`);
  summary.hidden = false;
  summary.replaceChildren(...lines.map((l) => h("p", {}, l)));
  return placed;
}

export function clearErrors(form, summary) {
  form.querySelectorAll(".error").forEach((el) => { el.hidden = true; el.textContent = ""; });
  form.querySelectorAll("[aria-invalid]").forEach((el) => el.removeAttribute("aria-invalid"));
  if (summary) { summary.hidden = true; summary.replaceChildren(); }
}

// A form that appends one event of `type` to `celebrity`'s stream: `data`
// is its fixed part, each of `fields` (descriptions as for field()) adds its
// value under its name when given, and `collect(event, form)` anything else.
// `before` and `after` are nodes around the fields; with `collapsed`, all of
// it sits in a <details> of that summary. A refusal shows its errors at
// their fields; success calls `onDone(answer, result, form)`, `result` being
// a live region after the button.
export function appendForm({ celebrity, type, data = {}, fields = [], before = [], after = [],
  submit, collapsed, attrs = {}, collect, onDone }) {
  const summary = h("div", { class: "problem", role: "alert", hidden: true });
  const result = h("div", { "aria-live": "polite" });
  const body = [before, fields.map((f) => field(f)), after, summary,
    h("button", { type: "submit" }, submit), result];
  const form = h("form", { class: "event", novalidate: true, ...attrs },
    collapsed ? h("details", {}, h("summary", {}, collapsed), body) : body);
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    clearErrors(form, summary);
    const event = { type, data: { ...data } };
    for (const f of fields) {
      const v = readField(f, form);
      if (v !== undefined) event.data[f.name] = v;
    }
    if (collect) collect(event, form);
    try {
      onDone(await append(celebrity, event), result, form);
    } catch (err) {
      showErrors(form, summary, err);
    }
  });
  return form;
}
