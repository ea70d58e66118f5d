/**
 * `fazt app deploy DIR --preview` (SPEC §13) as a process against a running
 * server: the version is uploaded, not activated, and its preview address is
 * printed; an admin who signs in on that address (a host-only cookie on
 * localhost) sees it there.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { DeployResult } from "../helpers/deploy.ts";
import { cleanupTemp } from "../helpers/temp.ts";
import { data, type Instance, makeFolder, startInstance, stopInstances } from "./instance.ts";
import { PASSWORD } from "./support.ts";

let fz: Instance;
beforeAll(async () => {
  fz = await startInstance();
});
afterAll(async () => {
  await stopInstances();
  cleanupTemp();
});

describe("app deploy --preview", () => {
  test("uploads without activating and prints the preview address", async () => {
    expect((await fz.run(["app", "deploy", makeFolder({ "index.html": "live" }, "blog")])).code).toBe(0);

    const r = await fz.run(["app", "deploy", makeFolder({ "index.html": "next" }, "blog"), "--preview"]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const address = `http://v2--blog.localhost:${fz.port}`;
    expect(r.stdout).toContain("preview (not active)");
    expect(r.stdout).toMatch(new RegExp(`preview\\s+${address.replaceAll(".", "\\.")}`));
    expect(r.stdout).not.toContain(`http://blog.localhost:${fz.port}`);
    expect(await (await fz.get("/", "blog.localhost")).text()).toBe("live");

    const json = data<DeployResult>(
      await fz.run([
        "app",
        "deploy",
        makeFolder({ "index.html": "later" }, "blog"),
        "--preview",
        "--format",
        "json",
      ]),
    );
    expect(json).toMatchObject({
      app: "blog",
      seq: 3,
      preview: true,
      previewUrl: `http://v3--blog.localhost:${fz.port}`,
    });

    const versions = data<Array<{ number: number; current: boolean; previewUrl: string }>>(
      await fz.run(["app", "versions", "blog", "--format", "json"]),
    );
    expect(versions.map((v) => [v.number, v.current])).toEqual([
      [3, false],
      [2, false],
      [1, true],
    ]);
    expect(versions[1]!.previewUrl).toBe(address);
  });

  test("the address asks a browser to sign in there, and then shows the version", async () => {
    const host = "v2--blog.localhost";
    const before = await fetch(`http://127.0.0.1:${fz.port}/`, {
      headers: { host, accept: "text/html" },
      redirect: "manual",
    });
    expect(before.status).toBe(302);
    expect(before.headers.get("location")).toBe("/auth/login?redirect=%2F");

    const login = await fetch(`http://127.0.0.1:${fz.port}/auth/login`, {
      method: "POST",
      headers: { host, "content-type": "application/json" },
      body: JSON.stringify({ username: "admin", password: PASSWORD }),
      redirect: "manual",
    });
    expect(login.status).toBe(200);
    const cookie = /fazt_session=[a-z2-7]+/.exec(login.headers.get("set-cookie") ?? "")![0];
    const page = await fetch(`http://127.0.0.1:${fz.port}/`, {
      headers: { host, cookie },
      redirect: "manual",
    });
    expect(page.status).toBe(200);
    expect(await page.text()).toBe("next");
    expect(page.headers.get("x-robots-tag")).toBe("noindex");
  });
});
