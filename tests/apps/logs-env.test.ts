/**
 * SPEC §5 (`app logs`, `app env`), §8 (console.* → the app's log, fazt.env)
 * and §9 (`/api/apps/NAME/logs`, `/logs/stream`, `/env`), over real HTTP.
 * App code is not wired to the log yet, so lines are written with appendLog.
 */
import { Database } from "bun:sqlite";
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { listEnv, readEnv, setEnv, unsetEnv } from "../../src/apps/env.ts";
import {
  announceLogs,
  appendLog,
  type LogLine,
  logSubscriberCount,
  MAX_LOG_MESSAGE_BYTES,
  readLogs,
  subscribeLogs,
  trimLogs,
} from "../../src/apps/logs.ts";
import { createApiKey } from "../../src/auth/api-keys.ts";
import { apiJson, bearer, dataOf, deployFiles } from "../helpers/deploy.ts";
import { startTestServer, type TestServer } from "../helpers/server.ts";
import { cleanupTemp } from "../helpers/temp.ts";

setDefaultTimeout(20_000);

let s: TestServer;
let deployToken: string;

beforeAll(async () => {
  s = await startTestServer();
  deployToken = createApiKey(s.store, { name: "deployer", scope: "deploy" }).token;
});
afterAll(async () => {
  await s.stop();
  cleanupTemp();
});

/** Deploys a one-file app and returns its id. */
async function newApp(name: string): Promise<string> {
  await deployFiles(s, name, { "index.html": `<h1>${name}</h1>` });
  return s.store.sqlite.query<{ id: string }, [string]>("SELECT id FROM apps WHERE name = ?").get(name)!.id;
}

const errorOf = async (res: Response, status: number) => {
  const text = await res.text();
  expect(res.status, text).toBe(status);
  return (JSON.parse(text) as { error: { code: string; message: string } }).error;
};

/** An open SSE connection: events arrive in `events`; `until` waits for a condition. */
interface Stream {
  res: Response;
  events: Array<{ id: string | undefined; data: LogLine }>;
  comments: string[];
  ended: Promise<"ended" | "aborted">;
  until(pred: () => boolean, ms?: number): Promise<void>;
  abort(): void;
}

async function openStream(path: string, headers: Record<string, string> = {}): Promise<Stream> {
  const ac = new AbortController();
  const res = await s.request(path, { headers: { ...bearer(s.adminToken), ...headers }, signal: ac.signal });
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toStartWith("text/event-stream");
  const events: Stream["events"] = [];
  const comments: string[] = [];
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  const ended = (async (): Promise<"ended" | "aborted"> => {
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return "ended";
        buffer += decoder.decode(value, { stream: true });
        for (let end = buffer.indexOf("\n\n"); end >= 0; end = buffer.indexOf("\n\n")) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          let id: string | undefined;
          let data: string | undefined;
          for (const line of block.split("\n")) {
            if (line.startsWith(":")) comments.push(line);
            else if (line.startsWith("id: ")) id = line.slice(4);
            else if (line.startsWith("data: ")) data = line.slice(6);
          }
          if (data !== undefined) events.push({ id, data: JSON.parse(data) as LogLine });
        }
      }
    } catch {
      return "aborted";
    }
  })();
  return {
    res,
    events,
    comments,
    ended,
    async until(pred, ms = 5000) {
      const deadline = Date.now() + ms;
      while (!pred()) {
        if (Date.now() > deadline) throw new Error(`timed out; events so far: ${JSON.stringify(events)}`);
        await Bun.sleep(10);
      }
    },
    abort: () => ac.abort(),
  };
}

async function waitFor(pred: () => boolean, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > deadline) throw new Error("timed out");
    await Bun.sleep(10);
  }
}

/**
 * A stream only polling can feed, to tell a pushed line from a polled one
 * without a clock. Opened (with a pause) before the stream under test, its
 * polls come before that stream's: a line written for it by another
 * connection and never announced arrives at its next poll. So a line the
 * stream under test received while the control has nothing was pushed, not
 * polled. Call `feed()` just before the push, right after the stream under
 * test has answered (its own next poll is then furthest away).
 */
async function pollControl(name: string) {
  const id = await newApp(name);
  const stream = await openStream(`/api/apps/${name}/logs/stream`);
  // The next stream's polls fall this far behind this one's.
  await Bun.sleep(300);
  return {
    stream,
    feed() {
      const other = new Database(s.store.path);
      try {
        other
          .query(
            "INSERT INTO app_logs (app_id, level, message, request_id, created_at) VALUES (?, 'info', 'polled', NULL, ?)",
          )
          .run(id, Date.now());
      } finally {
        other.close();
      }
    },
    /** The control line arrives by polling (the control itself works); then closes it. */
    async close() {
      await stream.until(() => stream.events.length === 1);
      expect(stream.events[0]!.data.message).toBe("polled");
      stream.abort();
      await stream.ended;
    },
  };
}

describe("the log store", () => {
  test("readLogs: the last N oldest→newest; after an id, the first N after it", async () => {
    const id = await newApp("store-read");
    for (let i = 1; i <= 30; i++) appendLog(s.store, id, { level: "info", message: `line ${i}` });
    const last5 = readLogs(s.store, id, { limit: 5 });
    expect(last5.map((l) => l.message)).toEqual(["line 26", "line 27", "line 28", "line 29", "line 30"]);
    const all = readLogs(s.store, id, { limit: 1000 });
    expect(all).toHaveLength(30);
    const after = readLogs(s.store, id, { afterId: all[9]!.id, limit: 3 });
    expect(after.map((l) => l.message)).toEqual(["line 11", "line 12", "line 13"]);
    expect(readLogs(s.store, id, { limit: 100_000 })).toHaveLength(30);
  });

  test("a message over 8 KiB is cut on a character boundary", async () => {
    const id = await newApp("store-long");
    const line = appendLog(s.store, id, { level: "warn", message: "é".repeat(10_000) });
    expect(new TextEncoder().encode(line.message).byteLength).toBeLessThanOrEqual(MAX_LOG_MESSAGE_BYTES);
    expect(line.message.endsWith("…")).toBe(true);
    expect(line.message).not.toContain("\uFFFD");
    expect(readLogs(s.store, id)[0]!.message).toBe(line.message);
    // Short messages are kept as they are.
    expect(appendLog(s.store, id, { level: "info", message: "a\nb" }).message).toBe("a\nb");
  });

  test("subscribers hear this process's lines; unsubscribing stops them", async () => {
    const id = await newApp("store-sub");
    const heard: string[] = [];
    const stop = subscribeLogs(id, (l) => heard.push(l.message));
    appendLog(s.store, id, { level: "info", message: "one", requestId: "req_1" });
    stop();
    appendLog(s.store, id, { level: "info", message: "two" });
    expect(heard).toEqual(["one"]);
    expect(logSubscriberCount(id)).toBe(0);
  });

  test("trimLogs drops lines by age and keeps the newest N per app", async () => {
    const a = await newApp("trim-a");
    const b = await newApp("trim-b");
    const now = Date.now();
    const day = 24 * 60 * 60 * 1000;
    appendLog(s.store, a, { level: "info", message: "old" }, now - 8 * day);
    for (let i = 0; i < 5; i++) appendLog(s.store, a, { level: "info", message: `a${i}` }, now);
    for (let i = 0; i < 3; i++) appendLog(s.store, b, { level: "info", message: `b${i}` }, now);
    const removed = trimLogs(s.store, { maxRowsPerApp: 3, now });
    expect(removed).toBeGreaterThanOrEqual(3);
    expect(readLogs(s.store, a).map((l) => l.message)).toEqual(["a2", "a3", "a4"]);
    expect(readLogs(s.store, b).map((l) => l.message)).toEqual(["b0", "b1", "b2"]);
  });
});

describe("GET /api/apps/NAME/logs", () => {
  test("lists the last lines, with limit and after", async () => {
    const id = await newApp("logs-list");
    for (let i = 1; i <= 12; i++) {
      appendLog(s.store, id, { level: i % 2 ? "info" : "error", message: `m${i}`, requestId: `req_${i}` });
    }
    const dflt = await dataOf<LogLine[]>(await apiJson(s, "GET", "/api/apps/logs-list/logs"), 200);
    expect(dflt).toHaveLength(12);
    expect(dflt[0]).toMatchObject({ level: "info", message: "m1", requestId: "req_1" });
    expect(typeof dflt[0]!.id).toBe("number");
    expect(typeof dflt[0]!.createdAt).toBe("number");

    const last3 = await dataOf<LogLine[]>(await apiJson(s, "GET", "/api/apps/logs-list/logs?limit=3"), 200);
    expect(last3.map((l) => l.message)).toEqual(["m10", "m11", "m12"]);

    const after = await dataOf<LogLine[]>(
      await apiJson(s, "GET", `/api/apps/logs-list/logs?after=${dflt[4]!.id}&limit=2`),
      200,
    );
    expect(after.map((l) => l.message)).toEqual(["m6", "m7"]);
  });

  test("a bad limit is a 400 naming it; an unknown app is a 404", async () => {
    expect((await errorOf(await apiJson(s, "GET", "/api/apps/logs-list/logs?limit=0"), 400)).message).toMatch(
      /limit/,
    );
    expect(
      (await errorOf(await apiJson(s, "GET", "/api/apps/logs-list/logs?limit=5000"), 400)).message,
    ).toMatch(/limit/);
    expect((await errorOf(await apiJson(s, "GET", "/api/apps/logs-list/logs?after=x"), 400)).message).toMatch(
      /after/,
    );
    const e = await errorOf(await apiJson(s, "GET", "/api/apps/nope/logs"), 404);
    expect(e.code).toBe("NOT_FOUND");
    expect(e.message).toContain("nope");
    await errorOf(await apiJson(s, "GET", "/api/apps/nope/logs/stream"), 404);
  });

  test("needs an admin key: none is 401, a deploy key is 403", async () => {
    await newApp("logs-auth");
    for (const path of ["/api/apps/logs-auth/logs", "/api/apps/logs-auth/logs/stream"]) {
      expect((await errorOf(await apiJson(s, "GET", path, undefined, null), 401)).code).toBe("UNAUTHORIZED");
      expect((await errorOf(await apiJson(s, "GET", path, undefined, deployToken), 403)).code).toBe(
        "FORBIDDEN",
      );
    }
  });
});

describe("GET /api/apps/NAME/logs/stream", () => {
  test("sends the last N lines, then new ones at once; ends cleanly when the client goes", async () => {
    const id = await newApp("stream-live");
    for (let i = 1; i <= 5; i++) appendLog(s.store, id, { level: "info", message: `old ${i}` });
    const control = await pollControl("stream-live-control");
    const st = await openStream("/api/apps/stream-live/logs/stream?limit=3");
    await st.until(() => st.events.length === 3);
    expect(st.events.map((e) => e.data.message)).toEqual(["old 3", "old 4", "old 5"]);
    // The event id is the log id.
    expect(st.events.map((e) => Number(e.id))).toEqual(st.events.map((e) => e.data.id));
    expect(logSubscriberCount(id)).toBe(1);

    control.feed();
    appendLog(s.store, id, { level: "error", message: "new one", requestId: "req_x" });
    await st.until(() => st.events.length === 4);
    // In-process lines do not wait for the poll: they arrive before the control's polled line.
    expect(control.stream.events).toHaveLength(0);
    expect(st.events[3]!.data).toMatchObject({ level: "error", message: "new one", requestId: "req_x" });
    await control.close();

    // A burst arrives whole and in order.
    for (let i = 0; i < 50; i++) appendLog(s.store, id, { level: "debug", message: `burst ${i}` });
    await st.until(() => st.events.length === 54);
    expect(st.events.slice(4).map((e) => e.data.message)).toEqual(
      Array.from({ length: 50 }, (_, i) => `burst ${i}`),
    );

    st.abort();
    expect(await st.ended).toBe("aborted");
    // The server lets go of the subscription and its timers.
    await waitFor(() => logSubscriberCount(id) === 0);
  });

  test("lines written by another connection arrive by polling", async () => {
    const id = await newApp("stream-poll");
    const control = await pollControl("stream-poll-control");
    const st = await openStream("/api/apps/stream-poll/logs/stream");
    await Bun.sleep(50);
    expect(st.events).toHaveLength(0);
    const other = new Database(s.store.path);
    try {
      other
        .query(
          "INSERT INTO app_logs (app_id, level, message, request_id, created_at) VALUES (?, 'warn', 'from elsewhere', NULL, ?)",
        )
        .run(id, Date.now());
    } finally {
      other.close();
    }
    await st.until(() => st.events.length === 1);
    expect(st.events[0]!.data).toMatchObject({ level: "warn", message: "from elsewhere", requestId: null });

    // A writer elsewhere that announces its lines (a worker thread) does not wait for the poll.
    // Just after this stream's poll delivered: its next one comes after the control's.
    control.feed();
    const direct = new Database(s.store.path);
    try {
      direct
        .query(
          "INSERT INTO app_logs (app_id, level, message, request_id, created_at) VALUES (?, 'info', 'announced', NULL, ?)",
        )
        .run(id, Date.now());
    } finally {
      direct.close();
    }
    announceLogs(id);
    await st.until(() => st.events.length === 2);
    expect(control.stream.events).toHaveLength(0);
    expect(st.events[1]!.data.message).toBe("announced");
    await control.close();
    st.abort();
    await st.ended;
    await waitFor(() => logSubscriberCount(id) === 0);
  });

  test("after= (or Last-Event-ID) resumes after an id without repeating lines", async () => {
    const id = await newApp("stream-resume");
    const lines = [1, 2, 3, 4].map((i) => appendLog(s.store, id, { level: "info", message: `r${i}` }));
    const byQuery = await openStream(`/api/apps/stream-resume/logs/stream?after=${lines[1]!.id}`);
    await byQuery.until(() => byQuery.events.length === 2);
    expect(byQuery.events.map((e) => e.data.message)).toEqual(["r3", "r4"]);
    byQuery.abort();
    const byHeader = await openStream("/api/apps/stream-resume/logs/stream", {
      "last-event-id": String(lines[2]!.id),
    });
    await byHeader.until(() => byHeader.events.length === 1);
    expect(byHeader.events[0]!.data.message).toBe("r4");
    byHeader.abort();
    await Promise.all([byQuery.ended, byHeader.ended]);
    await waitFor(() => logSubscriberCount(id) === 0);
  });

  test("streams of one app never see another app's lines", async () => {
    const a = await newApp("stream-iso-a");
    const b = await newApp("stream-iso-b");
    const st = await openStream("/api/apps/stream-iso-a/logs/stream");
    appendLog(s.store, b, { level: "info", message: "for b" });
    appendLog(s.store, a, { level: "info", message: "for a" });
    await st.until(() => st.events.length === 1);
    await Bun.sleep(1200); // one poll later, still only a's line
    expect(st.events.map((e) => e.data.message)).toEqual(["for a"]);
    st.abort();
    await st.ended;
  });
});

describe("env", () => {
  type Entry = { key: string; preview: string; length: number | null; updatedAt: number };
  const put = (name: string, body: unknown, token?: string | null) =>
    apiJson(s, "PUT", `/api/apps/${name}/env`, body, token === undefined ? s.adminToken : token);

  test("set, list with previews only, unset", async () => {
    const id = await newApp("env-basic");
    const secret = "sk_live_0123456789abcdef";
    const list = await dataOf<Entry[]>(
      await put("env-basic", { set: { API_KEY: secret, MODE: "prod", _x: "" } }),
      200,
    );
    expect(list.map((e) => e.key)).toEqual(["API_KEY", "MODE", "_x"]);
    expect(list[0]).toMatchObject({ key: "API_KEY", preview: "sk…", length: secret.length });
    expect(list[1]).toMatchObject({ key: "MODE", preview: "•••", length: null });
    expect(list[2]).toMatchObject({ key: "_x", preview: "•••", length: null });
    expect(typeof list[0]!.updatedAt).toBe("number");

    const res = await apiJson(s, "GET", "/api/apps/env-basic/env");
    const text = await res.text();
    expect(res.status).toBe(200);
    // Values are never listed back in full.
    expect(text).not.toContain(secret);
    expect(text).not.toContain("prod");
    expect((JSON.parse(text) as { data: Entry[] }).data).toEqual(list);

    // The sandbox reads the real values.
    expect(readEnv(s.store, id)).toEqual({ API_KEY: secret, MODE: "prod", _x: "" });

    // Replace one, remove one, in one request.
    const after = await dataOf<Entry[]>(
      await put("env-basic", { set: { MODE: "staging-1" }, unset: ["API_KEY", "NOT_THERE"] }),
      200,
    );
    expect(after.map((e) => [e.key, e.preview])).toEqual([
      ["MODE", "st…"],
      ["_x", "•••"],
    ]);
    expect(readEnv(s.store, id)).toEqual({ MODE: "staging-1", _x: "" });
    // An empty body changes nothing and answers the list.
    expect(await dataOf<Entry[]>(await put("env-basic", {}), 200)).toHaveLength(2);
  });

  test("invalid keys are refused with a 400 naming the key; nothing changes", async () => {
    const id = await newApp("env-bad");
    setEnv(s.store, id, { KEEP: "1" });
    for (const key of ["1ABC", "has-dash", "sp ace", "", "x".repeat(129), "é"]) {
      const e = await errorOf(await put("env-bad", { set: { OK_ONE: "v", [key]: "v" } }), 400);
      expect(e.code).toBe("VALIDATION_FAILED");
      expect(e.message).toContain(`"${key}"`);
      const u = await errorOf(await put("env-bad", { unset: [key] }), 400);
      expect(u.message).toContain(`"${key}"`);
    }
    for (const key of ["__proto__", "constructor", "prototype"]) {
      const raw = `{"set":{"${key}":"v"}}`;
      const res = await s.request("/api/apps/env-bad/env", {
        method: "PUT",
        headers: { ...bearer(s.adminToken), "content-type": "application/json" },
        body: raw,
      });
      const e = await errorOf(res, 400);
      expect(e.message).toContain(`"${key}"`);
    }
    expect(readEnv(s.store, id)).toEqual({ KEEP: "1" });
  });

  test("other refusals: wrong types, unknown fields, big values, too many keys, set+unset", async () => {
    const id = await newApp("env-limits");
    await errorOf(await put("env-limits", { set: { A: 1 } }), 400);
    await errorOf(await put("env-limits", { set: ["A"] }), 400);
    await errorOf(await put("env-limits", { unset: "A" }), 400);
    await errorOf(await put("env-limits", { vars: { A: "1" } }), 400);
    const big = await errorOf(await put("env-limits", { set: { BIG: "x".repeat(32 * 1024 + 1) } }), 400);
    expect(big.message).toContain("BIG");
    await dataOf(await put("env-limits", { set: { BIG: "x".repeat(32 * 1024) } }), 200);
    const both = await errorOf(await put("env-limits", { set: { A: "1" }, unset: ["A"] }), 400);
    expect(both.message).toContain('"A"');

    const many = Object.fromEntries(Array.from({ length: 199 }, (_, i) => [`K${i}`, "v"]));
    await dataOf(await put("env-limits", { set: many }), 200); // 200 with BIG
    const over = await errorOf(await put("env-limits", { set: { ONE_MORE: "v" } }), 400);
    expect(over.message).toContain("200");
    expect(Object.keys(readEnv(s.store, id))).toHaveLength(200);
    // Swapping one key for another in one request stays within the limit.
    await dataOf(await put("env-limits", { set: { ONE_MORE: "v" }, unset: ["K0"] }), 200);
    const body = await errorOf(
      await s.request("/api/apps/env-limits/env", {
        method: "PUT",
        headers: { ...bearer(s.adminToken), "content-type": "text/plain" },
        body: "A=1",
      }),
      415,
    );
    expect(body.code).toBe("UNSUPPORTED_MEDIA_TYPE");
  });

  test("unknown app 404; an admin key is needed (401/403)", async () => {
    await newApp("env-auth");
    expect((await errorOf(await apiJson(s, "GET", "/api/apps/nope/env"), 404)).code).toBe("NOT_FOUND");
    expect((await errorOf(await put("nope", { set: { A: "1" } }), 404)).code).toBe("NOT_FOUND");
    await errorOf(await apiJson(s, "GET", "/api/apps/env-auth/env", undefined, null), 401);
    await errorOf(await apiJson(s, "GET", "/api/apps/env-auth/env", undefined, deployToken), 403);
    await errorOf(await put("env-auth", { set: { A: "1" } }, null), 401);
    await errorOf(await put("env-auth", { set: { A: "1" } }, deployToken), 403);
  });

  test("the functions: setEnv/unsetEnv/listEnv, and removing the app removes its env and logs", async () => {
    const id = await newApp("env-fns");
    setEnv(s.store, id, { B: "bbbbbbbbbb", A: "a" });
    unsetEnv(s.store, id, ["A"]);
    expect(listEnv(s.store, id)).toEqual([
      { key: "B", preview: "bb…", length: 10, updatedAt: expect.any(Number) },
    ]);
    expect(() => setEnv(s.store, id, { "bad key": "x" })).toThrow(/"bad key"/);
    appendLog(s.store, id, { level: "info", message: "bye" });
    await dataOf(await apiJson(s, "DELETE", "/api/apps/env-fns"), 200);
    expect(readEnv(s.store, id)).toEqual({});
    expect(readLogs(s.store, id)).toEqual([]);
  });
});
