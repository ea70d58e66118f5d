import { afterAll, beforeAll, expect, setDefaultTimeout, test } from "bun:test";
import type { Browser, Page } from "playwright-core";
import { cleanupTemp } from "../helpers/temp.ts";
import {
  assertNoSideScroll,
  DESKTOP,
  haveChromium,
  type Instance,
  launch,
  newContext,
  PHONE,
  SHOTS,
  shot,
  signIn,
  siteDir,
  startInstance,
} from "./harness.ts";

/**
 * Screenshots of every screen at desktop and phone size, light and dark, on
 * an instance with data in every screen, written to $FAZT_SHOTS (default
 * /tmp/fazt-shots) for a person to look at. Each screen is also checked for
 * sideways scrolling.
 */
setDefaultTimeout(600_000);

const API = `export default async (req) => {
  const url = new URL(req.url);
  if (url.pathname === "/api/seed") {
    fazt.app.kv.set("greeting", { text: "hello", n: 1 });
    fazt.app.kv.set("visits", 42);
    fazt.app.ds.insert("notes", { title: "Buy milk", done: false });
    fazt.app.ds.insert("notes", { title: "Ship the dashboard", done: true });
    fazt.app.s3.put("reports/2026.txt", "numbers", "text/plain");
    return { ok: true };
  }
  if (url.pathname === "/api/fail") {
    console.error("payment provider answered 502 for order 1138");
    throw new Error("boom");
  }
  console.log("GET " + url.pathname + " from " + (req.headers.get("user-agent") ?? "?"));
  console.warn("cache miss for " + url.pathname);
  return { ok: true };
}`;

let inst: Instance;
let browser: Browser;

beforeAll(async () => {
  if (!haveChromium) return;
  inst = await startInstance();
  browser = await launch();
  const ok = async (args: string[]) => {
    const r = await inst.cli(args);
    if (r.code !== 0) throw new Error(`${args.join(" ")}: ${r.stderr}`);
  };
  for (const [i, message] of ["first cut", "new header", "fix typo in footer"].entries()) {
    await ok([
      "app",
      "deploy",
      siteDir({
        "index.html": `<h1>blog ${i}</h1>`,
        "about/index.html": "<p>about</p>",
        "assets/site.css": "body { font-family: serif }\n",
        "assets/app.js": "console.log('hi')\n",
        "api/main.js": API,
      }),
      "--name",
      "blog",
      "--message",
      message,
    ]);
  }
  await ok(["app", "deploy", siteDir({ "index.html": "<h1>docs</h1>" }), "--name", "docs", "--spa"]);
  await ok(["app", "env", "blog", "set", "STRIPE_KEY=sk_live_0123456789", "MODE=beta"]);
  await ok(["server", "create-key", "--name", "github-actions", "--scope", "deploy", "--app", "blog"]);
  await ok(["auth", "invite", "--role", "user"]);
  await ok(["backup", "create"]);
  await inst.fetchApp("blog", "/api/seed");
  for (const p of ["/api/a", "/api/b", "/api/fail"]) await inst.fetchApp("blog", p);
});

afterAll(async () => {
  await browser?.close();
  await inst?.stop();
  cleanupTemp();
});

const SCREENS: [string, string][] = [
  ["overview", "/"],
  ["apps", "/apps"],
  ["app-versions", "/apps/blog/versions"],
  ["app-files", "/apps/blog/files"],
  ["app-logs", "/apps/blog/logs"],
  ["app-env", "/apps/blog/env"],
  ["app-storage", "/apps/blog/storage"],
  ["users", "/users"],
  ["keys", "/keys"],
  ["providers", "/providers"],
  ["backups", "/backups"],
  ["settings", "/settings"],
  ["sql", "/sql"],
  ["upgrade", "/upgrade"],
];

/** Extra states worth a look: a file open, a query's results, a confirmation, the phone menu. */
async function extras(page: Page, inst: Instance, tag: string, phone: boolean) {
  const go = async (path: string) => {
    await page.goto(`${inst.admin}${path}`);
    await page.locator("main h1").first().waitFor();
  };
  await go("/apps/blog/files");
  await page
    .getByRole("button", { name: /index\.html/ })
    .first()
    .click();
  await page.locator("pre.code").waitFor();
  await shot(page, `app-files-open-${tag}`);

  await go("/sql");
  await page.getByRole("button", { name: "Run" }).click();
  await page.locator("table, [role=alert]").first().waitFor();
  await assertNoSideScroll(page, "the SQL results");
  await shot(page, `sql-results-${tag}`);

  await go("/apps/blog/versions");
  await page.getByRole("button", { name: "Remove" }).click();
  await page.locator("dialog[open]").waitFor();
  await shot(page, `confirm-remove-${tag}`);
  await page.getByRole("button", { name: "Cancel" }).click();

  await go("/apps/blog/storage");
  // Until the storage routes exist the screen shows the API's error instead: picture that.
  await page.locator("#kv-prefix, [role=alert]").first().waitFor();
  await page.getByRole("button", { name: /Documents/ }).click();
  if (await page.getByRole("button", { name: "Find" }).count()) {
    await page.getByRole("button", { name: "Find" }).click();
    await page.locator("pre.doc, [role=alert]").first().waitFor();
  }
  await shot(page, `app-storage-ds-${tag}`);

  await go("/keys");
  await page.fill("#key-name", `laptop ${tag}`);
  await page.getByRole("button", { name: "Create key" }).click();
  await page.locator("[data-secret]").waitFor();
  await assertNoSideScroll(page, "the new token");
  await shot(page, `keys-token-${tag}`);

  await go("/users");
  await page.getByRole("button", { name: "Create invite link" }).click();
  await page.locator("[data-secret]").waitFor();
  await assertNoSideScroll(page, "the new invite link");
  await shot(page, `users-invite-${tag}`);

  await go("/apps");
  await page.evaluate(() => {
    const dt = new DataTransfer();
    dt.items.add(new File(["<h1>hi</h1>"], "index.html", { type: "text/html" }));
    dt.items.add(new File(["{}"], "data.json", { type: "application/json" }));
    document
      .querySelector("[data-testid=drop-zone]")!
      .dispatchEvent(new DragEvent("drop", { dataTransfer: dt, bubbles: true, cancelable: true }));
  });
  await page.locator("#deploy-name").waitFor();
  await assertNoSideScroll(page, "the deploy form");
  await shot(page, `apps-deploy-form-${tag}`);

  if (phone) {
    await go("/");
    await page.getByRole("button", { name: "Open menu" }).click();
    await page.locator("nav[aria-label=Main] a", { hasText: "Backups" }).waitFor({ state: "visible" });
    await page.waitForTimeout(250); // the drawer's slide
    await shot(page, `menu-open-${tag}`);
  }
}

test.skipIf(!haveChromium)("every screen at desktop and phone size, light and dark", async () => {
  for (const [size, viewport] of [
    ["desktop", DESKTOP],
    ["phone", PHONE],
  ] as const) {
    for (const scheme of ["light", "dark"] as const) {
      const ctx = await newContext(browser, viewport, scheme);
      const page = await ctx.newPage();
      const tag = `${size}-${scheme}`;
      await page.goto(`${inst.admin}/`);
      await page.waitForURL(/\/auth\/login/);
      await shot(page, `signin-${tag}`);
      await signIn(page, inst);
      for (const [name, path] of SCREENS) {
        await page.goto(`${inst.admin}${path}`);
        await page.locator("main h1").first().waitFor();
        // Lists fill in after the first paint: wait until nothing says "Loading".
        await page
          .waitForFunction(() => !document.querySelector(".loading"), null, { timeout: 10_000 })
          .catch(() => {});
        if (name === "app-logs") await page.locator(".log li").first().waitFor();
        await assertNoSideScroll(page, `${path} (${tag})`);
        await shot(page, `${name}-${tag}`);
      }
      await extras(page, inst, tag, size === "phone");
      await ctx.close();
    }
  }
  console.log(`screenshots in ${SHOTS}`);
  expect(true).toBe(true);
});
