// The public HTTP API (the one the server documents at /openapi.json), and
// the signed-in token. The token lives in sessionStorage: it stays with this
// tab only, goes only into the Authorization header, never into a URL.

const TOKEN_KEY = "starlog.token";
const WHO_KEY = "starlog.who";

export class ApiError extends Error {
  constructor(status, problem) {
    super((problem && (problem.detail || problem.title)) || `HTTP ${status}`);
    this.status = status;
    this.problem = problem || {};
  }
  // [{pointer, message}] of a validation problem, [] otherwise.
  get errors() {
    return Array.isArray(this.problem.errors) ? this.problem.errors : [];
  }
}

export const session = {
  token() {
    return sessionStorage.getItem(TOKEN_KEY);
  },
  // {name, role, may: ["read", "append", ...]} or null.
  who() {
    try {
      return JSON.parse(sessionStorage.getItem(WHO_KEY) || "null");
    } catch {
      return null;
    }
  },
  may(permission) {
    const w = this.who();
    return !!w && w.may.includes(permission);
  },
  // Checks the token with GET /v1/whoami and keeps it on success.
  async signIn(token) {
    const who = await request("GET", "/v1/whoami", { token });
    sessionStorage.setItem(TOKEN_KEY, token);
    sessionStorage.setItem(WHO_KEY, JSON.stringify(who));
    window.dispatchEvent(new Event("starlog:session"));
    return who;
  },
  signOut() {
    sessionStorage.removeItem(TOKEN_KEY);
    sessionStorage.removeItem(WHO_KEY);
    window.dispatchEvent(new Event("starlog:session"));
  },
};

// One request. Resolves with the parsed JSON body (null for 204/304);
// rejects with ApiError carrying the problem+json body for any 4xx/5xx, and
// with ApiError(0) when the server cannot be reached.
export async function request(method, path, { body, token, headers = {} } = {}) {
  const h = { Accept: "application/json", ...headers };
  const t = token === undefined ? session.token() : token;
  if (t) h.Authorization = `Bearer ${t}`;
  let payload;
  if (body !== undefined) {
    h["Content-Type"] = "application/json";
    payload = JSON.stringify(body);
  }
  let res;
  try {
    res = await fetch(path, { method, headers: h, body: payload, cache: "no-cache" });
  } catch (e) {
    throw new ApiError(0, { title: "The server cannot be reached", detail: String(e.message || e) });
  }
  const text = await res.text();
  let json = null;
  if (text) {
    try {
      json = JSON.parse(text);
    } catch {
      json = { detail: text };
    }
  }
  if (!res.ok) throw new ApiError(res.status, json);
  return json;
}

export const get = (path) => request("GET", path);

// Appends one event (or an array) to a celebrity's stream.
export function append(celebrity, events) {
  return request("POST", `/v1/celebrities/${encodeURIComponent(celebrity)}/events`, { body: events });
}

// A query string from an object, leaving out empty values.
export function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v === undefined || v === null || v === "" || v === false) continue;
    q.set(k, v === true ? "1" : String(v));
  }
  const s = q.toString();
  return s ? `?${s}` : "";
}
