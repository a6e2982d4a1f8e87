// The live feed (GET /v1/events/live, Server-Sent Events): one `event:` per
// log event, named by its type, `id:` its position. EventSource resumes
// with Last-Event-ID by itself after a dropped connection; when the server
// answered an error instead (restarting: 503), it gives up, so this opens a
// new one from the last position seen, every 2 s until the server is back.
import { eventTypes } from "./schema.js";

export async function follow(after, onEvent, onState) {
  const types = (await eventTypes()).map((t) => t.type);
  let last = after;
  let source = null;
  let timer = null;
  let stopped = false;
  const open = () => {
    if (stopped) return;
    source = new EventSource(`/v1/events/live?after=${last}`);
    source.onopen = () => onState("on");
    source.onerror = () => {
      onState("off");
      if (source.readyState === EventSource.CLOSED && !stopped) {
        clearTimeout(timer);
        timer = setTimeout(open, 2000);
      }
    };
    const handler = (m) => {
      const position = Number(m.lastEventId);
      if (position > last) last = position;
      let ev = null;
      try { ev = JSON.parse(m.data); } catch { /* not an event */ }
      if (ev) onEvent(ev, position);
    };
    for (const t of types) source.addEventListener(t, handler);
    source.addEventListener("message", handler);
  };
  open();
  return () => {
    stopped = true;
    clearTimeout(timer);
    if (source) source.close();
  };
}

// Does the event touch `celebrity`'s timeline?
export function concerns(ev, celebrity) {
  if (ev.stream === celebrity) return true;
  return (ev.participants || []).some((p) => p.celebrity === celebrity);
}
