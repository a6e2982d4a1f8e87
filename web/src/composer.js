// Editors: append any event type to a celebrity's stream through one form
// built from the type's description (schema.js). A rejected write shows each
// error next to its field; nothing is written then.
import { append, session } from "./api.js";
import { field, participantsGroup, readField, readParticipants, readSources, showErrors,
  clearErrors, sourcesGroup } from "./event_form.js";
import { eventTypes } from "./schema.js";
import { h, link, nextId, words } from "./dom.js";

// Types an editor appends from a celebrity's page (corrections, retractions
// and dismissals are made from the fact and the findings pages).
const ELSEWHERE = new Set(["celebrity_registered", "fact_corrected", "fact_retracted",
  "finding_dismissed", "content_taken_down"]);

export async function composer(celebrity, onAppended) {
  const types = (await eventTypes()).filter((t) => !ELSEWHERE.has(t.type));
  const box = h("section", { class: "card", "aria-labelledby": "compose-h" });
  const selId = nextId("type");
  const select = h("select", { id: selId, name: "type" },
    types.map((t) => h("option", { value: t.type }, words(t.type, true))));
  const formBox = h("div");
  const status = h("div", { "aria-live": "polite" });
  box.append(h("h2", { id: "compose-h" }, "Add an event"),
    h("div", { class: "field" }, h("label", { for: selId }, "type"), select), formBox, status);
  const build = () => {
    const t = types.find((x) => x.type === select.value);
    formBox.replaceChildren(eventForm(celebrity, t, status, onAppended));
  };
  select.addEventListener("change", build);
  build();
  return box;
}

function eventForm(celebrity, t, status, onAppended) {
  const summary = h("div", { class: "problem", role: "alert", hidden: true });
  const form = h("form", { class: "event", novalidate: true, "data-type": t.type });
  if (t.hasOccurred)
    form.append(field({ name: "occurred", pointer: "/occurred", kind: "text", required: t.occurredRequired,
      help: "A date: 2021-08-29, 2021-08, 2021, 2021~ (about), 2021? (uncertain), a time with a zone, or for live events an interval A/B" }));
  form.append(h("div", { class: "grid2" }, t.fields.map((f) => field(f))));
  if (t.hasParticipants) form.append(participantsGroup([]));
  if (t.hasSources) form.append(sourcesGroup([{}]));
  const submit = h("button", { type: "submit" }, `Append ${words(t.type)}`);
  form.append(summary, submit);
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    clearErrors(form, summary);
    status.replaceChildren();
    const event = { type: t.type };
    const occurred = readField({ pointer: "/occurred", kind: "text" }, form);
    if (occurred !== undefined) event.occurred = occurred;
    const data = {};
    for (const f of t.fields) {
      const v = readField(f, form);
      if (v !== undefined) data[f.name] = v;
    }
    event.data = data;
    const participants = t.hasParticipants ? readParticipants(form) : undefined;
    if (participants && participants.length) event.participants = participants;
    const sources = t.hasSources ? readSources(form) : undefined;
    if (sources && sources.length) event.sources = sources;
    submit.disabled = true;
    try {
      const res = await append(celebrity, event);
      const ev = res.events[0];
      status.replaceChildren(h("p", { class: "notice", role: "status" },
        `Appended at log position ${ev.position} (version ${ev.version}). `,
        t.hasOccurred ? link(`/facts/${ev.id}`, "Open the fact") : null));
      form.reset();
      if (onAppended) onAppended(res);
    } catch (err) {
      showErrors(form, summary, err);
    } finally {
      submit.disabled = false;
    }
  });
  if (!session.may("append"))
    form.prepend(h("p", { class: "notice" }, "Appending needs an editor token: ", link("/sign-in", "sign in"), "."));
  return form;
}
