// Auditors: the verify report (GET /v1/audit/verify): the hash chain checked
// link by link, and each projection folded again from the log and compared
// with the live one by digest.
import { get, session } from "../api.js";
import { fill, h, link } from "../dom.js";

export async function render(main) {
  document.title = "Audit · Starlog";
  const out = h("div", { "aria-live": "polite" });
  const run = h("button", { type: "button", onclick: () => verify(out, run) }, "Verify the log");
  fill(main, h("h1", {}, "Audit"),
    h("p", { class: "muted" }, "Checks every link of the hash chain from position 1 and folds the log again into a fresh copy of each projection, then compares it with the live one."),
    session.may("audit") ? run : h("p", { class: "notice" }, "The verify report needs an auditor or admin token: ", link("/sign-in", "sign in"), "."),
    out,
    h("p", {}, "To see a timeline as it stood, open it from the ", link("/", "directory"), " and use “As it stood”."));
  if (session.may("audit")) await verify(out, run);
  return null;
}

async function verify(out, button) {
  button.disabled = true;
  out.replaceChildren(h("p", {}, "Verifying…"));
  try {
    const r = await get("/v1/audit/verify");
    out.replaceChildren(
      h("p", { class: r.verified ? "notice" : "problem", role: "status" },
        r.verified ? "Verified: the chain holds and every projection matches its replay." : "Not verified: see below."),
      h("table", { "aria-label": "Chain" }, h("tbody", {},
        h("tr", {}, h("th", { scope: "row" }, "events"), h("td", {}, r.events)),
        h("tr", {}, h("th", { scope: "row" }, "chain"), h("td", {}, r.chain)),
        h("tr", {}, h("th", { scope: "row" }, "head_hash"), h("td", { class: "hash" }, r.head_hash)),
        r.first_bad_position ? h("tr", {}, h("th", { scope: "row" }, "first_bad_position"), h("td", {}, r.first_bad_position)) : null,
        r.problem ? h("tr", {}, h("th", { scope: "row" }, "problem"), h("td", {}, r.problem)) : null)),
      h("h2", {}, "Projections"),
      h("table", { "aria-label": "Projections" },
        h("thead", {}, h("tr", {}, ["name", "position", "live_digest", "replay_digest", "match"].map((t) => h("th", { scope: "col" }, t)))),
        h("tbody", {}, r.projections.map((p) => h("tr", {},
          h("td", {}, p.name), h("td", {}, p.position), h("td", { class: "hash" }, p.live_digest),
          h("td", { class: "hash" }, p.replay_digest), h("td", {}, p.match ? "yes" : "NO"))))));
  } catch (e) {
    out.replaceChildren(h("div", { class: "problem", role: "alert" }, e.message));
  } finally {
    button.disabled = false;
  }
}
