// Readers: the directory, searched by name or alias (prefix of any word).
import { append, get, query, session } from "../api.js";
import { fill, h, link, nextId } from "../dom.js";
import { clearErrors, field, readField, readSources, showErrors, sourcesGroup } from "../event_form.js";
import { eventType } from "../schema.js";
import { go } from "../main.js";

export async function render(main, _params, url) {
  document.title = "Directory · Starlog";
  const q = url.searchParams.get("q") || "";
  const id = nextId("q");
  const results = h("div", { "aria-live": "polite" });
  const form = h("form", { role: "search", class: "filters", onsubmit: (e) => {
    e.preventDefault();
    go(`/${query({ q: form.querySelector("input").value.trim() })}`, { replace: true });
  } },
  h("div", { class: "field" }, h("label", { for: id }, "q"),
    h("input", { id, type: "search", name: "q", value: q, placeholder: "Name or alias, e.g. kanye",
      "aria-describedby": `${id}-help` }),
    h("small", { id: `${id}-help`, class: "help" }, "Matches the start of any word of a name or alias")),
  h("button", { type: "submit" }, "Search"));
  fill(main, h("h1", {}, "Celebrities"), form, results);
  await page(results, q, null);
  if (session.may("append")) main.append(await registerForm());
}

async function page(results, q, cursor) {
  const doc = await get(`/v1/celebrities${query({ q, cursor, limit: 50 })}`);
  if (!cursor) results.replaceChildren();
  if (!doc.items.length && !cursor)
    results.append(h("p", {}, q ? `No celebrity matches “${q}”.` : "The directory is empty."));
  const list = h("ul", { class: "entries" }, doc.items.map((c) => h("li", { class: "card" },
    h("h3", {}, link(`/celebrities/${encodeURIComponent(c.id)}`, c.name)),
    c.aliases && c.aliases.length ? h("div", { class: "muted" }, `Also: ${c.aliases.join(", ")}`) : null,
    h("div", { class: "muted" }, `${c.fact_count} fact${c.fact_count === 1 ? "" : "s"} · id ${c.id}`))));
  results.append(list);
  if (doc.next_cursor) {
    const more = h("button", { type: "button", class: "secondary", onclick: async () => {
      more.remove();
      await page(results, q, doc.next_cursor);
    } }, "More celebrities");
    results.append(more);
  }
}

// Editors: a new celebrity is a celebrity_registered event on a new stream,
// whose id is the celebrity's (a slug such as "kanye-west").
async function registerForm() {
  const t = await eventType("celebrity_registered");
  const summary = h("div", { class: "problem", role: "alert", hidden: true });
  const result = h("div", { "aria-live": "polite" });
  const idField = { name: "id", pointer: "/id", kind: "text", required: true,
    help: "The stream's id, for good: lower-case letters, digits and hyphens, e.g. kanye-west" };
  const form = h("form", { class: "event card", novalidate: true, "data-type": "celebrity_registered",
    "aria-labelledby": "register-h" },
  h("h2", { id: "register-h" }, "Register a celebrity"), field(idField),
  h("div", { class: "grid2" }, t.fields.map((f) => field(f))), sourcesGroup([]), summary,
  h("button", { type: "submit" }, "Register"), result);
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    clearErrors(form, summary);
    result.replaceChildren();
    const id = readField(idField, form) || "";
    const data = {};
    for (const f of t.fields) {
      const v = readField(f, form);
      if (v !== undefined) data[f.name] = v;
    }
    const event = { type: "celebrity_registered", data };
    const sources = readSources(form);
    if (sources.length) event.sources = sources;
    if (!/^[a-z0-9]+(-[a-z0-9]+)*$/.test(id)) {
      showErrors(form, summary, { message: "the celebrity's id is not a slug",
        errors: [{ pointer: "/id", message: "lower-case letters, digits and single hyphens, e.g. kanye-west" }] });
      return;
    }
    try {
      await append(id, event);
      result.replaceChildren(h("p", { class: "notice", role: "status" }, "Registered: ",
        link(`/celebrities/${encodeURIComponent(id)}`, data.name || id), "."));
      form.reset();
    } catch (err) {
      showErrors(form, summary, err);
    }
  });
  return form;
}
