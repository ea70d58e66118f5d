import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { ensureBinary, fazt, type ServerProcess, startServerProcess } from "../helpers/cli.ts";
import { cleanupTemp, freePort, tempDir } from "../helpers/temp.ts";

/**
 * The first hour, as a newcomer lives it, in a real browser (headless
 * Chromium) against the compiled binary: start on a port of one's own,
 * deploy two folders with no config, open the site, sign in once on the
 * admin host, open another app's private page with no second form, sign out.
 *
 * Screenshots of the sign-in and sign-out pages (desktop and a 360×740 phone)
 * are written to `$FAZT_SHOTS_DIR` when it is set, to be looked at.
 */

// The first run may build the binary; Chromium starts in a few seconds.
setDefaultTimeout(240_000);

import { requireTool } from "../helpers/tools.ts";

const CHROMIUM = "/usr/bin/chromium";

const SHOTS = process.env.FAZT_SHOTS_DIR;

describe.skipIf(!requireTool(CHROMIUM, "the newcomer test drives Chromium: apt-get install chromium"))(
  "a newcomer's first hour, in Chromium",
  () => {
    let home: string;
    let port: number;
    let server: ServerProcess;
    let password: string;
    let browser: Browser;
    let binary: string;

    beforeAll(async () => {
      binary = ensureBinary("linux-x64");
      home = tempDir("fazt-newcomer-");
      port = freePort();
      // `startServerProcess` runs `fazt server start --listen 127.0.0.1 --port PORT`: a port that is not 4698.
      server = await startServerProcess([], { home, port, binary });
      // biome-ignore lint/suspicious/noControlCharactersInRegex: colour codes, if any, are stripped
      const printed = server.output().replace(/\u001b\[[0-9;]*m/g, "");
      password = /password:\s+(\S+)/.exec(printed)?.[1] ?? "";
      expect(password.length).toBeGreaterThanOrEqual(12);
      expect(printed).toContain(`http://admin.localhost:${port}`);
      const { chromium } = await import("playwright-core");
      browser = await chromium.launch({
        executablePath: CHROMIUM,
        args: ["--no-sandbox", "--disable-background-networking"],
      });
    });

    afterAll(async () => {
      await browser?.close();
      await server?.stop();
      cleanupTemp();
    });

    /** Runs the CLI as the newcomer (same HOME, so the same database and peers). */
    const cli = (args: string[], cwd = home) => fazt(args, { home, cwd, binary });

    async function shoot(page: Page, name: string): Promise<void> {
      if (!SHOTS) return;
      mkdirSync(SHOTS, { recursive: true });
      await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
    }

    /** The same page at a phone's size (a fresh context: its own cookies, touch, 2× pixels). */
    async function shootPhone(
      url: string,
      name: string,
      setUp?: (ctx: BrowserContext) => Promise<void>,
      colorScheme: "light" | "dark" = "light",
    ) {
      if (!SHOTS) return;
      const phone = await browser.newContext({
        colorScheme,
        viewport: { width: 360, height: 740 },
        isMobile: true,
        hasTouch: true,
        deviceScaleFactor: 2,
      });
      try {
        await setUp?.(phone);
        const page = await phone.newPage();
        await page.goto(url);
        await shoot(page, name);
      } finally {
        await phone.close();
      }
    }

    /** Who the browser is signed in as on `host` (the browser asks: it alone resolves `*.localhost`). */
    async function signedInAs(context: BrowserContext, host: string): Promise<unknown> {
      const tab = await context.newPage();
      try {
        const res = await tab.goto(`http://${host}/auth/session`);
        return ((await res!.json()) as { data: { user: unknown } }).data.user;
      } finally {
        await tab.close();
      }
    }

    test("deploy with no config, sign in once, open another app's private page, sign out", async () => {
      // Two folders, deployed the way the README says: no config, no key, no URL.
      const work = tempDir("fazt-newcomer-sites-");
      mkdirSync(join(work, "hello"));
      writeFileSync(
        join(work, "hello", "index.html"),
        "<!doctype html><title>hello</title><h1>Hello, world</h1>",
      );
      mkdirSync(join(work, "blog", "private"), { recursive: true });
      writeFileSync(join(work, "blog", "index.html"), "<!doctype html><title>blog</title><h1>My blog</h1>");
      writeFileSync(
        join(work, "blog", "private", "x.html"),
        "<!doctype html><title>drafts</title><h1>Private drafts</h1>",
      );
      for (const app of ["hello", "blog"]) {
        const deployed = await cli(["app", "deploy", app], work);
        expect({ app, code: deployed.code, err: deployed.stderr }).toMatchObject({ app, code: 0 });
        expect(deployed.stdout).toContain(`http://${app}.localhost:${port}`);
      }

      const context = await browser.newContext();
      const page = await context.newPage();
      /** Every document the browser loaded, as host + path: shows which pages a person saw. */
      const documents: string[] = [];
      page.on("response", (res) => {
        if (res.request().resourceType() !== "document") return;
        const url = new URL(res.url());
        documents.push(`${res.status()} ${url.host}${url.pathname}`);
      });

      // The site.
      await page.goto(`http://hello.localhost:${port}/`);
      expect(await page.textContent("h1")).toBe("Hello, world");

      // Sign in once, on the admin host.
      await page.goto(`http://admin.localhost:${port}/auth/login`);
      await shoot(page, "sign-in-desktop");
      await shootPhone(`http://admin.localhost:${port}/auth/login`, "sign-in-phone");
      await shootPhone(`http://admin.localhost:${port}/auth/login`, "sign-in-phone-dark", undefined, "dark");
      await page.fill("#username", "admin");
      await page.fill("#password", password);
      await Promise.all([
        page.waitForURL(`http://admin.localhost:${port}/`),
        page.click("button[type=submit]"),
      ]);
      expect(((await signedInAs(context, `admin.localhost:${port}`)) as { username: string })?.username).toBe(
        "admin",
      );

      // Another app's private page: no second form.
      documents.length = 0;
      await page.goto(`http://blog.localhost:${port}/private/x.html`);
      expect(page.url()).toBe(`http://blog.localhost:${port}/private/x.html`);
      expect(await page.textContent("h1")).toBe("Private drafts");
      expect(documents).toEqual([
        `302 blog.localhost:${port}/private/x.html`,
        `302 blog.localhost:${port}/auth/login`,
        `302 admin.localhost:${port}/auth/login`,
        `302 blog.localhost:${port}/auth/handoff`,
        `200 blog.localhost:${port}/private/x.html`,
      ]);

      // Sign out from the app: the page, then its button.
      await page.goto(`http://blog.localhost:${port}/auth/logout`);
      expect(await page.textContent("h1")).toBe("Sign out");
      await shoot(page, "sign-out-desktop");
      const blogCookies = (await context.cookies(`http://blog.localhost:${port}`)).filter(
        (c) => c.name === "fazt_session",
      );
      await shootPhone(`http://blog.localhost:${port}/auth/logout`, "sign-out-phone", (phone) =>
        phone.addCookies(blogCookies.map((c) => ({ ...c }))),
      );
      await Promise.all([
        page.waitForURL(`http://blog.localhost:${port}/`),
        page.click("button[type=submit]"),
      ]);
      expect(await page.textContent("h1")).toBe("My blog");

      // Signed out everywhere that sign-in reached: the admin host too.
      expect(await signedInAs(context, `admin.localhost:${port}`)).toBeNull();
      await page.goto(`http://blog.localhost:${port}/private/x.html`);
      expect(new URL(page.url()).host).toBe(`admin.localhost:${port}`);
      expect(await page.isVisible("#password")).toBe(true);
      await shoot(page, "sign-in-continue-desktop");
      await page.goto(`http://blog.localhost:${port}/auth/logout`);
      await shoot(page, "signed-out-desktop");

      // Signed out, the app's private page asks for the form on the admin host, and that one
      // form brings the browser back signed in (the form's answer redirects to the app's host,
      // which the page's CSP form-action must allow: Chromium checks it on redirects too).
      await page.goto(`http://blog.localhost:${port}/private/x.html`);
      await page.fill("#username", "admin");
      await page.fill("#password", password);
      await Promise.all([
        page.waitForURL(`http://blog.localhost:${port}/private/x.html`),
        page.click("button[type=submit]"),
      ]);
      expect(await page.textContent("h1")).toBe("Private drafts");
      await context.close();
    });
  },
);
