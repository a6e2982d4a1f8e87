// A real Starlog server for the browser tests: a fresh SQLite store in a
// temporary directory, the demo data, tokens made with `starlog token
// create`, a free loopback port. Stopped by its pid.
import { spawn, execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, openSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export class StarlogServer {
  constructor(binary, demo) {
    this.binary = binary;
    this.demo = demo;
    this.dir = mkdtempSync(join(tmpdir(), "starlog-browser-"));
    this.db = join(this.dir, "starlog.db");
    this.child = null;
  }

  async start() {
    if (!this.port) this.port = await freePort();
    const log = openSync(join(this.dir, "server.log"), "a");
    this.child = spawn(this.binary, ["serve", "--db", this.db, "--listen", `127.0.0.1:${this.port}`,
      "--demo", this.demo], { stdio: ["ignore", log, log] });
    this.base = `http://127.0.0.1:${this.port}`;
    for (let i = 0; i < 300; i += 1) {  // up to 30 s
      if (this.child.exitCode !== null) throw new Error(`the server exited (${this.child.exitCode}); see ${this.dir}/server.log`);
      try {
        const r = await fetch(`${this.base}/readyz`);
        if (r.ok) return this;
      } catch { /* not listening yet */ }
      await sleep(100);
    }
    throw new Error("the server did not become ready within 30 s");
  }

  async stop() {
    if (!this.child || this.child.exitCode !== null) return;
    const exited = new Promise((r) => this.child.once("exit", r));
    this.child.kill("SIGTERM");
    const t = setTimeout(() => this.child.kill("SIGKILL"), 10000);
    await exited;
    clearTimeout(t);
  }

  token(name, role) {
    return execFileSync(this.binary, ["token", "create", "--name", name, "--role", role, "--db", this.db],
      { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
  }

  async api(method, path, { token, body } = {}) {
    const headers = { Accept: "application/json" };
    if (token) headers.Authorization = `Bearer ${token}`;
    if (body !== undefined) headers["Content-Type"] = "application/json";
    const r = await fetch(`${this.base}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await r.text();
    return { status: r.status, json: text ? JSON.parse(text) : null };
  }

  cleanup() {
    rmSync(this.dir, { recursive: true, force: true });
  }
}
