// Readers: a celebrity's timeline with filters (types, dates, role, order,
// retracted), paging, live updates; editors: the event form; auditors: the
// timeline as it stood at an earlier moment (as_of or a log position), with
// what changed since then marked. Filters and the moment live in the page's
// address, so every view can be bookmarked.
import { ApiError, get, query, session } from "../api.js";
import { fill, h, link, nextId, notFound, words } from "../dom.js";
import { entryItem } from "../entry.js";
import { composer } from "../composer.js";
import { follow, concerns } from "../live.js";
import { eventTypes } from "../schema.js";
import { go } from "../main.js";

const FILTERS = ["types", "from", "to", "role", "order", "include", "as_of", "as_of_position"];

export async function render(main, [id], url) {
  const p = Object.fromEntries(FILTERS.map((k) => [k, url.searchParams.get(k) || ""]));
  let profile;
  try {
    profile = await get(`/v1/celebrities/${encodeURIComponent(id)}`);
  } catch (e) {
    notFound(main, "Not found", e.message);
    return null;
  }
  document.title = `${profile.name} · Starlog`;
  const factTypes = (await eventTypes()).filter((t) => t.hasOccurred).map((t) => t.type);
  const list = h("ol", { class: "entries", "aria-label": "Timeline" });
  const more = h("div");
  const liveState = h("span", { class: "live off", role: "status" }, "live updates: connecting");
  const note = h("div", { "aria-live": "polite" });
  const asOf = p.as_of || p.as_of_position;

  fill(main,
    h("h1", {}, profile.name),
    h("p", { class: "muted" },
      profile.aliases && profile.aliases.length ? `Also known as ${profile.aliases.join(", ")}. ` : "",
      profile.born ? `Born ${profile.born}. ` : "",
      profile.occupations && profile.occupations.length ? `${profile.occupations.join(", ")}. ` : "",
      `${profile.fact_count} facts, stream version ${profile.version}.`),
    h("p", {}, link(`/celebrities/${encodeURIComponent(id)}/timelinejs`, "View as TimelineJS"), " · ",
      link(`/findings?celebrity=${encodeURIComponent(id)}`, "Findings"), " · ", liveState),
    filtersForm(id, p, factTypes),
    await asOfControls(id, p),
    note, list, more);

  const params = { types: p.types, from: p.from, to: p.to, role: p.role, order: p.order,
    include: p.include, as_of: p.as_of, as_of_position: p.as_of_position };
  let position = 0;
  const load = async (cursor) => {
    const doc = await get(`/v1/celebrities/${encodeURIComponent(id)}/timeline${query({ ...params, cursor, limit: 50 })}`);
    position = Math.max(position, doc.position);
    let marks = new Map();
    if (asOf) marks = await changesSince(id, params, doc, note);
    if (!cursor) list.replaceChildren();
    if (!doc.entries.length && !cursor) list.append(h("li", { class: "muted" }, "No entries match."));
    for (const e of doc.entries) list.append(entryItem(e, { mark: marks.get(e.fact_id) }));
    more.replaceChildren();
    if (doc.next_cursor)
      more.append(h("button", { type: "button", class: "secondary", onclick: () => load(doc.next_cursor) }, "Load more"));
  };
  try {
    await load(null);
  } catch (e) {
    list.replaceChildren(h("li", { class: "problem", role: "alert" }, e.message,
      e.status === 401 || e.status === 403 ? [" ", link("/sign-in", "Sign in")] : null));
  }
  if (session.may("append") && !asOf) {
    main.append(await composer(id, () => load(null)));
  }
  if (asOf) {
    liveState.textContent = "live updates: off while viewing an earlier moment";
    return null;
  }
  let pending = null;
  return follow(position, (ev) => {
    if (!concerns(ev, id)) return;
    clearTimeout(pending);
    pending = setTimeout(async () => {
      await load(null);
      note.replaceChildren(h("p", { class: "notice" }, `Updated live: ${words(ev.type)} at position ${ev.position}.`));
    }, 150);
  }, (state) => {
    liveState.className = `live ${state}`;
    liveState.textContent = state === "on" ? "live updates: on" : "live updates: reconnecting…";
  });
}

function filtersForm(id, p, factTypes) {
  const chosen = new Set(p.types ? p.types.split(",") : []);
  const ids = { from: nextId("from"), to: nextId("to"), order: nextId("order"), role: nextId("role"), inc: nextId("include") };
  const form = h("form", { class: "filters card", "aria-label": "Filters", onsubmit: (e) => {
    e.preventDefault();
    const types = [...form.querySelectorAll("input[name=types]:checked")].map((c) => c.value).join(",");
    go(`/celebrities/${encodeURIComponent(id)}${query({
      types, from: form.elements.from.value.trim(), to: form.elements.to.value.trim(),
      role: form.elements.role.value, order: form.elements.order.value,
      include: form.elements.include.checked ? "retracted" : "",
      as_of: p.as_of, as_of_position: p.as_of_position })}`);
  } },
  h("fieldset", { class: "types" }, h("legend", {}, "types"),
    factTypes.map((t) => {
      const cid = nextId(t);
      return h("span", {}, h("input", { type: "checkbox", id: cid, name: "types", value: t, checked: chosen.has(t) }),
        h("label", { for: cid }, ` ${words(t)}`));
    })),
  h("div", { class: "field" }, h("label", { for: ids.from }, "from"),
    h("input", { id: ids.from, name: "from", type: "text", value: p.from, placeholder: "2021-01-01", size: 11 })),
  h("div", { class: "field" }, h("label", { for: ids.to }, "to"),
    h("input", { id: ids.to, name: "to", type: "text", value: p.to, placeholder: "2021-12-31", size: 11 })),
  h("div", { class: "field" }, h("label", { for: ids.role }, "role"),
    h("select", { id: ids.role, name: "role" }, ["any", "subject", "participant"].map((r) =>
      h("option", { value: r === "any" ? "" : r, selected: p.role === r || (!p.role && r === "any") }, r)))),
  h("div", { class: "field" }, h("label", { for: ids.order }, "order"),
    h("select", { id: ids.order, name: "order" },
      h("option", { value: "", selected: p.order !== "desc" }, "oldest first"),
      h("option", { value: "desc", selected: p.order === "desc" }, "newest first"))),
  h("div", { class: "field" }, h("span", {},
    h("input", { type: "checkbox", id: ids.inc, name: "include", checked: p.include === "retracted" }),
    h("label", { for: ids.inc }, " include retracted"))),
  h("button", { type: "submit" }, "Apply"));
  return form;
}

// The moment controls: a date-time (as_of, UTC) or a log position (a
// slider from 1 to the head: the demo's events share one millisecond, so
// only a position falls between a claim and its correction).
async function asOfControls(id, p) {
  const box = h("section", { class: "card", "aria-labelledby": "asof-h" });
  box.append(h("h2", { id: "asof-h" }, "As it stood"));
  if (!session.may("audit")) {
    box.append(h("p", { class: "muted" }, "Auditors can see this timeline as it stood at any earlier moment: ",
      link("/sign-in", "sign in with an auditor token"), "."));
    return box;
  }
  let head = 1;
  try { head = (await get("/v1/events?limit=1")).head || 1; } catch { /* keep 1 */ }
  const ids = { at: nextId("as_of"), pos: nextId("as_of_position"), num: nextId("pos") };
  const start = p.as_of_position || String(head);
  const slider = h("input", { id: ids.pos, name: "as_of_position", type: "range", min: 1, max: head,
    value: start, class: "slider", "aria-valuetext": `position ${start} of ${head}` });
  const number = h("input", { id: ids.num, type: "number", min: 1, max: head, value: start, "aria-label": "position" });
  slider.addEventListener("input", () => { number.value = slider.value; slider.setAttribute("aria-valuetext", `position ${slider.value} of ${head}`); });
  number.addEventListener("input", () => { slider.value = number.value; });
  const atInput = h("input", { id: ids.at, name: "as_of", type: "text", value: p.as_of, placeholder: "2026-12-01T12:00:00Z", size: 24 });
  const base = () => query({ types: p.types, from: p.from, to: p.to, role: p.role, order: p.order, include: p.include });
  const sep = () => (base() ? "&" : "?");
  box.append(
    h("form", { class: "asof", onsubmit: (e) => {
      e.preventDefault();
      go(`/celebrities/${encodeURIComponent(id)}${base()}${sep()}as_of_position=${encodeURIComponent(number.value)}`);
    } },
    h("div", { class: "field", style: "flex: 1 1 260px" }, h("label", { for: ids.pos }, "as_of_position"), slider),
    number, h("button", { type: "submit" }, "Show at this position")),
    h("form", { class: "asof", onsubmit: (e) => {
      e.preventDefault();
      go(`/celebrities/${encodeURIComponent(id)}${base()}${sep()}as_of=${encodeURIComponent(atInput.value.trim())}`);
    } },
    h("div", { class: "field" }, h("label", { for: ids.at }, "as_of"), atInput,
      h("small", { class: "help" }, "An RFC 3339 time: only events recorded at or before it")),
    h("button", { type: "submit" }, "Show at this time")),
    p.as_of || p.as_of_position
      ? h("p", { class: "notice" }, `Showing the timeline as it stood at ${p.as_of ? p.as_of : `log position ${p.as_of_position}`} (the log's head is ${head}). `,
        link(`/celebrities/${encodeURIComponent(id)}${base()}`, "Back to now"))
      : null);
  return box;
}

// Compares an as-of page with the same entries now: entries corrected or
// retracted since are marked; facts recorded since are listed in `note`.
async function changesSince(id, params, then, note) {
  const now = { ...params, as_of: "", as_of_position: "", include: "retracted" };
  const marks = new Map();
  try {
    const current = await get(`/v1/celebrities/${encodeURIComponent(id)}/timeline${query({ ...now, limit: 500 })}`);
    const byId = new Map(current.entries.map((e) => [e.fact_id, e]));
    const seen = new Set(then.entries.map((e) => e.fact_id));
    for (const e of then.entries) {
      const c = byId.get(e.fact_id);
      if (!c) continue;
      if (c.status !== e.status || c.title !== e.title || c.display !== e.display ||
          (c.corrections || []).length !== (e.corrections || []).length)
        marks.set(e.fact_id, { kind: "changed", text: `changed since: now ${c.status}${c.title !== e.title ? `, “${c.title}”` : ""}${c.display !== e.display ? `, ${c.display}` : ""}` });
    }
    const added = current.entries.filter((e) => !seen.has(e.fact_id) && e.position > then.position);
    note.replaceChildren(h("div", { class: "notice" },
      h("p", {}, `${marks.size} of these entries changed since then; ${added.length} fact${added.length === 1 ? " was" : "s were"} recorded since.`),
      added.length ? h("ul", {}, added.map((e) => h("li", {}, link(`/facts/${e.fact_id}`, e.title), ` (position ${e.position})`))) : null));
  } catch (e) {
    if (!(e instanceof ApiError)) throw e;
  }
  return marks;
}
