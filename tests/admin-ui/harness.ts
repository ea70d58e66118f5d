import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { type Browser, type BrowserContext, chromium, type Page } from "playwright-core";
import { ensureBinary, fazt, type ServerProcess, startServerProcess } from "../helpers/cli.ts";
import { freePort, tempDir } from "../helpers/temp.ts";
import { requireTool } from "../helpers/tools.ts";

/**
 * The admin UI against the compiled binary in Debian's headless Chromium:
 * one instance per test file (a temporary HOME, an owner, a server), driven
 * through playwright-core (no browser download: the system's chromium).
 */

export const CHROMIUM = "/usr/bin/chromium";
export const haveChromium = requireTool(
  CHROMIUM,
  "the admin UI tests drive Debian's chromium through playwright-core (apt-get install chromium)",
);

export const OWNER = "admin";
export const PASSWORD = "correct-horse-battery";
export const DESKTOP = { width: 1280, height: 800 };
export const PHONE = { width: 360, height: 740 };

/** Where screenshots go (never the repository): $FAZT_SHOTS or /tmp/fazt-shots. */
export const SHOTS = process.env.FAZT_SHOTS ?? "/tmp/fazt-shots";

export interface Instance {
  binary: string;
  home: string;
  port: number;
  /**
   * `http://admin.localhost:PORT`: the admin host, as `server start` prints it. (Bare
   * `localhost` is an admin host too, but the sign-in handoff to app hosts starts here.)
   */
  admin: string;
  server: ServerProcess;
  /** The CLI against this instance, as its user would run it. */
  cli(args: string[], cwd?: string): Promise<{ code: number; stdout: string; stderr: string }>;
  /** `http://NAME.localhost:PORT`. */
  appUrl(name: string): string;
  /** A request to an app host from the test (not the browser). */
  fetchApp(name: string, path: string): Promise<Response>;
  stop(): Promise<void>;
}

export async function startInstance(): Promise<Instance> {
  const binary = ensureBinary("linux-x64");
  const home = tempDir("fazt-ui-");
  const port = freePort();
  const cli = (args: string[], cwd?: string) => fazt(args, { home, binary, ...(cwd ? { cwd } : {}) });
  const init = await cli([
    "server",
    "init",
    "--username",
    OWNER,
    "--password",
    PASSWORD,
    "--port",
    String(port),
  ]);
  if (init.code !== 0) throw new Error(`server init failed: ${init.stderr}`);
  const server = await startServerProcess([], { home, port, binary });
  return {
    binary,
    home,
    port,
    admin: `http://admin.localhost:${port}`,
    server,
    cli,
    appUrl: (name) => `http://${name}.localhost:${port}`,
    fetchApp: (name, path) =>
      fetch(`http://127.0.0.1:${port}${path}`, { headers: { host: `${name}.localhost` } }),
    async stop() {
      if (server.proc.exitCode === null) {
        server.proc.kill("SIGTERM");
        await server.proc.exited;
      }
    },
  };
}

/** Writes `{path: contents}` under a new folder and returns it. */
export function siteDir(files: Record<string, string>): string {
  const dir = tempDir("fazt-site-");
  for (const [path, body] of Object.entries(files)) {
    mkdirSync(join(dir, path, ".."), { recursive: true });
    writeFileSync(join(dir, path), body);
  }
  return dir;
}

export async function launch(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ["--no-sandbox", "--disable-background-networking"],
  });
}

export async function newContext(
  browser: Browser,
  viewport = DESKTOP,
  colorScheme: "light" | "dark" = "light",
): Promise<BrowserContext> {
  const ctx = await browser.newContext({ viewport, colorScheme, deviceScaleFactor: 1 });
  ctx.setDefaultTimeout(15_000);
  return ctx;
}

/** Signs in through the real sign-in page, landing on the dashboard. */
export async function signIn(page: Page, inst: Instance): Promise<void> {
  await page.goto(`${inst.admin}/`);
  await page.waitForURL(/\/auth\/login/);
  await page.fill("#username", OWNER);
  await page.fill("#password", PASSWORD);
  await Promise.all([page.waitForURL(`${inst.admin}/`), page.click("button[type=submit]")]);
  await page.locator("nav[aria-label=Main]").waitFor({ state: "attached" });
}

/** Fails when the page scrolls sideways (the phone-first rule). */
export async function assertNoSideScroll(page: Page, what: string): Promise<void> {
  const { scroll, inner } = await page.evaluate(() => ({
    scroll: document.documentElement.scrollWidth,
    inner: window.innerWidth,
  }));
  if (scroll > inner)
    throw new Error(`${what} scrolls sideways: scrollWidth ${scroll} > innerWidth ${inner}`);
}

export async function shot(page: Page, name: string): Promise<void> {
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
}

/** Errors the page logged (CSP violations show up here). */
export function collectConsoleErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on("console", (m) => {
    if (m.type() === "error") errors.push(m.text());
  });
  page.on("pageerror", (e) => errors.push(String(e)));
  return errors;
}
