/**
 * Signed out, the admin `/` goes to sign-in (SPEC §13): the first URL a
 * newcomer opens no longer shows "Could not reach the server."; a signed-in
 * owner gets the UI, a signed-in `user` a page that says they are not an admin.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createSession } from "../../src/auth/sessions.ts";
import { newId } from "../../src/core/ids.ts";
import { openDatabase } from "../../src/db/index.ts";
import { cleanupTemp } from "../helpers/temp.ts";
import { type Instance, startInstance, stopInstances } from "./instance.ts";
import { PASSWORD } from "./support.ts";

let fz: Instance;
beforeAll(async () => {
  fz = await startInstance();
});
afterAll(async () => {
  await stopInstances();
  cleanupTemp();
});

const page = (path: string, host: string, cookie = "") =>
  fetch(`http://127.0.0.1:${fz.port}${path}`, { headers: { host, cookie }, redirect: "manual" });

/** Signs in through the sign-in form, as a browser would, and returns the session cookie. */
async function signIn(username: string, password: string): Promise<string> {
  const res = await fetch(`http://127.0.0.1:${fz.port}/auth/login`, {
    method: "POST",
    headers: {
      host: "admin.localhost",
      origin: "http://admin.localhost",
      "content-type": "application/x-www-form-urlencoded",
    },
    body: new URLSearchParams({ username, password, redirect: "/" }),
    redirect: "manual",
  });
  expect(res.status).toBe(303);
  const cookie = /fazt_session=[^;]+/.exec(res.headers.get("set-cookie") ?? "")?.[0];
  expect(cookie).toBeDefined();
  return cookie!;
}

describe("the admin host's page", () => {
  test("signed out: / redirects to /auth/login?redirect=/ on every admin host", async () => {
    for (const host of ["localhost", "admin.localhost", "127.0.0.1"]) {
      const res = await page("/", host);
      expect(res.status).toBe(302);
      expect(res.headers.get("location")).toBe("/auth/login?redirect=/");
    }
    // A deep link comes back to where it was.
    const deep = await page("/apps/blog?tab=logs", "admin.localhost");
    expect(deep.headers.get("location")).toBe("/auth/login?redirect=/apps/blog%3Ftab%3Dlogs");
    // The sign-in page it points at is there.
    const login = await page("/auth/login?redirect=/", "admin.localhost");
    expect(login.status).toBe(200);
    expect(await login.text()).toContain("Sign in");
  });

  test("signed in as the owner: the UI", async () => {
    const cookie = await signIn("admin", PASSWORD);
    const res = await page("/", "admin.localhost", cookie);
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain("Fazt admin");
    // Its script is served, and with it the UI reaches the API with the same session.
    const script = /src="(\/assets\/[^"]+\.js)"/.exec(html)?.[1];
    expect(script).toBeDefined();
    expect((await page(script!, "admin.localhost")).status).toBe(200);
    expect((await page("/api/system/health", "admin.localhost", cookie)).status).toBe(200);
  });

  test("signed in as a `user`: a page that says they are not an admin, with a way to sign out", async () => {
    const store = await openDatabase(fz.db, { create: false });
    const id = newId("usr");
    store.sqlite
      .query(
        "INSERT INTO users (id, username, email, name, role, created_at, updated_at) VALUES (?, ?, ?, ?, 'user', ?, ?)",
      )
      .run(id, "bob", "bob@example.com", "Bob <b>", Date.now(), Date.now());
    const { token } = createSession(store, id);
    store.close();
    const res = await page("/", "admin.localhost", `fazt_session=${token}`);
    expect(res.status).toBe(403);
    expect(res.headers.get("content-type")).toStartWith("text/html");
    const html = await res.text();
    expect(html).toContain("Not an admin");
    expect(html).toContain("Bob &#60;b&#62;");
    expect(html).toContain('href="/auth/logout"');
    expect(html).not.toContain("Fazt admin");
  });
});
