import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { cleanupTemp } from "../helpers/temp.ts";
import { zipOf } from "../helpers/zip.ts";
import {
  assertNoSideScroll,
  collectConsoleErrors,
  DESKTOP,
  haveChromium,
  type Instance,
  launch,
  newContext,
  OWNER,
  PASSWORD,
  PHONE,
  signIn,
  siteDir,
  startInstance,
} from "./harness.ts";

/**
 * The done-when flows of the admin dashboard, in real headless Chromium
 * against the compiled binary, once at desktop size and once at 360×740
 * (where no screen may scroll sideways). Each viewport works on its own apps.
 */
setDefaultTimeout(300_000);

const API = `export default async (req) => {
  const url = new URL(req.url);
  if (url.pathname === "/api/ping") console.log("ping " + url.searchParams.get("token"));
  if (url.pathname === "/api/seed") {
    fazt.app.kv.set("greeting", { text: "hello" });
    fazt.app.ds.insert("notes", { title: "Buy milk", done: false });
    fazt.app.ds.insert("notes", { title: "Ship the dashboard", done: true });
    fazt.app.s3.put("reports/2026.txt", "the numbers", "text/plain");
  }
  if (url.pathname === "/api/seed-user") fazt.app.user.kv.set("theme", "dark");
  return { greeting: fazt.env.get("GREETING", "none") };
}`;

let inst: Instance;
let browser: Browser;

beforeAll(async () => {
  if (!haveChromium) return;
  inst = await startInstance();
  browser = await launch();
  for (const label of ["desktop", "phone"]) {
    const ok = async (args: string[]) => {
      const r = await inst.cli(args);
      if (r.code !== 0) throw new Error(`${args.join(" ")}: ${r.stderr}`);
    };
    await ok([
      "app",
      "deploy",
      siteDir({ "index.html": "<h1>version one</h1>" }),
      "--name",
      `roll-${label}`,
      "--message",
      "first",
    ]);
    await ok([
      "app",
      "deploy",
      siteDir({ "index.html": "<h1>version two</h1>" }),
      "--name",
      `roll-${label}`,
      "--message",
      "second",
    ]);
    await ok([
      "app",
      "deploy",
      siteDir({ "index.html": "<p>api</p>", "api/main.js": API }),
      "--name",
      `code-${label}`,
    ]);
  }
});

afterAll(async () => {
  await browser?.close();
  await inst?.stop();
  cleanupTemp();
});

for (const [label, viewport] of [
  ["desktop", DESKTOP],
  ["phone", PHONE],
] as const) {
  describe.skipIf(!haveChromium)(`admin UI at ${viewport.width}×${viewport.height}`, () => {
    let ctx: BrowserContext;
    let page: Page;
    let errors: string[];

    beforeAll(async () => {
      ctx = await newContext(browser, viewport);
      page = await ctx.newPage();
      errors = collectConsoleErrors(page);
    });
    afterAll(async () => {
      await ctx?.close();
    });

    const go = async (path: string) => {
      await page.goto(`${inst.admin}${path}`);
      await page.locator("main h1").first().waitFor();
      await assertNoSideScroll(page, `${path} at ${label}`);
    };

    test("signed out, the dashboard sends the browser to the sign-in page", async () => {
      const fresh = await newContext(browser, viewport);
      const p = await fresh.newPage();
      await p.goto(`${inst.admin}/apps`);
      await p.waitForURL(/\/auth\/login\?redirect=/);
      expect(await p.locator("#password").count()).toBe(1);
      await assertNoSideScroll(p, "the sign-in page");
      await fresh.close();
    });

    test("signing in through the form opens the dashboard", async () => {
      await signIn(page, inst);
      await page.locator("main h1", { hasText: "Overview" }).waitFor();
      await assertNoSideScroll(page, "the overview");
    });

    test("the app list shows a CLI-deployed app with its URL", async () => {
      await go("/apps");
      const row = page.locator(`li[data-app="roll-${label}"]`);
      await row.waitFor();
      expect(await row.locator("a.app-url").getAttribute("href")).toBe(inst.appUrl(`roll-${label}`));
    });

    test("rolling back from the Versions screen serves the old version", async () => {
      const name = `roll-${label}`;
      expect(await (await inst.fetchApp(name, "/")).text()).toContain("version two");
      await go(`/apps/${name}/versions`);
      await page.getByRole("button", { name: "Roll back to #1" }).click();
      await page.locator('li[data-version="1"] .badge-ok', { hasText: "live" }).waitFor();
      expect(await (await inst.fetchApp(name, "/")).text()).toContain("version one");
    });

    test("the Versions screen links each kept version's preview URL", async () => {
      const name = `roll-${label}`;
      await go(`/apps/${name}/versions`);
      const link = page.getByRole("link", { name: "Preview #1" });
      expect(await link.getAttribute("href")).toBe(`http://v1--${name}.localhost:${inst.port}`);
    });

    test("a console.log from the app appears in the Logs screen within 2 s", async () => {
      const name = `code-${label}`;
      await go(`/apps/${name}/logs`);
      await page.locator("[role=status]", { hasText: "live" }).waitFor();
      const token = `t${Date.now().toString(36)}`;
      expect((await inst.fetchApp(name, `/api/ping?token=${token}`)).status).toBe(200);
      await page.locator(".log li", { hasText: `ping ${token}` }).waitFor({ timeout: 2000 });
      await assertNoSideScroll(page, "the logs with lines");
    });

    test("setting an env value changes the app's answer", async () => {
      const name = `code-${label}`;
      expect(await (await inst.fetchApp(name, "/api/greet")).json()).toEqual({ greeting: "none" });
      await go(`/apps/${name}/env`);
      await page.fill("#env-key", "GREETING");
      await page.fill("#env-value", `hola ${label}`);
      await page.getByRole("button", { name: "Save" }).click();
      await page.locator('li[data-key="GREETING"]').waitFor();
      // The value itself is never shown back.
      expect(await page.locator("main").textContent()).not.toContain(`hola ${label}`);
      expect(await (await inst.fetchApp(name, "/api/greet")).json()).toEqual({ greeting: `hola ${label}` });
      // A refused change shows the API's own message.
      await page.fill("#env-key", "bad key");
      await page.fill("#env-value", "x");
      await page.getByRole("button", { name: "Save" }).click();
      await page.locator("[role=alert]", { hasText: 'env key "bad key" is not valid' }).waitFor();
    });

    test("removing an app and revoking a key ask first; Cancel changes nothing", async () => {
      const name = `doomed-${label}`;
      const made = await inst.cli(["app", "deploy", siteDir({ "index.html": "bye" }), "--name", name]);
      expect(made.code).toBe(0);
      await go(`/apps/${name}/versions`);
      await page.getByRole("button", { name: "Remove" }).click();
      await page.locator("dialog[open]", { hasText: `Remove ${name}?` }).waitFor();
      await page.keyboard.press("Escape");
      await page
        .locator("dialog[open]")
        .waitFor({ state: "detached" })
        .catch(() => {});
      expect((await inst.fetchApp(name, "/")).status).toBe(200);
      await page.getByRole("button", { name: "Remove" }).click();
      await page.getByRole("button", { name: "Remove app" }).click();
      await page.waitForURL(`${inst.admin}/apps`);
      expect((await inst.fetchApp(name, "/")).status).toBe(404);

      const key = `ci-${label}`;
      expect((await inst.cli(["server", "create-key", "--name", key, "--scope", "deploy"])).code).toBe(0);
      await go("/keys");
      await page.getByRole("button", { name: `Revoke ${key}` }).click();
      await page.getByRole("button", { name: "Cancel" }).click();
      expect(await page.locator(`li[data-key="${key}"]`).count()).toBe(1);
      await page.getByRole("button", { name: `Revoke ${key}` }).click();
      await page.getByRole("button", { name: "Revoke key" }).click();
      await page.locator(`li[data-key="${key}"]`).waitFor({ state: "detached" });
    });

    test("an invite link made in the UI is redeemed in a second browser", async () => {
      await go("/users");
      await page.getByRole("button", { name: "Create invite link" }).click();
      const link = (await page.locator("[data-secret]").textContent())?.trim() ?? "";
      expect(link).toMatch(/\/auth\/invite\/[a-z2-7]{32}$/);
      const other = await newContext(browser, viewport);
      const p = await other.newPage();
      await p.goto(link);
      const email = `friend-${label}@example.com`;
      await p.fill("#email", email);
      await p.fill("#password", "a-long-enough-password");
      await Promise.all([
        p.waitForURL((u) => !u.pathname.startsWith("/auth/invite")),
        p.click("button[type=submit]"),
      ]);
      // Signed in where the link was opened (that page may forbid scripts: ask with the context's cookies).
      const session = await (await other.request.get(new URL("/auth/session", link).href)).json();
      expect(session.data.user.email).toBe(email);
      // A plain user is signed in, but the dashboard is not theirs.
      // (The server answers that page itself once it gates the UI; the UI says the same otherwise.)
      await p.goto(new URL("/", link).href);
      await p.getByText(/for the owner and admins/).waitFor();
      await other.close();
      await go("/users");
      await page.locator(`li[data-user="${email}"]`).waitFor();
    });

    test("a zip dropped on the Apps screen is deployed", async () => {
      await go("/apps");
      const name = `zipped-${label}`;
      const bytes = Array.from(zipOf({ "index.html": `<h1>from a zip at ${label}</h1>` }));
      await page.evaluate(
        ({ bytes, name }) => {
          const file = new File([new Uint8Array(bytes)], `${name}.zip`, { type: "application/zip" });
          const dt = new DataTransfer();
          dt.items.add(file);
          const zone = document.querySelector("[data-testid=drop-zone]")!;
          for (const type of ["dragenter", "dragover", "drop"]) {
            zone.dispatchEvent(new DragEvent(type, { dataTransfer: dt, bubbles: true, cancelable: true }));
          }
        },
        { bytes, name },
      );
      expect(await page.inputValue("#deploy-name")).toBe(name);
      await assertNoSideScroll(page, "the deploy form");
      await page.getByRole("button", { name: "Deploy" }).click();
      await page.locator(".notice", { hasText: `Deployed ${name}` }).waitFor();
      expect(await (await inst.fetchApp(name, "/")).text()).toContain(`from a zip at ${label}`);
      await page.locator(`li[data-app="${name}"]`).waitFor();
    });

    test("a folder picked on the Apps screen goes through the incremental protocol", async () => {
      await go("/apps");
      const name = `folder-${label}`;
      const dir = siteDir({
        [`${name}/index.html`]: `<h1>folder at ${label}</h1>`,
        [`${name}/css/site.css`]: "body{color:red}",
        [`${name}/.secret`]: "never deployed",
      });
      const pick = async () => {
        await page.setInputFiles("[data-testid=folder-input]", `${dir}/${name}`);
        expect(await page.inputValue("#deploy-name")).toBe(name);
        await page.getByRole("button", { name: "Deploy" }).click();
        return (await page.locator(".notice", { hasText: `Deployed ${name}` }).textContent()) ?? "";
      };
      expect(await pick()).toContain("2 files");
      expect(await (await inst.fetchApp(name, "/")).text()).toContain(`folder at ${label}`);
      expect((await inst.fetchApp(name, "/.secret")).status).toBe(404);
      // The same folder again: the server has every content, nothing is uploaded.
      expect(await pick()).toContain("0 B uploaded");
    });

    test("the Storage screen lists kv keys, queries documents and downloads objects", async () => {
      const name = `code-${label}`;
      expect((await inst.fetchApp(name, "/api/seed")).status).toBe(200);
      await go(`/apps/${name}/storage`);
      await page.locator(".item-title", { hasText: "greeting" }).waitFor();
      await page.getByRole("button", { name: /^Documents/ }).click();
      await page.fill("#ds-query", '{"done": true}');
      await page.getByRole("button", { name: "Find" }).click();
      await page.locator("pre.doc", { hasText: "Ship the dashboard" }).waitFor();
      expect(await page.locator("pre.doc", { hasText: "Buy milk" }).count()).toBe(0);
      await assertNoSideScroll(page, "the documents");
      // A bad query comes back as the API's message.
      await page.fill("#ds-query", '{"title": {"$bogus": 1}}');
      await page.getByRole("button", { name: "Find" }).click();
      await page.locator("[role=alert]").waitFor();
      await page.getByRole("button", { name: /^Files/ }).click();
      const href = await page.getByRole("link", { name: "Download" }).getAttribute("href");
      const body = await page.evaluate(async (h) => (await fetch(h!)).text(), href);
      expect(body).toBe("the numbers");

      // The owner's own data in the app (fazt.app.user.*): the per-user scope shows it, the app scope does not.
      // The browser signs in on the app's host (straight through when the sign-in handoff
      // carries the admin session over, else with the form there), then the app stores for the user.
      const appPage = await ctx.newPage();
      try {
        const appHome = `${inst.appUrl(name)}/`;
        await appPage.goto(`${inst.appUrl(name)}/auth/login?redirect=${encodeURIComponent(appHome)}`);
        if (
          new URL(appPage.url()).pathname === "/auth/login" &&
          (await appPage.locator("#password").count())
        ) {
          await appPage.fill("#username", OWNER);
          await appPage.fill("#password", PASSWORD);
          await appPage.click("button[type=submit]");
        }
        await appPage.waitForURL(appHome);
        expect(await appPage.evaluate(async () => (await fetch("/api/seed-user")).status)).toBe(200);
      } finally {
        await appPage.close();
      }
      await go(`/apps/${name}/storage`);
      await page.locator(".item-title", { hasText: "greeting" }).waitFor();
      expect(await page.locator(".item-title", { hasText: "theme" }).count()).toBe(0);
      await page.selectOption("#storage-scope", { label: "User: admin" });
      await page.locator(".item-title", { hasText: "theme" }).waitFor();
      expect(await page.locator(".item-title", { hasText: "greeting" }).count()).toBe(0);
    });

    test("a preview deploy from the browser leaves the live version alone", async () => {
      await go("/apps");
      const name = `roll-${label}`;
      const live = await (await inst.fetchApp(name, "/")).text();
      const dir = siteDir({ [`${name}/index.html`]: "<h1>a preview</h1>" });
      await page.setInputFiles("[data-testid=folder-input]", `${dir}/${name}`);
      await page.getByRole("checkbox", { name: /Preview only/ }).check();
      await page.getByRole("button", { name: "Deploy" }).click();
      const notice = page.locator(".notice", { hasText: "Uploaded a preview" });
      await notice.waitFor();
      expect(await notice.locator("a").getAttribute("href")).toMatch(
        new RegExp(`^http://v\\d+--${name}\\.localhost:${inst.port}`),
      );
      expect(await (await inst.fetchApp(name, "/")).text()).toBe(live);
    });

    test("the SQL console shows rows, and refuses a write without the toggle", async () => {
      await go("/sql");
      await page.fill("#sql-query", "SELECT name FROM apps ORDER BY name");
      await page.getByRole("button", { name: "Run" }).click();
      await page.locator("table td", { hasText: `roll-${label}` }).waitFor();
      await assertNoSideScroll(page, "the SQL results");
      await page.fill("#sql-query", `DELETE FROM apps WHERE name = 'roll-${label}'`);
      await page.getByRole("button", { name: "Run" }).click();
      // The API's own refusal (READ_ONLY), word for word, in the banner; nothing deleted.
      await page.locator("[role=alert]", { hasText: "send it with write" }).waitFor();
      expect((await inst.fetchApp(`roll-${label}`, "/")).status).toBe(200);
    });

    test("every screen fits the width, and the page logged no CSP violation", async () => {
      const paths = [
        "/",
        "/apps",
        `/apps/code-${label}/versions`,
        `/apps/code-${label}/files`,
        `/apps/code-${label}/logs`,
        `/apps/code-${label}/env`,
        `/apps/code-${label}/storage`,
        "/users",
        "/keys",
        "/providers",
        "/backups",
        "/settings",
        "/sql",
        "/upgrade",
      ];
      for (const p of paths) await go(p);
      expect(errors.filter((e) => /Content Security Policy|Refused to/i.test(e))).toEqual([]);
    });

    if (label === "phone") {
      test("the menu opens from the keyboard and leads to another screen", async () => {
        await go("/");
        const menu = page.getByRole("button", { name: "Open menu" });
        await menu.focus();
        await page.keyboard.press("Enter");
        const link = page.locator("nav[aria-label=Main] a", { hasText: "API keys" });
        await link.waitFor({ state: "visible" });
        await link.focus();
        await page.keyboard.press("Enter");
        await page.locator("main h1", { hasText: "API keys" }).waitFor();
        await link.waitFor({ state: "hidden" });
        await assertNoSideScroll(page, "the keys screen after the menu");
      });
    }
  });
}
