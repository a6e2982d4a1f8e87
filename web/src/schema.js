// The event types, read from the server's own description of its API
// (/openapi.json): the forms are built from it, so a type added to the
// server needs no new form here.
import { get } from "./api.js";

let doc = null;

async function document() {
  if (!doc) doc = await get("/openapi.json");
  return doc;
}

function resolve(d, node) {
  let n = node;
  const seen = new Set();
  while (n && n.$ref && !seen.has(n.$ref)) {
    seen.add(n.$ref);
    const path = n.$ref.replace(/^#\//, "").split("/");
    const rest = { ...n };
    delete rest.$ref;
    let target = d;
    for (const p of path) target = target[p];
    n = { ...target, ...rest };
  }
  return n;
}

// A field of a form: {name, pointer, kind, required, description, options?,
// children?}. kind: text, longtext, enum, integer, lines (array of
// strings), json (free object), participants, sources.
function fieldOf(d, name, node, required, pointer) {
  const s = resolve(d, node);
  // Only what the property itself says: the shared types' descriptions
  // ("A non-blank one-line text…") would repeat under every field.
  const f = { name, pointer, required, description: (node.$ref ? node.description : s.description) || "" };
  if (s.enum) return { ...f, kind: "enum", options: s.enum };
  if (s.type === "integer") return { ...f, kind: "integer", min: s.minimum, max: s.maximum };
  if (s.type === "array") {
    const items = resolve(d, s.items || {});
    if (items.type === "string") return { ...f, kind: "lines", max: s.maxItems };
    return { ...f, kind: "json" };
  }
  if (s.type === "object") return { ...f, kind: "json" };
  return { ...f, kind: (s.maxLength || 0) > 200 ? "longtext" : "text" };
}

// [{type, description, fields, hasOccurred, hasParticipants, hasSources}],
// in the document's order.
export async function eventTypes() {
  const d = await document();
  const mapping = d.components.schemas.NewEvent.discriminator.mapping;
  const out = [];
  for (const [type, ref] of Object.entries(mapping)) {
    const s = resolve(d, { $ref: ref });
    const props = s.properties || {};
    const required = new Set(s.required || []);
    const data = resolve(d, props.data || {});
    const dataRequired = new Set(data.required || []);
    const fields = [];
    for (const [k, v] of Object.entries(data.properties || {}))
      fields.push(fieldOf(d, k, v, dataRequired.has(k), `/data/${k}`));
    const participants = props.participants ? resolve(d, props.participants) : null;
    out.push({
      type,
      description: (s.description || "").replace(/`/g, ""),
      fields,
      hasOccurred: !!props.occurred,
      occurredRequired: required.has("occurred"),
      occurredHelp: props.occurred ? resolve(d, props.occurred).description || "" : "",
      hasParticipants: !!participants && participants.maxItems !== 0,
      hasSources: !!props.sources,
    });
  }
  return out;
}

export async function eventType(type) {
  return (await eventTypes()).find((t) => t.type === type) || null;
}
