// Fact-checkers: the findings queue (claims that contradict the record), by
// kind or celebrity, with dismissed ones on request; editors dismiss one
// with a reason (a finding_dismissed event on the celebrity's stream).
import { get, query, session } from "../api.js";
import { fill, h, instant, link, nextId, words } from "../dom.js";
import { appendForm } from "../event_form.js";
import { personLink } from "../entry.js";
import { go } from "../main.js";

const KINDS = ["age_mismatch", "before_birth", "unsourced", "relationship_inconsistent", "possible_duplicate"];

export async function render(main, _params, url) {
  const kind = url.searchParams.get("kind") || "";
  const celebrity = url.searchParams.get("celebrity") || "";
  const include = url.searchParams.get("include") || "";
  document.title = "Findings · Starlog";
  const ids = { kind: nextId("kind"), celeb: nextId("celebrity"), inc: nextId("include") };
  const list = h("ol", { class: "entries", "aria-label": "Findings" });
  const more = h("div");
  const form = h("form", { class: "filters card", "aria-label": "Filters", onsubmit: (e) => {
    e.preventDefault();
    go(`/findings${query({ kind: form.elements.kind.value, celebrity: form.elements.celebrity.value.trim(),
      include: form.elements.include.checked ? "dismissed" : "" })}`);
  } },
  h("div", { class: "field" }, h("label", { for: ids.kind }, "kind"),
    h("select", { id: ids.kind, name: "kind" }, h("option", { value: "" }, "every kind"),
      KINDS.map((k) => h("option", { value: k, selected: k === kind }, words(k))))),
  h("div", { class: "field" }, h("label", { for: ids.celeb }, "celebrity"),
    h("input", { id: ids.celeb, name: "celebrity", type: "text", value: celebrity, placeholder: "kanye-west", size: 16 })),
  h("div", { class: "field" }, h("span", {},
    h("input", { type: "checkbox", id: ids.inc, name: "include", checked: include === "dismissed" }),
    h("label", { for: ids.inc }, " include dismissed"))),
  h("button", { type: "submit" }, "Apply"));
  fill(main, h("h1", {}, "Findings"),
    h("p", { class: "muted" }, "Claims the record contradicts: an age a source states that the birth date does not give, a fact before its subject was born, a fact without sources, relationship steps out of order, likely duplicates."),
    form, list, more);
  const path = celebrity ? `/v1/celebrities/${encodeURIComponent(celebrity)}/findings` : "/v1/findings";
  const load = async (cursor) => {
    const doc = await get(`${path}${query({ kind, include, cursor, limit: 50 })}`);
    if (!cursor) list.replaceChildren();
    if (!doc.items.length && !cursor) list.append(h("li", { class: "muted" }, "No findings."));
    for (const f of doc.items) list.append(findingItem(f));
    more.replaceChildren();
    if (doc.next_cursor)
      more.append(h("button", { type: "button", class: "secondary", onclick: () => load(doc.next_cursor) }, "More findings"));
  };
  try {
    await load(null);
  } catch (e) {
    list.replaceChildren(h("li", { class: "problem", role: "alert" }, e.message));
  }
  return null;
}

function findingItem(f) {
  const li = h("li", { class: "card entry", "data-finding": f.id },
    h("h3", {}, words(f.kind, true), f.dismissal ? h("span", { class: "badge" }, "dismissed") : null),
    h("p", {}, f.message),
    h("p", { class: "muted" }, personLink(f.celebrity), " · ",
      f.fact_ids.map((id, i) => [i ? ", " : "", link(`/facts/${id}`, `fact ${i + 1}`)]),
      ` · raised at log position ${f.position}`),
    f.dismissal ? h("p", { class: "muted" }, `Dismissed by ${f.dismissal.by} (${instant(f.dismissal.at)}, log position ${f.dismissal.position}): ${f.dismissal.reason}`) : null);
  if (!f.dismissal && session.may("append")) li.append(dismissForm(f));
  return li;
}

function dismissForm(f) {
  return appendForm({
    celebrity: f.celebrity, type: "finding_dismissed", data: { finding_id: f.id },
    collapsed: "Dismiss this finding",
    fields: [{ name: "reason", pointer: "/data/reason", kind: "longtext", required: true,
      help: "Why it needs no change, for the fact-checkers after you" }],
    submit: "Dismiss",
    onDone: (res, _result, form) => form.replaceWith(h("p", { class: "notice", role: "status" },
      `Dismissed (log position ${res.events[0].position}).`)),
  });
}
