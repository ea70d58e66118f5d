import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { FaztError } from "../../src/core/errors.ts";
import { silentLogger } from "../../src/core/log.ts";
import {
  type AppRef,
  createRuntime,
  type Runtime,
  type RuntimeEvent,
  type WireResponse,
} from "../../src/runtime/index.ts";
import { deployFiles } from "../helpers/deploy.ts";
import { startTestServer, type TestServer } from "../helpers/server.ts";

/**
 * The runtime's one entry, `createRuntime(…).invoke(app, event)`, on its own:
 * a real database with deployed apps and real workers, no HTTP in between.
 * A small pool (one base worker, one spare) makes the scheduling visible.
 */

setDefaultTimeout(60_000);

const APP = `export default async (req) => {
  const path = new URL(req.url).pathname;
  if (path === "/api/spin") while (true) {}
  if (path === "/api/fail") throw new Error("secret detail");
  return { path, method: req.method };
};`;

let s: TestServer;
let rt: Runtime;
const apps: Record<string, AppRef> = {};

function appRef(name: string): AppRef {
  const row = s.store.engine.get<{ id: string; versionId: string }>(
    'SELECT id, current_version_id AS "versionId" FROM apps WHERE name = ?',
    [name],
  );
  if (!row) throw new Error(`no app ${name}`);
  return { id: row.id, name, versionId: row.versionId };
}

function request(path: string, requestId = `req-${path}`): RuntimeEvent {
  return {
    type: "request",
    req: {
      method: "GET",
      url: `http://x.localhost${path}`,
      path,
      query: {},
      headers: {},
      body: "",
      parsed: null,
      files: [],
    },
    user: null,
    requestId,
    browser: false,
  };
}

const bodyOf = (res: WireResponse) =>
  JSON.parse(res.text ?? Buffer.from(res.body ?? "", "base64").toString()) as Record<string, unknown>;

beforeAll(async () => {
  s = await startTestServer();
  for (const name of ["alpha", "beta"]) {
    await deployFiles(s, name, { "index.html": name, "api/main.js": APP });
    apps[name] = appRef(name);
  }
  rt = createRuntime({
    dbPath: s.store.path,
    log: silentLogger,
    // A's spins must outlast the spare's start, which B waits for: on PostgreSQL a new worker
    // opens an engine of its own (src/runtime/database.ts), slow on a loaded machine.
    limits: () => ({ timeoutMs: 5000, memoryBytes: 64 * 1024 * 1024, stackBytes: 256 * 1024 }),
    size: { base: 1, max: 2, perApp: 1, spareIdleMs: 100 },
  });
});
afterAll(async () => {
  rt.close();
  await s.stop();
});

describe("invoke(app, event)", () => {
  test("a request event runs the app's handler and answers its wire response", async () => {
    const res = (await rt.invoke(apps.alpha!, request("/api/hello"))) as WireResponse;
    expect(res.status).toBe(200);
    expect(bodyOf(res)).toEqual({ path: "/api/hello", method: "GET" });
  });

  test("the app's failures are answers built as one error wire, with the request id", async () => {
    const res = (await rt.invoke(apps.alpha!, request("/api/fail", "req-fail"))) as WireResponse;
    expect(res.status).toBe(500);
    expect(res.headers["content-type"]).toContain("application/json");
    expect(bodyOf(res)).toEqual({
      error: {
        code: "HANDLER_ERROR",
        message: "the app's code failed (the details are in the app's log, under this request id)",
        requestId: "req-fail",
      },
    });
  });

  test("an unknown event type, or one not implemented yet, is a clear FaztError", async () => {
    const unknown = rt.invoke(apps.alpha!, { type: "telepathy" } as unknown as RuntimeEvent);
    expect(await unknown.catch((e) => e)).toBeInstanceOf(FaztError);
    await expect(unknown).rejects.toThrow(
      'the app runtime cannot run events of the unknown type "telepathy"',
    );
    const cron = rt.invoke(apps.alpha!, {
      type: "cron",
      name: "nightly",
      scheduledAt: Date.now(),
      path: "/api/cron",
      requestId: "r",
    });
    await expect(cron).rejects.toThrow('the app runtime cannot run "cron" events yet');
    await expect(rt.invoke(apps.alpha!, null as unknown as RuntimeEvent)).rejects.toThrow(
      "the app runtime cannot run an event without a type",
    );
  });
});

describe("scheduling: one base worker, one spare", () => {
  test("app B is answered while app A keeps every worker it may use spinning; A's other requests wait in line", async () => {
    const finished: string[] = [];
    const spins = [1, 2, 3].map((n) =>
      rt.invoke(apps.alpha!, request("/api/spin", `spin-${n}`)).then((res) => {
        finished.push(`A${n}`);
        return res as WireResponse;
      }),
    );
    // A may use one worker: its three requests are all sent there (one runs, two wait in line
    // behind it); the spare started meanwhile is for other apps.
    expect(rt.stats()).toMatchObject({ workers: 2, spares: 1, busy: 3, waiting: 0 });
    const b1 = await rt.invoke(apps.beta!, request("/api/b"));
    finished.push("B1");
    const b2 = await rt.invoke(apps.beta!, request("/api/b"));
    finished.push("B2");
    expect((b1 as WireResponse).status).toBe(200);
    expect((b2 as WireResponse).status).toBe(200);
    const results = await Promise.all(spins);
    expect(finished).toEqual(["B1", "B2", "A1", "A2", "A3"]);
    for (const res of results) {
      expect(res.status).toBe(504);
      expect((bodyOf(res).error as { code: string }).code).toBe("TIMEOUT");
    }
    // The pool recovers: A answers again, nothing runs or waits.
    expect(((await rt.invoke(apps.alpha!, request("/api/ok"))) as WireResponse).status).toBe(200);
    expect(rt.stats()).toMatchObject({ busy: 0, waiting: 0 });
  });

  test("an idle spare worker is ended", async () => {
    // Keep the base worker busy so that B needs the spare.
    const spin = rt.invoke(apps.alpha!, request("/api/spin"));
    await rt.invoke(apps.beta!, request("/api/b"));
    expect(rt.stats().spares).toBe(1);
    await spin;
    for (let i = 0; i < 100 && rt.stats().spares > 0; i++) await Bun.sleep(50);
    expect(rt.stats().spares).toBe(0);
  });

  test("a waiting request is dropped when its client goes away; past 512 waiting, 503 at once", async () => {
    // No spare: while A spins on the only worker, B's requests wait.
    const small = createRuntime({
      dbPath: s.store.path,
      log: silentLogger,
      limits: () => ({ timeoutMs: 5000, memoryBytes: 64 * 1024 * 1024, stackBytes: 256 * 1024 }),
      size: { base: 1, max: 1, perApp: 1 },
    });
    try {
      const spin = small.invoke(apps.alpha!, request("/api/spin")).catch((e) => e);
      const client = new AbortController();
      const left = small.invoke(apps.beta!, request("/api/b"), { signal: client.signal });
      expect(small.stats()).toMatchObject({ busy: 1, waiting: 1 });
      client.abort();
      await expect(left).rejects.toThrow("the client went away before the app's code ran");
      expect(small.stats().waiting).toBe(0);

      const queued = Array.from({ length: 512 }, () =>
        small.invoke(apps.beta!, request("/api/b")).catch((e) => e),
      );
      const over = small.invoke(apps.beta!, request("/api/b"));
      const refused = (await over.catch((e) => e)) as FaztError;
      expect(refused).toBeInstanceOf(FaztError);
      expect(refused.status).toBe(503);
      expect(refused.headers["retry-after"]).toBe("1");
      expect(small.stats().waiting).toBe(512);
      small.close();
      await Promise.all([spin, ...queued]);
    } finally {
      small.close();
    }
  });

  test("close() ends the workers; what was running or waiting, and what comes after, is refused", async () => {
    const other = createRuntime({
      dbPath: s.store.path,
      log: silentLogger,
      limits: () => ({ timeoutMs: 5000, memoryBytes: 64 * 1024 * 1024, stackBytes: 256 * 1024 }),
      size: { base: 1, max: 1, perApp: 1 },
    });
    const running = other.invoke(apps.alpha!, request("/api/spin"));
    const waiting = other.invoke(apps.alpha!, request("/api/spin"));
    other.close();
    for (const p of [running, waiting, other.invoke(apps.alpha!, request("/api/ok"))]) {
      await expect(p).rejects.toThrow("the server is stopping");
    }
  });
});
