// The app's router: every page has its own address (bookmarkable, reloadable:
// the server answers each with this same shell), links inside the app change
// the page without a reload, and the browser's back button works.
import { session } from "./api.js";
import { fill, h, notFound } from "./dom.js";
import * as directory from "./pages/directory.js";
import * as timeline from "./pages/timeline.js";
import * as timelinejs from "./pages/timelinejs.js";
import * as fact from "./pages/fact.js";
import * as findings from "./pages/findings.js";
import * as audit from "./pages/audit.js";
import * as signin from "./pages/signin.js";

const routes = [
  [/^\/$/, directory],
  [/^\/celebrities\/([^/]+)$/, timeline],
  [/^\/celebrities\/([^/]+)\/timelinejs$/, timelinejs],
  [/^\/facts\/([^/]+)$/, fact],
  [/^\/findings$/, findings],
  [/^\/audit$/, audit],
  [/^\/sign-in$/, signin],
];

let cleanup = null;

function updateSessionLink() {
  const who = session.who();
  const a = document.getElementById("session-link");
  a.textContent = who ? `${who.name} (${who.role})` : "Sign in";
}

export async function show(url = new URL(location.href), { focus = false } = {}) {
  if (cleanup) {
    try { cleanup(); } catch { /* a page's cleanup must not stop the next page */ }
    cleanup = null;
  }
  const main = document.getElementById("main");
  // Busy while a page loads: assistive technology (and the tests) wait for it.
  main.setAttribute("aria-busy", "true");
  try {
    await route(main, url, focus);
  } finally {
    main.setAttribute("aria-busy", "false");
  }
}

async function route(main, url, focus) {
  for (const [re, page] of routes) {
    const m = url.pathname.match(re);
    if (!m) continue;
    const params = m.slice(1).map(decodeURIComponent);
    try {
      cleanup = (await page.render(main, params, url)) || null;
    } catch (e) {
      fill(main, h("h1", {}, "Something went wrong"), h("div", { class: "problem", role: "alert" }, e.message));
    }
    if (focus) main.focus();
    return;
  }
  notFound(main, "Not found", "No page of the app has this address.");
}

export function go(href, { replace = false } = {}) {
  const url = new URL(href, location.href);
  if (replace) history.replaceState(null, "", url);
  else history.pushState(null, "", url);
  show(url, { focus: !replace });
}

document.addEventListener("click", (e) => {
  const a = e.target.closest("a[data-link]");
  if (!a || e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
  const url = new URL(a.href);
  if (url.origin !== location.origin) return;
  e.preventDefault();
  go(url.href);
});
window.addEventListener("popstate", () => show());
window.addEventListener("starlog:session", updateSessionLink);
updateSessionLink();
show();
