// Readers: the directory, searched by name or alias (prefix of any word).
import { get, query } from "../api.js";
import { fill, h, link, nextId } from "../dom.js";
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
