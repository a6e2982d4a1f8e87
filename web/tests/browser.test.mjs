// The web app in a real browser: Debian's chromium driven headless by
// playwright-core (never a downloaded browser), against a real server with
// the demo data. Every flow of the app end to end, a screenshot of each
// page into the build folder, and no request may leave 127.0.0.1.
//
//   node web/tests/browser.test.mjs BINARY DEMO_DIR SCREENSHOT_DIR
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { chromium } from "playwright-core";
import { StarlogServer } from "./server.mjs";

const [binary, demo, shots] = process.argv.slice(2);
if (!binary || !demo || !shots) {
  console.error("usage: node browser.test.mjs BINARY DEMO_DIR SCREENSHOT_DIR");
  process.exit(2);
}
mkdirSync(shots, { recursive: true });
const CHROMIUM = process.env.CHROMIUM || "/usr/bin/chromium";

const server = new StarlogServer(binary, demo);
// Stopped from outside (ctest's timeout, Ctrl-C): stop the server it started.
for (const signal of ["SIGINT", "SIGTERM"]) {
  process.on(signal, () => {
    server.stop().finally(() => process.exit(128 + (signal === "SIGINT" ? 2 : 15)));
  });
}
await server.start();
const editor = server.token("browser-editor", "editor");
const auditor = server.token("browser-auditor", "auditor");
const admin = server.token("browser-admin", "admin");
const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ["--no-sandbox"] });
const outside = [];
const consoleErrors = [];
let failures = 0;
let passed = 0;

async function newPage(viewport = { width: 1280, height: 900 }) {
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  await page.route("**/*", (route) => {
    const u = new URL(route.request().url());
    if (u.hostname !== "127.0.0.1" && u.protocol !== "data:") {
      outside.push(u.href);
      return route.abort();
    }
    return route.continue();
  });
  page.on("console", (m) => {
    // A feed that reconnects while its server restarts is expected to log
    // the failed attempt; everything else counts.
    // Chromium also logs every 4xx answer as an error: the flows below
    // provoke some on purpose (a rejected write, an unknown celebrity).
    if (m.type() !== "error" || /the server responded with a status of 4\d\d/.test(m.text())) return;
    if (!(allowFeedErrors && /events\/live|ERR_CONNECTION_REFUSED|503/.test(m.text())))
      consoleErrors.push(`${page.url()}: ${m.text()}`);
  });
  page.on("pageerror", (e) => consoleErrors.push(`${page.url()}: ${e.message}`));
  return page;
}
let allowFeedErrors = false;

async function signIn(page, token) {
  await page.goto(`${server.base}/sign-in`);
  await page.getByLabel("token", { exact: true }).fill(token);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForFunction(() => sessionStorage.getItem("starlog.who") !== null);
}

async function step(name, fn) {
  const started = Date.now();
  try {
    await fn();
    passed += 1;
    console.log(`ok   ${name} (${Date.now() - started} ms)`);
  } catch (e) {
    failures += 1;
    // What the main page showed when the step failed, beside the screenshots.
    await page.screenshot({ path: join(shots, `failed-${failures}.png`), fullPage: true }).catch(() => {});
    console.log(`FAIL ${name}\n     ${String(e.stack || e).split("\n").slice(0, 6).join("\n     ")}`);
  }
}

// A page of the app has finished loading (main.js sets aria-busy).
const settled = (page) => page.locator('main[aria-busy="false"]').waitFor();

const shot = (page, name) => page.screenshot({ path: join(shots, `${name}.png`), fullPage: true });

const page = await newPage();

await step("a reader finds Kanye West in the directory and reads his timeline", async () => {
  await page.goto(`${server.base}/`);
  await page.getByLabel("q", { exact: true }).fill("kan");
  await page.getByRole("button", { name: "Search" }).click();
  await page.getByRole("link", { name: "Kanye West" }).waitFor();
  assert.equal(new URL(page.url()).search, "?q=kan");
  await shot(page, "directory");
  await page.getByRole("link", { name: "Kanye West" }).click();
  await page.waitForURL(`${server.base}/celebrities/kanye-west`);
  await page.getByRole("heading", { level: 1, name: "Kanye West" }).waitFor();
  const titles = await page.locator(".entry h3 a").allTextContents();
  assert.ok(titles.some((t) => /Donda/.test(t)), `titles: ${titles.join(" | ")}`);
  // Dates and ages as the API gives them, and the corrected state.
  const api = (await server.api("GET", "/v1/celebrities/kanye-west/timeline")).json;
  const first = api.entries[0];
  const card = page.locator(`[data-fact="${first.fact_id}"]`);
  assert.match(await card.locator(".when").textContent(), new RegExp(first.display));
  const corrected = api.entries.find((e) => e.status === "corrected");
  assert.ok(corrected, "the demo has a corrected entry");
  await page.locator(`[data-fact="${corrected.fact_id}"] .badge.corrected`).waitFor();
  // Titles and people in words: registered names, from the owner's side.
  assert.ok(titles.includes("Married Kim Kardashian"), `titles: ${titles.join(" | ")}`);
  await page.locator(".entry .muted a", { hasText: "Kim Kardashian" }).first().waitFor();
  await page.locator(".live.on").waitFor();
  await shot(page, "timeline");
  // The README's pictures (docs/screenshots/ holds copies): what fits a screen.
  await page.screenshot({ path: join(shots, "readme-timeline.png") });
});

await step("filters by type, date and order live in the address", async () => {
  await page.getByLabel("album released", { exact: true }).check();
  await page.getByLabel("order", { exact: true }).selectOption("desc");
  await page.getByRole("button", { name: "Apply" }).click();
  await page.waitForURL(/types=album_released/);
  await settled(page);
  assert.match(page.url(), /order=desc/);
  const types = await page.locator(".entry .when").allTextContents();
  assert.ok(types.length > 0);
  for (const t of types) assert.match(t, /album released/);
  await page.reload();  // bookmarkable: the same view after a reload
  await settled(page);
  assert.ok(await page.getByLabel("album released", { exact: true }).isChecked());
  await page.goto(`${server.base}/celebrities/kanye-west?from=2021-08-29&to=2021-08-29`);
  await settled(page);
  const dates = await page.locator(".entry .when").allTextContents();
  assert.ok(dates.length > 0);
  for (const d of dates) assert.match(d, /2021/);
});

await step("a fact page shows sources as links, corrections with reasons and the history", async () => {
  await page.goto(`${server.base}/celebrities/kanye-west`);
  const corrected = (await server.api("GET", "/v1/celebrities/kanye-west/timeline")).json.entries.find((e) => e.status === "corrected");
  await page.locator(`[data-fact="${corrected.fact_id}"] h3 a`).click();
  await page.waitForURL(`${server.base}/facts/${corrected.fact_id}`);
  await page.getByRole("heading", { name: "Corrections" }).waitFor();
  assert.match(await page.locator("main").textContent(), /Watch the Throne/);
  const hrefs = await page.locator("ul.sources a").evaluateAll((as) => as.map((a) => a.href));
  assert.ok(hrefs.length > 0 && hrefs.every((h) => /^https?:\/\//.test(h)));
  const history = await page.locator("table tbody tr").count();
  assert.equal(history, 2, "the recording and its correction");
  await shot(page, "fact");
});

await step("the same timeline in TimelineJS, from this server only", async () => {
  await page.goto(`${server.base}/celebrities/kanye-west/timelinejs`);
  await page.locator(".tl-timeline").waitFor({ timeout: 15000 });
  await page.locator(".tl-slide").first().waitFor();
  await page.waitForTimeout(1500);  // TimelineJS fades in; a picture, not an assertion
  await shot(page, "timelinejs");
});

await step("an editor signs in, sees a date error next to the date field, appends a fact", async () => {
  await signIn(page, editor);
  assert.equal(await page.evaluate(() => location.search + location.hash), "", "the token is in no address");
  await page.goto(`${server.base}/celebrities/kanye-west`);
  await settled(page);
  await page.getByLabel("type", { exact: true }).selectOption("album_released");
  const form = page.locator('form.event[data-type="album_released"]');
  await form.getByLabel("title", { exact: true }).fill("Donda 2");
  await form.getByLabel("occurred", { exact: true }).fill("2022-02-30");
  await form.getByLabel("url", { exact: true }).fill("https://example.com/donda-2");
  await form.getByRole("button", { name: /Append/ }).click();
  const occurred = form.getByLabel("occurred", { exact: true });
  await page.waitForFunction((el) => el.getAttribute("aria-invalid") === "true", await occurred.elementHandle());
  const errId = (await occurred.getAttribute("aria-describedby")).split(" ").find((x) => x.endsWith("-error"));
  const message = await page.locator(`#${errId}`).textContent();
  assert.ok(message.length > 0, "an error message next to occurred");
  await shot(page, "editor-error");
  await form.screenshot({ path: join(shots, "readme-editor-error.png") });
  const before = (await server.api("GET", "/v1/events?limit=1")).json.head;
  assert.equal((await server.api("GET", `/v1/events?after=${before - 1}`)).json.events.length, 1, "nothing written");
  await occurred.fill("2022-02-23");
  await form.getByRole("button", { name: /Append/ }).click();
  await page.getByRole("status").filter({ hasText: "Appended at log position" }).waitFor();
  await page.locator(".entry h3 a", { hasText: "Donda 2" }).waitFor();
  await shot(page, "editor-appended");
});

await step("an editor registers a celebrity; a bad id is refused next to the id field", async () => {
  await page.goto(`${server.base}/`);
  await settled(page);
  const form = page.locator('form.event[data-type="celebrity_registered"]');
  await form.getByLabel("id", { exact: true }).fill("Travis Scott");
  await form.getByLabel("name", { exact: true }).fill("Travis Scott");
  await form.getByLabel("born", { exact: true }).fill("1991-04-30");
  await form.getByRole("button", { name: "Register" }).click();
  const id = form.getByLabel("id", { exact: true });
  await page.waitForFunction((el) => el.getAttribute("aria-invalid") === "true", await id.elementHandle());
  await id.fill("travis-scott");
  await form.getByLabel("born", { exact: true }).fill("1991-02-30");
  await form.getByRole("button", { name: "Register" }).click();
  const born = form.getByLabel("born", { exact: true });
  await page.waitForFunction((el) => el.getAttribute("aria-invalid") === "true", await born.elementHandle());
  assert.equal((await server.api("GET", "/v1/celebrities/travis-scott")).status, 404, "nothing written");
  await born.fill("1991-04-30");
  await form.getByRole("button", { name: "Register" }).click();
  await page.getByRole("status").filter({ hasText: "Registered" }).waitFor();
  await page.getByRole("status").getByRole("link", { name: "Travis Scott" }).click();
  await page.getByRole("heading", { level: 1, name: "Travis Scott" }).waitFor();
});

await step("every form field is labelled with the API's field name", async () => {
  await page.goto(`${server.base}/celebrities/kanye-west`);
  await settled(page);
  for (const type of ["live_event_held", "relationship_changed", "song_released"]) {
    await page.getByLabel("type", { exact: true }).selectOption(type);
    const unlabelled = await page.locator("main input, main select, main textarea").evaluateAll((els) =>
      els.filter((e) => e.type !== "hidden" && !(e.labels && e.labels.length) && !e.getAttribute("aria-label")).map((e) => e.outerHTML));
    assert.deepEqual(unlabelled, []);
  }
  const form = page.locator('form.event[data-type="song_released"]');
  await form.getByLabel("title", { exact: true }).waitFor();
  await page.getByLabel("type", { exact: true }).selectOption("live_event_held");
  await page.locator('form.event[data-type="live_event_held"]').getByLabel("venue", { exact: true }).waitFor();
});

await step("an editor corrects a fact from its page", async () => {
  await page.goto(`${server.base}/celebrities/kanye-west`);
  await page.locator(".entry h3 a", { hasText: "Donda 2" }).click();
  await page.waitForURL(/\/facts\//);
  const form = page.locator("form", { has: page.getByRole("heading", { name: "Correct this fact" }) });
  await form.getByLabel("title", { exact: true }).fill("Donda 2 (Stem Player edition)");
  await form.getByRole("button", { name: "Append the correction" }).click();
  // A correction without a reason is refused next to the reason field.
  const reason = form.getByLabel("reason", { exact: true });
  await page.waitForFunction((el) => el.getAttribute("aria-invalid") === "true", await reason.elementHandle());
  await reason.fill("Released only on the Stem Player");
  await form.getByRole("button", { name: "Append the correction" }).click();
  await page.getByRole("status").filter({ hasText: "Correction appended" }).waitFor();
  await page.reload();
  await page.getByRole("heading", { level: 1, name: /Stem Player edition/ }).waitFor();
  await page.locator("h1 .badge.corrected").waitFor();
});

await step("an editor retracts a fact", async () => {
  const form = page.locator("form", { has: page.getByRole("heading", { name: "Retract this fact" }) });
  await form.getByLabel("reason", { exact: true }).fill("Not an album release but a device launch");
  await form.getByRole("button", { name: "Append the retraction" }).click();
  await page.getByRole("status").filter({ hasText: "Retraction appended" }).waitFor();
  await page.reload();
  await page.locator("h1 .badge.retracted").waitFor();
});

await step("the findings queue shows the age finding; an editor dismisses it", async () => {
  await page.goto(`${server.base}/findings`);
  const card = page.locator(".entry", { hasText: "states age 37" });
  await card.waitFor();
  assert.match(await card.textContent(), /44/);
  await shot(page, "findings");
  await card.getByText("Dismiss this finding").click();
  await card.getByRole("button", { name: "Dismiss" }).click();
  await page.waitForFunction(() => document.querySelector('[aria-invalid="true"]'));  // reason needed
  await card.getByLabel("reason", { exact: true }).fill("The article's age is quoted as printed; the correction is tracked elsewhere.");
  await card.getByRole("button", { name: "Dismiss" }).click();
  await card.getByRole("status").filter({ hasText: "Dismissed" }).waitFor();
  await page.goto(`${server.base}/findings`);
  assert.equal(await page.locator(".entry", { hasText: "states age 37" }).count(), 0);
  await page.goto(`${server.base}/findings?include=dismissed`);
  const dismissed = page.locator(".entry", { hasText: "states age 37" });
  await dismissed.waitFor();
  assert.match(await dismissed.textContent(), /Dismissed by browser-editor/);
  assert.match(await dismissed.textContent(), /quoted as printed/);
});

await step("the timeline updates live, also across a server restart", async () => {
  const reader = await newPage();
  await reader.goto(`${server.base}/celebrities/kim-kardashian`);
  await reader.locator(".live.on").waitFor();
  let r = await server.api("POST", "/v1/celebrities/kim-kardashian/events", { token: editor,
    body: { type: "statement_made", occurred: "2022-03-01", data: { quote: "Live update one" }, sources: [{ url: "https://example.com/1" }] } });
  assert.equal(r.status, 201);
  await reader.locator(".entry", { hasText: "Live update one" }).waitFor({ timeout: 15000 });
  allowFeedErrors = true;
  await server.stop();
  await reader.locator(".live.off").waitFor({ timeout: 15000 });
  await server.start();
  await reader.locator(".live.on").waitFor({ timeout: 20000 });
  r = await server.api("POST", "/v1/celebrities/kim-kardashian/events", { token: editor,
    body: { type: "statement_made", occurred: "2022-03-02", data: { quote: "Live update two" }, sources: [{ url: "https://example.com/2" }] } });
  assert.equal(r.status, 201);
  await reader.locator(".entry", { hasText: "Live update two" }).waitFor({ timeout: 15000 });
  allowFeedErrors = false;
  await reader.context().close();
});

await step("an auditor verifies the log and views the timeline before the demo's correction", async () => {
  await page.evaluate(() => sessionStorage.clear());
  await signIn(page, auditor);
  await page.goto(`${server.base}/audit`);
  await page.getByText("Verified: the chain holds").waitFor({ timeout: 30000 });
  await shot(page, "audit");
  const corr = (await server.api("GET", "/v1/events?types=fact_corrected")).json.events[0];
  await page.goto(`${server.base}/celebrities/kanye-west`);
  const slider = page.getByLabel("as_of_position", { exact: true });
  await slider.fill(String(corr.position - 1));
  await page.getByRole("button", { name: "Show at this position" }).click();
  await page.waitForURL(new RegExp(`as_of_position=${corr.position - 1}`));
  await settled(page);
  const fact = page.locator(`[data-fact="${corr.data.fact_id}"]`);
  await fact.waitFor();
  assert.equal(await fact.locator(".badge.corrected").count(), 0, "not corrected yet at that position");
  assert.match(await fact.locator(".badge.changed").textContent(), /changed since: now corrected/);
  assert.match(await page.locator("main").textContent(), /recorded since/);
  await shot(page, "as-of");
});

await step("an admin takes a fact's content down from its page", async () => {
  await page.evaluate(() => sessionStorage.clear());
  await signIn(page, admin);
  const fact = (await server.api("GET", "/v1/celebrities/kanye-west/timeline?include=retracted")).json.entries
    .find((e) => /Donda 2/.test(e.title));
  await page.goto(`${server.base}/facts/${fact.fact_id}`);
  const form = page.locator("form", { has: page.getByRole("heading", { name: "Take this fact's content down" }) });
  await form.getByLabel("reason", { exact: true }).fill("Court order: the entry is about a private person");
  await form.getByLabel("legal_basis", { exact: true }).fill("Test order 2026/1");
  await form.getByRole("button", { name: "Take the content down" }).click();
  await page.getByRole("status").filter({ hasText: "Taken down" }).waitFor();
  await page.reload();
  await settled(page);
  assert.doesNotMatch(await page.locator("main").textContent(), /Stem Player/);
});

await step("keyboard only: search, open a result, reach the filters", async () => {
  const k = await newPage();
  await k.goto(`${server.base}/`);
  await k.keyboard.press("Tab");  // skip link
  await k.keyboard.press("Tab");  // brand
  for (let i = 0; i < 10 && !(await k.evaluate(() => document.activeElement && document.activeElement.name === "q")); i += 1)
    await k.keyboard.press("Tab");
  assert.equal(await k.evaluate(() => document.activeElement.name), "q");
  await k.keyboard.type("jay");
  await k.keyboard.press("Enter");
  await k.getByRole("link", { name: "Jay-Z" }).waitFor();
  await k.getByRole("link", { name: "Jay-Z" }).focus();
  await k.keyboard.press("Enter");
  await k.waitForURL(/\/celebrities\/jay-z$/);
  await k.context().close();
});

await step("a phone-sized screen: no sideways scrolling", async () => {
  const phone = await newPage({ width: 390, height: 844 });
  for (const path of ["/", "/celebrities/kanye-west", "/findings"]) {
    await phone.goto(`${server.base}${path}`);
    await phone.locator("main h1").waitFor();
    const over = await phone.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(over <= 1, `${path} is ${over}px wider than the screen`);
  }
  await phone.goto(`${server.base}/celebrities/kanye-west`);
  await phone.locator(".entry").first().waitFor();
  await shot(phone, "phone-timeline");
  await phone.context().close();
});

await step("an unknown page and an unknown celebrity say so", async () => {
  await page.goto(`${server.base}/celebrities/nobody-here`);
  await page.getByRole("heading", { name: "Not found" }).waitFor();
  const r = await fetch(`${server.base}/no/such/page`);
  assert.equal(r.status, 404);
  assert.match(r.headers.get("content-type"), /problem\+json/);
});

await step("no request left 127.0.0.1 and the console stayed clean", async () => {
  assert.deepEqual(outside, []);
  assert.deepEqual(consoleErrors, []);
});

await browser.close();
await server.stop();
if (failures === 0) server.cleanup();
else console.log(`server log and store kept in ${server.dir}`);
console.log(`${passed} passed, ${failures} failed; screenshots in ${shots}`);
process.exit(failures ? 1 : 0);
