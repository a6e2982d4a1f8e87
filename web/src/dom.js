// Building DOM nodes without HTML strings: text is always set as text, so
// nothing the API returns can become markup.
//
//   h("a", {href: "/x", class: "c"}, "text", child, [more, children])
//
// Attributes: `class`, `for`, `aria-*`, `data-*` and the rest are set as
// attributes; `on<event>` keys add listeners; null/undefined/false skip one.
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k.startsWith("on") && typeof v === "function") el.addEventListener(k.slice(2), v);
    else if (k === "value") el.value = v;
    else if (k === "checked") el.checked = !!v;
    else el.setAttribute(k, v === true ? "" : String(v));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

// Replaces everything inside `el` with `children`.
export function fill(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

let uid = 0;
// A fresh id for label/input pairs.
export function nextId(prefix = "f") {
  uid += 1;
  return `${prefix}-${uid}`;
}

// "divorce_filed" -> "divorce filed"; "album_released" -> "Album released".
export function words(value, capital = false) {
  const s = String(value).replaceAll("_", " ");
  return capital ? s.charAt(0).toUpperCase() + s.slice(1) : s;
}

// A link inside the app (handled by the router without a page load).
export function link(href, ...children) {
  return h("a", { href, "data-link": true }, ...children);
}

// "2021-08-29T10:00:00.000Z" -> "29 Aug 2021, 10:00:00 UTC", for record times.
export function instant(text) {
  if (!text) return "";
  const d = new Date(text);
  if (Number.isNaN(d.getTime())) return text;
  return d.toLocaleString("en-GB", {
    timeZone: "UTC", day: "numeric", month: "short", year: "numeric",
    hour: "2-digit", minute: "2-digit", second: "2-digit",
  }) + " UTC";
}

// The page for something that is not there: a heading, why, and the way back.
export function notFound(main, heading, why) {
  document.title = "Not found · Starlog";
  fill(main, h("h1", {}, heading), h("div", { class: "problem", role: "alert" }, why),
    link("/", "Back to the directory"));
}
