// The same timeline in TimelineJS (the npm package, served by this server:
// no CDN; its default web font is replaced by the system's fonts).
import { get } from "../api.js";
import { fill, h, link } from "../dom.js";

let loading = null;

function loadTimelineJS() {
  if (window.TL) return Promise.resolve();
  if (!loading) {
    loading = new Promise((resolve, reject) => {
      const css = document.createElement("link");
      css.rel = "stylesheet";
      css.href = "/app/timelinejs/css/timeline.css";
      document.head.append(css);
      const s = document.createElement("script");
      s.src = "/app/timelinejs/js/timeline.js";
      s.onload = resolve;
      s.onerror = () => reject(new Error("TimelineJS could not be loaded"));
      document.head.append(s);
    });
  }
  return loading;
}

export async function render(main, [id]) {
  const box = h("div", { id: "timelinejs" });
  fill(main, h("p", {}, link(`/celebrities/${encodeURIComponent(id)}`, "← The timeline as a list")), box);
  let doc;
  try {
    [doc] = await Promise.all([
      get(`/v1/celebrities/${encodeURIComponent(id)}/timeline?format=timelinejs&limit=500`),
      loadTimelineJS()]);
  } catch (e) {
    fill(box, h("div", { class: "problem", role: "alert" }, e.message));
    return null;
  }
  document.title = `${(doc.title && doc.title.text && doc.title.text.headline) || id} · TimelineJS · Starlog`;
  if (!doc.events || !doc.events.length) {
    fill(box, h("p", {}, "No entries to show."));
    return null;
  }
  // eslint-disable-next-line no-new
  new window.TL.Timeline(box, doc, {
    script_path: `${location.origin}/app/timelinejs/js/`,
    font: "/app/timelinejs-font.css",
    language: "en",
    hash_bookmark: false,
    initial_zoom: 2,
  });
  return null;
}
