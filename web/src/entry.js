// One timeline entry, as the API gives it: its title, the date as the API
// displays it, the owner's age, its state (corrected, retracted) and sources.
import { get } from "./api.js";
import { h, link, words } from "./dom.js";

// Registered names by celebrity id, fetched once per page load.
const names = new Map();

// A link to a celebrity's timeline that reads their registered name (the
// id until the profile arrives, and for ids nobody registered).
export function personLink(id) {
  const a = link(`/celebrities/${encodeURIComponent(id)}`, id);
  if (!names.has(id)) names.set(id, get(`/v1/celebrities/${encodeURIComponent(id)}`).then((p) => p.name, () => id));
  names.get(id).then((name) => { a.textContent = name; });
  return a;
}

export function sourceList(sources) {
  if (!sources || !sources.length) return h("p", { class: "muted" }, "No sources.");
  return h("ul", { class: "sources" }, sources.map((s) => h("li", {},
    safeUrl(s.url) ? h("a", { href: s.url, rel: "noopener noreferrer", target: "_blank" }, s.publisher || s.url)
      : (s.publisher || s.url),
    s.quote ? h("q", {}, ` ${s.quote}`) : null,
    s.ages && Object.keys(s.ages).length
      ? h("span", { class: "muted" }, ` (states ages: ${Object.entries(s.ages).map(([k, v]) => `${k} ${v}`).join(", ")})`)
      : null)));
}

function safeUrl(u) {
  return typeof u === "string" && /^https?:\/\//i.test(u);
}

export function statusBadge(status) {
  if (status === "active") return null;
  return h("span", { class: `badge ${status}` }, status);
}

export function entryItem(e, { mark } = {}) {
  const li = h("li", { class: `card entry ${e.status}`, "data-fact": e.fact_id },
    h("h3", {}, link(`/facts/${encodeURIComponent(e.fact_id)}`, e.title), statusBadge(e.status),
      mark ? h("span", { class: `badge ${mark.kind}` }, mark.text) : null),
    h("div", { class: "when" }, e.display || e.occurred || "",
      e.age !== undefined ? ` · age ${e.age}` : "",
      ` · ${words(e.type)}`,
      e.role === "participant" ? [" · on ", personLink(e.subject), "’s record"] : null),
    e.participants && e.participants.length
      ? h("div", { class: "muted" }, "With ", e.participants.map((p, i) => [i ? ", " : "",
        personLink(p.celebrity), p.role ? ` (${p.role})` : ""]))
      : null,
    e.retraction ? h("p", { class: "muted" }, `Retracted: ${e.retraction.reason}`) : null,
    e.corrections && e.corrections.length
      ? h("p", { class: "muted" }, `Corrected ${e.corrections.length}×: ${e.corrections.map((c) => c.reason).join("; ")}`)
      : null,
    h("details", {}, h("summary", {}, `Sources (${(e.sources || []).length})`), sourceList(e.sources)));
  if (mark) li.classList.add(mark.kind === "added" ? "added-since" : "changed-since");
  return li;
}
