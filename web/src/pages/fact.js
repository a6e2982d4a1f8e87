// A fact: its sources (links), corrections with their reasons, retraction
// and the full history of events about it; editors correct or retract it
// here (the correction's form starts from the fact's current values and
// sends only what changed).
import { get, session } from "../api.js";
import { fill, h, instant, link, notFound, words } from "../dom.js";
import { personLink, sourceList, statusBadge } from "../entry.js";
import { appendForm, field, readField, readParticipants, readSources, sourcesGroup,
  participantsGroup } from "../event_form.js";
import { eventType } from "../schema.js";

export async function render(main, [factId]) {
  let doc;
  try {
    doc = await get(`/v1/facts/${encodeURIComponent(factId)}`);
  } catch (e) {
    notFound(main, "Fact not found", e.message);
    return null;
  }
  const f = doc.fact;
  document.title = `${f.title} · Starlog`;
  fill(main,
    h("p", {}, "← ", personLink(f.subject), "’s timeline"),
    h("h1", {}, f.title, statusBadge(f.status)),
    h("p", { class: "when" }, f.display || f.occurred, f.age !== undefined ? ` · age ${f.age}` : "", ` · ${words(f.type)}`),
    h("dl", { class: "card" },
      h("dt", {}, "occurred"), h("dd", {}, f.occurred || "—"),
      h("dt", {}, "data"), h("dd", {}, h("code", {}, JSON.stringify(f.data))),
      h("dt", {}, "participants"), h("dd", {}, f.participants && f.participants.length
        ? f.participants.map((p, i) => [i ? ", " : "", personLink(p.celebrity), p.role ? ` (${p.role})` : ""])
        : "none"),
      h("dt", {}, "recorded"), h("dd", {}, `${instant(f.recorded_at)} by ${f.recorded_by}, log position ${f.position}`),
      h("dt", {}, "fact_id"), h("dd", {}, h("code", {}, f.fact_id))),
    h("h2", {}, "Sources"), sourceList(f.sources),
    h("h2", {}, "Corrections"),
    f.corrections && f.corrections.length
      ? h("ol", {}, f.corrections.map((c) => h("li", {}, h("strong", {}, c.reason),
        h("span", { class: "muted" }, ` (${instant(c.recorded_at)}, ${c.recorded_by})`))))
      : h("p", { class: "muted" }, "None."),
    f.retraction ? [h("h2", {}, "Retraction"), h("p", {}, h("strong", {}, f.retraction.reason),
      h("span", { class: "muted" }, ` (${instant(f.retraction.recorded_at)}, ${f.retraction.recorded_by})`))] : null,
    h("h2", {}, "History"),
    h("table", {}, h("thead", {}, h("tr", {}, ["position", "event", "recorded", "by", "what"].map((t) => h("th", { scope: "col" }, t)))),
      h("tbody", {}, doc.history.map((ev) => h("tr", {},
        h("td", {}, ev.position), h("td", {}, words(ev.type)), h("td", {}, instant(ev.recorded_at)),
        h("td", {}, ev.recorded_by),
        h("td", {}, ev.data && ev.data.reason ? ev.data.reason : ev.data && ev.data.changes ? JSON.stringify(ev.data.changes) : ""))))));
  if (session.may("append") && f.status !== "retracted" && f.role !== "participant") {
    main.append(await correctForm(f), retractForm(f));
  }
  if (session.may("admin") && f.role !== "participant") main.append(takedownForm(f));
  if (!session.who()) {
    main.append(h("p", { class: "muted" }, "Editors can correct or retract this fact: ", link("/sign-in", "sign in"), "."));
  }
  return null;
}

// What an appended amendment answers, with a way to see its effect.
function done(text) {
  return (res, result) => result.replaceChildren(h("p", { class: "notice", role: "status" },
    `${text} at log position ${res.events[0].position}. `,
    h("a", { href: location.pathname, "data-link": true }, "Reload the fact")));
}

const reasonField = (help) => ({ name: "reason", pointer: "/data/reason", kind: "longtext", required: true, help });

// The correction starts from the fact's values and sends only what changed.
async function correctForm(f) {
  const t = await eventType(f.type);
  const base = "/data/changes";
  const fields = (t ? t.fields : []).map((x) => ({ ...x, pointer: `${base}${x.pointer}` }));
  const occurred = { name: "occurred", pointer: `${base}/occurred`, kind: "text" };
  return appendForm({
    celebrity: f.subject, type: "fact_corrected", data: { fact_id: f.fact_id },
    attrs: { class: "event card", "aria-labelledby": "correct-h" },
    before: [h("h2", { id: "correct-h" }, "Correct this fact"),
      h("p", { class: "muted" }, "Change what is wrong; only fields you change are sent.")],
    fields: [reasonField("Why: readers see it beside the fact")],
    after: [t && t.hasOccurred ? field(occurred, f.occurred) : null,
      h("div", { class: "grid2" }, fields.map((x) => field(x, f.data[x.name]))),
      t && t.hasParticipants ? participantsGroup(f.participants || [], base) : null,
      sourcesGroup(f.sources || [], base)],
    submit: "Append the correction",
    collect: (event, form) => {
      const changes = {};
      const occ = readField(occurred, form);
      if (t && t.hasOccurred && occ !== undefined && occ !== f.occurred) changes.occurred = occ;
      const data = {};
      for (const x of fields) {
        const v = readField(x, form);
        if (JSON.stringify(v) === JSON.stringify(f.data[x.name])) continue;
        data[x.name] = v === undefined ? null : v;
      }
      if (Object.keys(data).length) changes.data = data;
      if (t && t.hasParticipants) {
        const ps = readParticipants(form, base);
        if (JSON.stringify(ps) !== JSON.stringify(f.participants || [])) changes.participants = ps;
      }
      const ss = readSources(form, base);
      if (JSON.stringify(ss) !== JSON.stringify(f.sources || [])) changes.sources = ss;
      event.data.changes = changes;
    },
    onDone: done("Correction appended"),
  });
}

function retractForm(f) {
  return appendForm({
    celebrity: f.subject, type: "fact_retracted", data: { fact_id: f.fact_id },
    attrs: { class: "event card", "aria-labelledby": "retract-h" },
    before: [h("h2", { id: "retract-h" }, "Retract this fact")],
    fields: [reasonField("Why the fact is withdrawn; it stays in the log and in the history")],
    submit: "Append the retraction",
    onDone: done("Retraction appended"),
  });
}

// Admins: a lawful takedown erases the fact's content (and its amendments')
// for good; the reason and the legal basis stay for auditors.
function takedownForm(f) {
  return appendForm({
    celebrity: f.subject, type: "content_taken_down", data: { fact_id: f.fact_id },
    attrs: { class: "event card", "aria-labelledby": "takedown-h" },
    before: [h("h2", { id: "takedown-h" }, "Take this fact's content down"),
      h("p", { class: "muted" }, "Erases the content of the fact and of its corrections for good; the hash chain still verifies. This cannot be undone.")],
    fields: [reasonField("Why, in words an auditor can read later (kept; only the content is erased)"),
      { name: "legal_basis", pointer: "/data/legal_basis", kind: "longtext",
        help: "The court order, statute or notice it rests on" }],
    submit: "Take the content down",
    onDone: done("Taken down"),
  });
}
