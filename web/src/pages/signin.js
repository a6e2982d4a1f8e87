// Sign in with a token (made by `starlog token create`). It is checked with
// GET /v1/whoami and kept in this tab's sessionStorage only: closing the tab
// forgets it; it never goes into an address or a log.
import { session } from "../api.js";
import { fill, h, nextId } from "../dom.js";
import { clearErrors, showErrors } from "../event_form.js";

export async function render(main) {
  document.title = "Sign in · Starlog";
  const who = session.who();
  if (who) {
    fill(main, h("h1", {}, "Signed in"),
      h("p", {}, `As ${who.name}, role ${who.role}: may ${who.may.join(", ")}.`),
      h("button", { type: "button", onclick: () => { session.signOut(); render(main); } }, "Sign out"));
    return null;
  }
  const id = nextId("token");
  const summary = h("div", { class: "problem", role: "alert", hidden: true });
  const form = h("form", { class: "event card", novalidate: true },
    h("div", { class: "field" }, h("label", { for: id }, "token"),
      h("input", { id, name: "token", type: "password", autocomplete: "off", "data-pointer": "/token",
        "aria-describedby": `${id}-help ${id}-error`, size: 52 }),
      h("small", { id: `${id}-help`, class: "help" }, "A secret starting with stl_, from `starlog token create --name NAME --role editor`. Kept for this tab only."),
      h("p", { id: `${id}-error`, class: "error", role: "alert", hidden: true })),
    summary, h("button", { type: "submit" }, "Sign in"));
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    clearErrors(form, summary);
    try {
      await session.signIn(form.elements.token.value.trim());
      history.back();
    } catch (err) {
      err.problem.errors = [{ pointer: "/token", message: err.message }];
      showErrors(form, summary, err);
    }
  });
  fill(main, h("h1", {}, "Sign in"),
    h("p", {}, "Reading needs no token. Editors append, correct, retract and dismiss findings; auditors verify the log and see timelines as they stood."),
    form);
  return null;
}
