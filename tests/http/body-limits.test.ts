/**
 * Bodies are counted while they stream in, on every route (docs/limits.md):
 * a long chunked body is cut with 413 once it passes its route's limit, and
 * the server's memory grows by about that limit, not by what was sent. The
 * server runs in a process of its own so /proc/PID/status is its memory alone.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { sha256Hex } from "../../src/core/crypto.ts";
import { ROOT } from "../helpers/cli.ts";
import { type ServerChild, startServerChild } from "../helpers/server-process.ts";
import { type RequestHead, type StreamedResponse, sendHead, streamChunked } from "../helpers/slow-body.ts";

const MiB = 1024 * 1024;
/** What each attacker sends; far over every limit below. */
const SENT = 50 * MiB;
/** Memory a request may cost besides its limit (Bun's socket buffers, the error, a log line). */
const SLACK = 16 * MiB;
const FILE_LIMIT = 2 * MiB;

let server: ServerChild;
let deployId: string;
/** A blob of exactly the file limit, in the open deploy's manifest. */
const blob = new Uint8Array(FILE_LIMIT).fill(7);
const blobSha = sha256Hex(blob);

beforeAll(async () => {
  // The deploy limit keeps its default (100 MiB), so Bun's own outer cap (deploy limit +
  // 1 MiB) is far above these bodies: only the server's counting can stop them early.
  // The sign-in limiter sees one address per request through a trusted proxy.
  server = await startServerChild({ maxFileBytes: FILE_LIMIT, trustedProxies: ["127.0.0.1"] });
  const manifest = { name: "blobs", files: [{ path: "a.bin", sha256: blobSha, size: FILE_LIMIT }] };
  const res = await fetch(`http://127.0.0.1:${server.port}/api/deploys`, {
    method: "POST",
    headers: { authorization: `Bearer ${server.adminToken}`, "content-type": "application/json" },
    body: JSON.stringify(manifest),
  });
  expect(res.status).toBe(201);
  deployId = ((await res.json()) as { data: { id: string } }).data.id;
});
afterAll(() => server?.stop());

/** The server's resident memory now, and the peak since the last `resetPeak()` (bytes). */
const memory = () => {
  const status = readFileSync(`/proc/${server.pid}/status`, "utf8");
  const kb = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? "NaN") * 1024;
  return { rss: kb("VmRSS"), peak: kb("VmHWM") };
};
/** Linux: writing 5 to clear_refs resets the peak (VmHWM) to the current RSS. */
const resetPeak = () => writeFileSync(`/proc/${server.pid}/clear_refs`, "5");

let address = 0;
const nextIp = () => `10.0.${Math.floor(++address / 250)}.${(address % 250) + 1}`;

interface Route {
  name: string;
  limit: number;
  head: () => RequestHead;
}
const bearer = () => ({ authorization: `Bearer ${server.adminToken}` });
const routes: Route[] = [
  {
    name: "POST /auth/login (no credentials)",
    limit: MiB,
    head: () => ({
      method: "POST",
      target: "/auth/login",
      headers: { "content-type": "application/json", "x-forwarded-for": nextIp() },
    }),
  },
  {
    name: "PUT /api/system/config (admin API)",
    limit: MiB,
    head: () => ({
      method: "PUT",
      target: "/api/system/config",
      headers: { ...bearer(), "content-type": "application/json" },
    }),
  },
  {
    name: "POST an app's /api (JSON)",
    limit: MiB,
    head: () => ({
      method: "POST",
      target: "/api/echo",
      host: "echo.localhost",
      headers: { "content-type": "application/json" },
    }),
  },
  {
    name: "POST an app's /api (multipart)",
    limit: 10 * MiB,
    head: () => ({
      method: "POST",
      target: "/api/echo",
      host: "echo.localhost",
      headers: { "content-type": "multipart/form-data; boundary=x" },
    }),
  },
  {
    name: "PUT a deploy blob",
    limit: FILE_LIMIT,
    head: () => ({
      method: "PUT",
      target: `/api/deploys/${deployId}/blobs/${blobSha}`,
      headers: { ...bearer(), "content-type": "application/octet-stream" },
    }),
  },
];

const expectCut = (res: StreamedResponse, limit: number) => {
  expect(res.status).toBe(413);
  expect(JSON.parse(res.body).error.code).toBe("PAYLOAD_TOO_LARGE");
  // Answered while the body was still coming, and the upload ended there.
  expect(res.sent).toBeLessThan(SENT);
  expect(res.sent).toBeGreaterThan(limit);
  expect(res.headers.get("connection")?.toLowerCase()).toBe("close");
  expect(res.closed).toBe(true);
};

describe("a chunked body past its limit is cut with 413 while it streams", () => {
  for (const route of routes) {
    test(`${route.name}: 413 at ${route.limit / MiB} MiB, memory grows by about the limit`, async () => {
      resetPeak();
      const before = memory().rss;
      const res = await streamChunked(server.port, route.head(), { total: SENT });
      expect(memory().peak - before).toBeLessThan(route.limit + SLACK);
      expectCut(res, route.limit);
    });
  }

  test("four 50 MiB bodies at once to /auth/login: each cut, memory bounded by 4 × the limit", async () => {
    resetPeak();
    const before = memory().rss;
    const results = await Promise.all(
      Array.from({ length: 4 }, () => streamChunked(server.port, routes[0]!.head(), { total: SENT })),
    );
    expect(memory().peak - before).toBeLessThan(4 * MiB + SLACK);
    for (const res of results) expectCut(res, MiB);
  });

  test("four at once to four different routes", async () => {
    resetPeak();
    const before = memory().rss;
    const picked = [routes[0]!, routes[1]!, routes[2]!, routes[4]!];
    const results = await Promise.all(
      picked.map((r) => streamChunked(server.port, r.head(), { total: SENT })),
    );
    const limits = picked.reduce((sum, r) => sum + r.limit, 0);
    expect(memory().peak - before).toBeLessThan(limits + SLACK);
    for (const [i, res] of results.entries()) expectCut(res, picked[i]!.limit);
  });

  test("a route that takes no body does not buffer one", async () => {
    resetPeak();
    const before = memory().rss;
    const res = await streamChunked(
      server.port,
      { method: "POST", target: `/api/deploys/${deployId}/finish`, headers: bearer() },
      { total: SENT },
    );
    // Answered (the blob is missing) without reading the body.
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    expect(res.sent).toBeLessThan(SENT);
    expect(memory().peak - before).toBeLessThan(SLACK);
  });
});

describe("a zip deploy past the deploy limit", () => {
  const DEPLOY_LIMIT = 4 * MiB;
  const setDeployLimit = async (bytes: number) => {
    const res = await fetch(`http://127.0.0.1:${server.port}/api/system/config`, {
      method: "PUT",
      headers: { ...bearer(), "content-type": "application/json" },
      body: JSON.stringify({ maxDeployBytes: bytes }),
    });
    expect(res.status).toBe(200);
  };

  test("a chunked multipart upload is cut at the deploy limit (+ 64 KiB of framing)", async () => {
    // Changed while running: Bun's outer cap, fixed at start, stays at 101 MiB.
    await setDeployLimit(DEPLOY_LIMIT);
    try {
      resetPeak();
      const before = memory().rss;
      const res = await streamChunked(
        server.port,
        {
          method: "POST",
          target: "/api/deploy",
          headers: { ...bearer(), "content-type": "multipart/form-data; boundary=x" },
        },
        { total: SENT },
      );
      expect(memory().peak - before).toBeLessThan(DEPLOY_LIMIT + SLACK);
      expectCut(res, DEPLOY_LIMIT);
    } finally {
      await setDeployLimit(100 * MiB);
    }
  });
});

describe("a declared Content-Length over the limit", () => {
  const heads: Array<[string, RequestHead, number]> = [
    [
      "/auth/login",
      { method: "POST", target: "/auth/login", headers: { "content-type": "application/json" } },
      MiB,
    ],
    [
      "an app's /api",
      {
        method: "POST",
        target: "/api/echo",
        host: "echo.localhost",
        headers: { "content-type": "application/json" },
      },
      MiB,
    ],
    [
      "a deploy blob",
      {
        method: "PUT",
        target: `/api/deploys/x/blobs/${"b".repeat(64)}`,
        headers: { authorization: "", "content-type": "application/octet-stream" },
      },
      FILE_LIMIT,
    ],
  ];
  for (const [name, head, limit] of heads) {
    test(`${name}: 413 before a byte of the body is sent, and the connection is closed`, async () => {
      if (head.headers?.authorization === "") head.headers.authorization = `Bearer ${server.adminToken}`;
      const headers = { ...head.headers, "x-forwarded-for": nextIp(), "content-length": String(limit + 1) };
      // No body at all: the answer cannot have waited for one.
      const res = await sendHead(server.port, { ...head, headers });
      expect(res.status).toBe(413);
      expect(JSON.parse(res.body).error.code).toBe("PAYLOAD_TOO_LARGE");
      expect(res.headers.get("connection")?.toLowerCase()).toBe("close");
      expect(res.closed).toBe(true);
    });
  }
});

describe("bodies within their limits still arrive whole", () => {
  test("a chunked JSON body just under 1 MiB reaches the app's handler", async () => {
    const json = JSON.stringify({ pad: "x".repeat(MiB - 100) });
    const res = await fetch(`http://127.0.0.1:${server.port}/api/echo`, {
      method: "POST",
      headers: { host: "echo.localhost", "content-type": "application/json" },
      // A stream: sent chunked, with no Content-Length.
      body: new Blob([json]).stream(),
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ bytes: json.length });
  });

  test("a 3 MiB multipart upload reaches the app's handler", async () => {
    const form = new FormData();
    form.append("note", "hi");
    form.append("file", new Blob([new Uint8Array(3 * MiB)]), "big.bin");
    const res = await fetch(`http://127.0.0.1:${server.port}/api/echo`, {
      method: "POST",
      headers: { host: "echo.localhost" },
      body: form,
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ note: "hi", size: 3 * MiB });
  });

  test("a chunked blob of exactly the file limit is stored", async () => {
    const res = await fetch(`http://127.0.0.1:${server.port}/api/deploys/${deployId}/blobs/${blobSha}`, {
      method: "PUT",
      headers: { ...bearer(), "content-type": "application/octet-stream" },
      body: new Blob([blob]).stream(),
    });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { data: { stored: boolean } }).data.stored).toBe(true);
  });
});

describe("one reader", () => {
  test("no server code reads a request body except through src/web/body.ts", () => {
    // The server's side of every request: the CLI and the sandbox's own Request class are not.
    const folders = [
      "src/http",
      "src/hosting",
      "src/web",
      "src/apps",
      "src/auth",
      "src/deploy",
      "src/ops",
      "src/runtime",
    ];
    const skip = new Set(["src/web/body.ts"]);
    const skipFolders = ["src/runtime/prelude/"];
    const reads =
      /\b(?:req|request|raw|c\.req)\.(?:json|text|arrayBuffer|formData|blob|bytes|parseBody)\(|(?<![.\w])(?:req|request)\.body\b|\braw\.body\b/;
    const offenders: string[] = [];
    for (const folder of folders) {
      for (const entry of readdirSync(join(ROOT, folder), { recursive: true, withFileTypes: true })) {
        if (!entry.isFile() || !/\.(ts|js)$/.test(entry.name)) continue;
        const file = join(entry.parentPath, entry.name).slice(ROOT.length + 1);
        if (skip.has(file) || skipFolders.some((f) => file.startsWith(f))) continue;
        readFileSync(join(ROOT, file), "utf8")
          .split("\n")
          .forEach((line, i) => {
            const comment = /^\s*(\/\/|\/?\*)/.test(line);
            if (!comment && reads.test(line)) offenders.push(`${file}:${i + 1}: ${line.trim()}`);
          });
      }
    }
    expect(offenders).toEqual([]);
  });
});
