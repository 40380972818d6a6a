// Pays through the example POS page (/pos) and checks the control panel,
// in Debian's headless Chromium, against the real termd binary in emulator
// mode (free ports, a fresh dataDir). Any page error fails the run.
//
//   node pos.test.mjs /path/to/termd
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium } from "playwright-core";

const termdBin = process.argv[2];
if (!termdBin) {
  console.error("usage: node pos.test.mjs /path/to/termd");
  process.exit(2);
}
const WAIT = 15_000; // the longest any single step may take

// startTermd runs termd and resolves with the panel's URL once it is
// served. The signature delay is long enough to see the 0010 on the page.
function startTermd(dataDir) {
  const args = ["run", "--listen.tcp=127.0.0.1:0", "--listen.ws=127.0.0.1:0",
    "--emulator.control=127.0.0.1:0", "--dataDir=" + dataDir, "--log.file=-",
    "--emulator.cardDelay=200ms", "--emulator.signDelay=1500ms", "--emulator.authDelay=100ms"];
  const proc = spawn(termdBin, args, { stdio: ["ignore", "pipe", "pipe"] });
  let log = "";
  const ready = new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("termd did not start:\n" + log)), WAIT);
    const onData = chunk => {
      log += chunk;
      const line = log.split("\n").find(l => l.includes("emulator control panel"));
      if (line) {
        clearTimeout(timer);
        resolve(JSON.parse(line.slice(line.indexOf("{"))).url);
      }
    };
    proc.stdout.on("data", onData);
    proc.stderr.on("data", onData);
    proc.on("exit", code => reject(new Error("termd exited " + code + ":\n" + log)));
  });
  return { proc, ready, log: () => log };
}

function check(ok, what) {
  if (!ok) throw new Error(what);
  console.log("ok  " + what);
}

async function textOf(page, sel) { return (await page.textContent(sel)) ?? ""; }

// waitText waits until the element's text contains want.
async function waitText(page, sel, want) {
  await page.waitForFunction(([s, w]) => (document.querySelector(s)?.textContent ?? "").includes(w),
    [sel, want], { timeout: WAIT }).catch(async () => {
    throw new Error(`${sel} never showed ${JSON.stringify(want)}; it shows ${JSON.stringify(await textOf(page, sel))}`);
  });
}

async function pay(page, amount) {
  await page.fill("#amount", String(amount));
  await page.click("#pay");
}

async function examplePOS(browser, panelURL, errors) {
  const page = await browser.newPage();
  watch(page, "/pos", errors);
  await page.goto(panelURL + "pos");
  await waitText(page, "#conn", "connected");

  await pay(page, 1000);
  await waitText(page, "#status", "confirmed");
  const first = await textOf(page, "#status");
  check(first.startsWith("0000") && first.includes("1,000원"), "1000 won approved and confirmed: " + first);
  const frames = await textOf(page, "#frames");
  check(frames.includes('980001{"resultCode":"0000"'), "the 980001 confirmation is answered 0000 and shown");

  await pay(page, 1001);
  await waitText(page, "#status", "9005");
  check(true, "1001 won declined with 9005");

  await pay(page, 60000);
  await waitText(page, "#status", "0010");
  check(true, "60000 won: the signature wait (0010) is shown");
  await waitText(page, "#status", "confirmed");
  check((await textOf(page, "#status")).includes("60,000원"), "60000 won approved after the signature");

  await page.click("#print");
  await waitText(page, "#status", "900091 0000");
  check(true, "a receipt with Korean text printed (byte-correct length)");

  await page.click("#cancel");
  await waitText(page, "#status", "cancelled");
  check((await textOf(page, "#status")).startsWith("0000"), "the last approval cancelled");

  // Every frame the page received passed its own length check (a mismatch
  // is shown in #status as "Bad frame"), and each one is listed.
  const count = await page.locator("#frames li").count();
  check(count >= 14, `every frame is listed (${count})`);
  await page.close();
}

// thePanel: at a phone's width nothing overflows; the header says "live"
// once the event stream is open; the screen shows the last result; the
// journal shows the declined row's amount; the mode is shown.
async function thePanel(browser, panelURL, errors) {
  const page = await browser.newPage({ viewport: { width: 390, height: 844 } });
  watch(page, "panel", errors);
  // The race that made the header say "polling" while live: the page's
  // first state fetch answered after the event stream opened. Hold that
  // answer until the header says live, then let it through.
  const stateDone = new Promise(resolve => page.on("requestfinished", r => { if (r.url().endsWith("/api/state")) resolve(); }));
  await page.route("**/api/state", async route => {
    await page.waitForFunction(() => document.getElementById("link")?.textContent === "live", null, { timeout: WAIT });
    await route.continue();
  }, { times: 1 });
  await page.goto(panelURL);
  await stateDone;
  await page.evaluate(() => new Promise(r => setTimeout(r, 0))); // let the page handle the answer
  await waitText(page, "#journal", "9005");
  check(await textOf(page, "#link") === "live", "the header says live, not polling, when the first state comes late");
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  check(width <= 390, `no horizontal overflow at 390 px (page is ${width} px wide)`);
  check(await textOf(page, "#mode") === "automatic", "the mode is shown");
  await waitText(page, "#result", "0000");
  check(true, "the screen shows the last result: " + await textOf(page, "#result"));
  const declined = await page.evaluate(() => {
    const rows = [...document.querySelectorAll("#journal tbody tr")].map(tr => [...tr.cells].map(td => td.textContent));
    const head = [...document.querySelectorAll("#journal thead th")].map(th => th.textContent);
    const row = rows.find(r => r[head.indexOf("resultCode")] === "9005");
    return row ? row[head.indexOf("amount")] : null;
  });
  check(declined === "1001", `the declined row shows its amount (${declined})`);
  await page.close();
}

function watch(page, name, errors) {
  page.on("pageerror", e => errors.push(`${name}: ${e.message}`));
  page.on("console", m => { if (m.type() === "error") errors.push(`${name} console: ${m.text()}`); });
}

const dataDir = mkdtempSync(join(tmpdir(), "termd-browser-"));
const termd = startTermd(dataDir);
let browser, failed = false;
try {
  const panelURL = await termd.ready;
  browser = await chromium.launch({
    executablePath: "/usr/bin/chromium",
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
  const errors = [];
  await examplePOS(browser, panelURL, errors);
  await thePanel(browser, panelURL, errors);
  check(errors.length === 0, "no page errors" + (errors.length ? ":\n  " + errors.join("\n  ") : ""));
} catch (e) {
  failed = true;
  console.error("FAIL " + e.message);
  console.error("--- termd's log:\n" + termd.log());
} finally {
  await browser?.close();
  const exited = new Promise(r => termd.proc.exitCode !== null ? r() : termd.proc.once("exit", r));
  termd.proc.kill("SIGTERM");
  await exited;
  rmSync(dataDir, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);
