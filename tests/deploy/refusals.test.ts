/**
 * SPEC §5 and §12: every refused deploy answers 400 or 413 (or the auth and
 * media-type statuses) with the error envelope naming the problem, and
 * changes nothing: the previous version keeps serving and the database is
 * exactly as it was.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { sha256Hex } from "../../src/core/crypto.ts";
import {
  apiJson,
  bearer,
  bytesOf,
  type DeployResult,
  dataOf,
  deployFiles,
  deployZip,
  manifestOf,
} from "../helpers/deploy.ts";
import { startTestServer, type TestServer } from "../helpers/server.ts";
import { cleanupTemp } from "../helpers/temp.ts";
import { makeZip, type ZipEntry, zipOf } from "../helpers/zip.ts";

const KiB = 1024;
const MiB = 1024 * KiB;
const LIMITS = { maxFileBytes: 1 * MiB, maxDeployBytes: 2 * MiB, maxFiles: 20 };

const V1 = { "index.html": "<h1>victim v1</h1>", "about.html": "<h1>victim about v1</h1>" };
const V2 = { "index.html": "<h1>victim v2, must never be seen</h1>" };

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer({ config: LIMITS });
  await deployFiles(s, "victim", V1, { message: "v1" });
});
afterAll(async () => {
  await s.stop();
  cleanupTemp();
});

interface Snapshot {
  apps: number;
  versions: number;
  versionFiles: number;
  blobs: number;
  aliases: number;
  deploys: number;
  current: string | null;
}

function snapshot(): Snapshot {
  const db = s.store.engine;
  const n = (table: string) => db.get<{ n: number }>(`SELECT count(*) AS n FROM ${table}`)!.n;
  const current =
    db.get<{ v: string | null }>("SELECT current_version_id AS v FROM apps WHERE name = ?", ["victim"])?.v ??
    null;
  return {
    apps: n("apps"),
    versions: n("versions"),
    versionFiles: n("version_files"),
    blobs: n("blobs"),
    aliases: n("aliases"),
    deploys: n("deploys"),
    current,
  };
}

const hasBlob = (sha: string) => s.store.engine.get("SELECT 1 FROM blobs WHERE sha256 = ?", [sha]) !== null;

async function expectVictimServesV1(): Promise<void> {
  for (const [path, body] of [
    ["/", V1["index.html"]],
    ["/about", V1["about.html"]],
  ] as const) {
    const res = await s.request(path, { host: "victim.localhost" });
    expect(res.status).toBe(200);
    expect(await res.text()).toBe(body);
  }
}

interface ErrorBody {
  code: string;
  message: string;
  details?: unknown;
}

const CODES: Record<number, string[]> = {
  400: ["BAD_REQUEST", "VALIDATION_FAILED"],
  401: ["UNAUTHORIZED"],
  403: ["FORBIDDEN"],
  404: ["NOT_FOUND"],
  409: ["CONFLICT"],
  413: ["PAYLOAD_TOO_LARGE"],
  415: ["UNSUPPORTED_MEDIA_TYPE"],
};

/** The status, and the envelope `{"error": {"code", "message", "details"?}}` with a message naming the problem. */
async function expectRefusal(res: Response, status: number, message: RegExp): Promise<ErrorBody> {
  const text = await res.text();
  expect(`${res.status} ${text}`).toStartWith(`${status} `);
  expect(res.headers.get("content-type")).toStartWith("application/json");
  const body = JSON.parse(text) as { error: ErrorBody };
  expect(Object.keys(body)).toEqual(["error"]);
  expect(CODES[status]).toContain(body.error.code);
  expect(body.error.message).toMatch(message);
  return body.error;
}

/** Runs `attempt`, expects the refusal, and that nothing at all changed. */
async function refused(
  attempt: () => Promise<Response>,
  status: number,
  message: RegExp,
): Promise<ErrorBody> {
  const before = snapshot();
  const error = await expectRefusal(await attempt(), status, message);
  expect(snapshot()).toEqual(before);
  await expectVictimServesV1();
  return error;
}

describe("zip upload refusals (POST /api/deploy)", () => {
  const withV2 = (...hostile: ZipEntry[]) =>
    makeZip([...Object.entries(V2).map(([name, data]) => ({ name, data })), ...hostile]);
  const zeros = (n: number) => new Uint8Array(n);
  /** Random bytes (incompressible), any amount. */
  const noise = (n: number) => {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i += 65536) crypto.getRandomValues(out.subarray(i, Math.min(n, i + 65536)));
    return out;
  };

  const cases: Array<[string, () => Uint8Array, 400 | 413, RegExp]> = [
    ["a `..` entry", () => withV2({ name: "../x", data: "evil" }), 400, /\.\./],
    ["a nested `..` entry", () => withV2({ name: "assets/../../x", data: "evil" }), 400, /\.\./],
    ["a `..` directory entry", () => withV2({ name: "../", data: "" }), 400, /\.\./],
    ["an absolute path", () => withV2({ name: "/abs", data: "evil" }), 400, /absolute/],
    ["a drive-letter path", () => withV2({ name: "C:/x.html", data: "evil" }), 400, /absolute/],
    ["a backslash", () => withV2({ name: "a\\b", data: "evil" }), 400, /backslash/],
    ["a NUL in a name", () => withV2({ name: "a\u0000b.html", data: "evil" }), 400, /control/],
    [
      "a symlink entry",
      () => withV2({ name: "link.html", data: "/etc/passwd", symlink: true }),
      400,
      /link\.html.*link|link/,
    ],
    [
      "a bad CRC",
      () => withV2({ name: "style.css", data: "body{}", crc: 0xdeadbeef }),
      400,
      /style\.css.*CRC|CRC/,
    ],
    [
      "a stored entry longer than it declares",
      () => withV2({ name: "liar.txt", data: "0123456789", method: "store", size: 5 }),
      400,
      /liar\.txt/,
    ],
    [
      "a stored entry shorter than it declares",
      () => withV2({ name: "liar.txt", data: "0123456789", method: "store", size: 50 }),
      400,
      /liar\.txt/,
    ],
    [
      "truncated entry data",
      () => withV2({ name: "cut.txt", data: "x".repeat(5000), method: "store", truncateTo: 100 }),
      400,
      /cut\.txt|zip/i,
    ],
    [
      "truncated deflate data",
      () =>
        withV2({
          name: "cut.js",
          data: crypto.getRandomValues(new Uint8Array(4000)),
          truncateTo: 1000,
        }),
      400,
      /cut\.js|zip/i,
    ],
    [
      "an archive cut in half",
      () => withV2({ name: "a.txt", data: "a".repeat(500) }).slice(0, 200),
      400,
      /zip/i,
    ],
    ["garbage bytes", () => bytesOf("this is not a zip file at all\n".repeat(10)), 400, /zip/i],
    ["an empty upload", () => new Uint8Array(0), 400, /zip|empty|short/i],
    [
      "an encrypted entry",
      () => withV2({ name: "secret.txt", data: "hush", encrypted: true }),
      400,
      /encrypt/,
    ],
    ["an archive with no files", () => makeZip([]), 400, /no files/],
    ["a name twice", () => withV2({ name: "index.html", data: "again" }), 400, /index\.html.*twice|twice/],
    [
      "a zip bomb (declares 1000 bytes, inflates to 3 MiB)",
      () => withV2({ name: "bomb.txt", data: zeros(3 * MiB), size: 1000 }),
      413,
      /bomb\.txt/,
    ],
    [
      "declared total over maxDeployBytes",
      () =>
        makeZip([
          { name: "index.html", data: "x" },
          { name: "a.bin", data: zeros(900 * KiB) },
          { name: "b.bin", data: zeros(900 * KiB) },
          { name: "c.bin", data: zeros(900 * KiB) },
        ]),
      413,
      /limit/,
    ],
    [
      "more files than maxFiles",
      () => zipOf(Object.fromEntries(Array.from({ length: 21 }, (_, i) => [`f${i}.txt`, `file ${i}`]))),
      413,
      /20/,
    ],
    ["a file over maxFileBytes", () => withV2({ name: "huge.bin", data: zeros(MiB + 1) }), 413, /huge\.bin/],
    [
      "an archive over maxDeployBytes",
      () => withV2({ name: "noise.bin", data: noise(2 * MiB + 200 * KiB), method: "store" }),
      413,
      /limit/,
    ],
    [
      "a bad _redirects line",
      () => zipOf({ ...V2, _redirects: "/ok   /fine\n/broken\n" }),
      400,
      /_redirects line 2/,
    ],
    [
      "a bad _redirects status",
      () => zipOf({ ...V2, _redirects: "# rules\n\n/a /b 299\n" }),
      400,
      /_redirects line 3/,
    ],
    [
      "a bad _headers line",
      () => zipOf({ ...V2, _headers: "/*\n  X-Ok: yes\n  not a header line\n" }),
      400,
      /_headers line 3/,
    ],
    [
      "a _headers line setting a reserved header",
      () => zipOf({ ...V2, _headers: "/*\n  Set-Cookie: a=b\n" }),
      400,
      /_headers line 2/,
    ],
  ];

  for (const [label, build, status, message] of cases) {
    test(`${label} → ${status}`, async () => {
      const zip = build();
      await refused(() => deployZip(s, "victim", zip), status, message);
    });
  }

  test("an invalid app name → 400 naming the name", async () => {
    for (const name of ["Bad_Name!", "-dash", "dash-", "a".repeat(64), "", "a.b", "../victim"]) {
      await refused(() => deployZip(s, name, zipOf(V2)), 400, /name/);
    }
  });

  test("a reserved name → 400", async () => {
    for (const name of ["admin", "api", "www", "auth"]) {
      await refused(() => deployZip(s, name, zipOf(V2)), 400, /reserved/);
    }
  });

  test("a missing name → 400 naming it", async () => {
    await refused(() => deployZip(s, null, zipOf(V2)), 400, /name/);
  });

  test("a bad spa field → 400 naming it", async () => {
    await refused(() => deployZip(s, "victim", zipOf(V2), { spa: "maybe" }), 400, /spa/);
  });

  test("a missing file field → 400 naming it", async () => {
    await refused(
      () => {
        const form = new FormData();
        form.append("name", "victim");
        form.append("archive", new Blob([zipOf(V2) as Uint8Array<ArrayBuffer>]), "site.zip");
        return s.request("/api/deploy", { method: "POST", headers: bearer(s.adminToken), body: form });
      },
      400,
      /file/,
    );
  });

  test("a non-multipart body → 415", async () => {
    await refused(
      () =>
        s.request("/api/deploy?name=victim", {
          method: "POST",
          headers: { ...bearer(s.adminToken), "content-type": "application/zip" },
          body: zipOf(V2) as Uint8Array<ArrayBuffer>,
        }),
      415,
      /multipart/,
    );
  });

  test("a name taken by a non-app alias → 409", async () => {
    await dataOf(await apiJson(s, "POST", "/api/aliases", { name: "taken", type: "reserved" }), 201);
    await refused(() => deployZip(s, "taken", zipOf(V2)), 409, /taken/);
  });

  test("after all that, a good zip still deploys", async () => {
    const res = await deployZip(s, "zipped", zipOf({ "index.html": "<h1>zipped</h1>", "a/b.css": "b{}" }));
    const data = await dataOf<DeployResult>(res, 201);
    expect(data).toMatchObject({ app: "zipped", seq: 1, files: 2 });
    const page = await s.request("/", { host: "zipped.localhost" });
    expect(await page.text()).toBe("<h1>zipped</h1>");
    expect(await (await s.request("/a/b.css", { host: "zipped.localhost" })).text()).toBe("b{}");
  });
});

const startDeploy = (body: unknown, token: string | null = s.adminToken) =>
  apiJson(s, "POST", "/api/deploys", body, token);
const putBlob = (id: string, sha: string, bytes: Uint8Array, token: string | null = s.adminToken) =>
  s.request(`/api/deploys/${id}/blobs/${sha}`, {
    method: "PUT",
    headers: { ...(token ? bearer(token) : {}), "content-type": "application/octet-stream" },
    body: bytes as Uint8Array<ArrayBuffer>,
  });
const finish = (id: string, token: string | null = s.adminToken) =>
  s.request(`/api/deploys/${id}/finish`, { method: "POST", headers: token ? bearer(token) : {} });

describe("manifest refusals (POST /api/deploys)", () => {
  const entry = (path: string, content = `content of ${path}`) => {
    const b = bytesOf(content);
    return { path, sha256: sha256Hex(b), size: b.byteLength };
  };
  const fake = (path: string, size: number) => ({ path, sha256: "a".repeat(64), size });
  const m = (files: unknown[], extra: Record<string, unknown> = {}) => ({ name: "victim", files, ...extra });

  const cases: Array<[string, unknown, 400 | 413, RegExp]> = [
    ["a `..` path", m([entry("index.html"), entry("../etc/passwd")]), 400, /\.\./],
    ["a nested `..` path", m([entry("a/../../b.html")]), 400, /\.\./],
    ["an absolute path", m([entry("/etc/passwd")]), 400, /absolute/],
    ["a backslash", m([entry("a\\b.html")]), 400, /backslash/],
    ["an empty segment", m([entry("a//b.html")]), 400, /empty/],
    ["a `.` segment", m([entry("./index.html")]), 400, /'\.'/],
    ["a NUL", m([entry("a\u0000b.html")]), 400, /control/],
    ["an empty path", m([entry("")]), 400, /empty/],
    ["an over-long path", m([entry(`${"a".repeat(1100)}.html`)]), 400, /longer/],
    ["a duplicate path", m([entry("index.html", "one"), entry("index.html", "two")]), 400, /twice/],
    ["a bad sha256", m([{ path: "index.html", sha256: "xyz", size: 1 }]), 400, /sha256/],
    ["a non-hex sha256", m([{ path: "index.html", sha256: "g".repeat(64), size: 1 }]), 400, /sha256/],
    ["a negative size", m([{ ...entry("index.html"), size: -1 }]), 400, /size/],
    ["a fractional size", m([{ ...entry("index.html"), size: 1.5 }]), 400, /size/],
    ["a size over maxFileBytes", m([fake("big.bin", MiB + 1)]), 413, /big\.bin/],
    [
      "a total over maxDeployBytes",
      m([fake("a.bin", 900 * KiB), fake("b.bin", 900 * KiB), fake("c.bin", 900 * KiB)]),
      413,
      /limit/,
    ],
    ["too many files", m(Array.from({ length: 21 }, (_, i) => entry(`f${i}.txt`))), 413, /21|20/],
    ["no files", m([]), 400, /files/],
    ["an unknown field", m([entry("index.html")], { extra: true }), 400, /extra/],
    ["an unknown file field", m([{ ...entry("index.html"), mode: 0o777 }]), 400, /mode/],
    ["an invalid name", { name: "Bad_Name!", files: [entry("index.html")] }, 400, /name/],
    ["the reserved name admin", { name: "admin", files: [entry("index.html")] }, 400, /reserved/],
    ["the reserved name api", { name: "api", files: [entry("index.html")] }, 400, /reserved/],
    ["a missing name", { files: [entry("index.html")] }, 400, /name/],
    ["a bad spa", m([entry("index.html")], { spa: "yes" }), 400, /spa/],
    ["a message over 500 characters", m([entry("index.html")], { message: "m".repeat(501) }), 400, /message/],
  ];
  for (const [label, body, status, message] of cases) {
    test(`${label} → ${status}`, async () => {
      await refused(() => startDeploy(body), status, message);
    });
  }

  test("malformed JSON → 400, a non-JSON body → 415", async () => {
    await refused(
      () =>
        s.request("/api/deploys", {
          method: "POST",
          headers: { ...bearer(s.adminToken), "content-type": "application/json" },
          body: '{"name": "victim", "files": [',
        }),
      400,
      /JSON/,
    );
    await refused(
      () =>
        s.request("/api/deploys", {
          method: "POST",
          headers: { ...bearer(s.adminToken), "content-type": "text/plain" },
          body: JSON.stringify(m([entry("index.html")])),
        }),
      415,
      /JSON/,
    );
  });
});

describe("blob upload refusals (PUT /api/deploys/ID/blobs/SHA256)", () => {
  const content = bytesOf("<h1>victim v2 via blobs</h1>");
  const sha = sha256Hex(content);
  let id: string;

  beforeAll(async () => {
    const started = await dataOf<{ id: string; missing: string[] }>(
      await startDeploy({
        name: "victim",
        files: [{ path: "index.html", sha256: sha, size: content.byteLength }],
      }),
      201,
    );
    id = started.id;
    expect(started.missing).toEqual([sha]);
  });

  test("bytes that do not hash to the sha256 → 400, nothing stored", async () => {
    const forged = bytesOf("<h1>victim v2 via BLOBS</h1>");
    expect(forged.byteLength).toBe(content.byteLength);
    await refused(() => putBlob(id, sha, forged), 400, /sha256|match/);
    expect(hasBlob(sha)).toBe(false);
    expect(hasBlob(sha256Hex(forged))).toBe(false);
  });

  test("bytes of the wrong length → 400", async () => {
    await refused(() => putBlob(id, sha, bytesOf("short")), 400, /bytes/);
    expect(hasBlob(sha)).toBe(false);
  });

  test("a sha256 that is not in the manifest → 400, nothing stored", async () => {
    const other = bytesOf("not part of this deploy");
    await refused(() => putBlob(id, sha256Hex(other), other), 400, /manifest/);
    expect(hasBlob(sha256Hex(other))).toBe(false);
  });

  test("a blob name that is not a sha256 → 400", async () => {
    await refused(() => putBlob(id, "not-a-sha", content), 400, /sha256/);
  });

  test("a body over maxFileBytes → 413", async () => {
    await refused(() => putBlob(id, sha, new Uint8Array(MiB + 1)), 413, /larger|limit/);
  });

  test("an unknown deploy id → 404", async () => {
    await refused(() => putBlob("dep_doesnotexist0000", sha, content), 404, /deploy/);
  });

  test("the session is unharmed: the right bytes are still accepted", async () => {
    const res = await putBlob(id, sha, content);
    expect(await dataOf(res, 200)).toEqual({ sha256: sha, stored: true });
    // never finished: the victim is untouched
    await expectVictimServesV1();
  });
});

describe("finish refusals (POST /api/deploys/ID/finish)", () => {
  test("missing blobs → 400 listing them in details.missing; nothing changes", async () => {
    const files = { "index.html": "<h1>victim v2 partial</h1>", "extra.css": "partial { }" };
    const manifest = manifestOf(files);
    const started = await dataOf<{ id: string; missing: string[] }>(
      await startDeploy({ name: "victim", files: manifest }),
      201,
    );
    expect(started.missing.sort()).toEqual(manifest.map((f) => f.sha256).sort());
    const [uploaded, left] = manifest as [(typeof manifest)[0], (typeof manifest)[0]];
    await dataOf(
      await putBlob(started.id, uploaded.sha256, bytesOf(files[uploaded.path as "index.html"])),
      200,
    );
    const error = await refused(() => finish(started.id), 400, /upload|missing/);
    expect(error.details).toEqual({ missing: [left.sha256] });
    // nothing uploaded: every one is missing
    const none = await dataOf<{ id: string }>(
      await startDeploy({ name: "victim", files: manifestOf({ "index.html": "<h1>nothing sent</h1>" }) }),
      201,
    );
    const all = await refused(() => finish(none.id), 400, /upload|missing/);
    expect(all.details).toEqual({ missing: [sha256Hex(bytesOf("<h1>nothing sent</h1>"))] });
  });

  test("after missing blobs the session stays open: upload them and finish", async () => {
    const files = { "index.html": "<h1>patient</h1>", "b.txt": "bee" };
    const manifest = manifestOf(files);
    const started = await dataOf<{ id: string; missing: string[] }>(
      await startDeploy({ name: "patient", files: manifest }),
      201,
    );
    await expectRefusal(await finish(started.id), 400, /upload|missing/);
    expect((await s.request("/", { host: "patient.localhost" })).status).toBe(404);
    for (const f of manifest) {
      await dataOf(await putBlob(started.id, f.sha256, bytesOf(files[f.path as keyof typeof files])), 200);
    }
    const done = await dataOf<DeployResult>(await finish(started.id), 201);
    expect(done).toMatchObject({ app: "patient", seq: 1, files: 2 });
    expect(await (await s.request("/", { host: "patient.localhost" })).text()).toBe("<h1>patient</h1>");
  });

  for (const [file, text, message] of [
    ["_redirects", "/fine /ok\n/only-one-field\n", /_redirects line 2/],
    ["_headers", "/*\n  X-Fine: yes\n  : nameless\n", /_headers line 3/],
  ] as const) {
    test(`a bad ${file} at finish → 400; its uploads are removed again and the id is consumed`, async () => {
      const before = snapshot();
      const files = { "index.html": "<h1>victim v2 with bad rules</h1>", [file]: text };
      const manifest = manifestOf(files);
      const started = await dataOf<{ id: string; missing: string[] }>(
        await startDeploy({ name: "victim", files: manifest }),
        201,
      );
      for (const f of manifest)
        await dataOf(await putBlob(started.id, f.sha256, bytesOf(files[f.path]!)), 200);
      for (const f of manifest) expect(hasBlob(f.sha256)).toBe(true);
      const error = await expectRefusal(await finish(started.id), 400, message);
      expect(error.message).toContain(file);
      for (const f of manifest) expect(hasBlob(f.sha256)).toBe(false);
      expect(snapshot()).toEqual(before);
      await expectVictimServesV1();
      await expectRefusal(await finish(started.id), 404, /deploy/);
      expect(snapshot()).toEqual(before);
    });
  }

  test("bad rules never remove contents another version uses", async () => {
    const before = snapshot();
    // index.html is the victim's own v1 content: not missing, so not uploaded, so never dropped
    const files = { ...V1, _redirects: "nonsense\n" };
    const manifest = manifestOf(files);
    const started = await dataOf<{ id: string; missing: string[] }>(
      await startDeploy({ name: "victim", files: manifest }),
      201,
    );
    expect(started.missing).toEqual([sha256Hex(bytesOf("nonsense\n"))]);
    await dataOf(await putBlob(started.id, started.missing[0]!, bytesOf("nonsense\n")), 200);
    await expectRefusal(await finish(started.id), 400, /_redirects line 1/);
    expect(snapshot()).toEqual(before);
    await expectVictimServesV1();
  });

  test("an unknown deploy id → 404", async () => {
    await refused(() => finish("dep_doesnotexist0000"), 404, /deploy/);
  });
});

describe("authentication", () => {
  let deployKey: string;
  beforeAll(async () => {
    const key = await dataOf<{ token: string; scope: string }>(
      await apiJson(s, "POST", "/api/keys", { name: "ci", scope: "deploy" }),
      201,
    );
    expect(key.scope).toBe("deploy");
    deployKey = key.token;
  });

  test("a deploy key may deploy, both ways", async () => {
    const result = await deployFiles(s, "keyed", { "index.html": "<h1>keyed</h1>" }, { token: deployKey });
    expect(result).toMatchObject({ app: "keyed", seq: 1 });
    const zipped = await dataOf<DeployResult>(
      await deployZip(s, "keyed", zipOf({ "index.html": "<h1>keyed 2</h1>" }), {}, deployKey),
      201,
    );
    expect(zipped.seq).toBe(2);
    expect(await (await s.request("/", { host: "keyed.localhost" })).text()).toBe("<h1>keyed 2</h1>");
  });

  test("a deploy key is refused everything else (403)", async () => {
    await refused(() => apiJson(s, "GET", "/api/apps", undefined, deployKey), 403, /admin/);
    await refused(() => apiJson(s, "GET", "/api/apps/victim", undefined, deployKey), 403, /admin/);
    await refused(() => apiJson(s, "DELETE", "/api/apps/victim", undefined, deployKey), 403, /admin/);
    await refused(() => apiJson(s, "POST", "/api/apps/victim/rollback", {}, deployKey), 403, /admin/);
    await refused(
      () => apiJson(s, "POST", "/api/aliases", { name: "victim", type: "reserved" }, deployKey),
      403,
      /admin/,
    );
    await refused(() => apiJson(s, "POST", "/api/keys", { name: "escalate" }, deployKey), 403, /admin/);
  });

  test("no key → 401 on every deploy route", async () => {
    const body = { name: "victim", files: manifestOf(V2) };
    const sha = manifestOf(V2)[0]!.sha256;
    await refused(() => startDeploy(body, null), 401, /authentication|key/i);
    await refused(() => putBlob("dep_doesnotexist0000", sha, bytesOf(V2["index.html"]), null), 401, /key/);
    await refused(() => finish("dep_doesnotexist0000", null), 401, /key/);
    await refused(() => deployZip(s, "victim", zipOf(V2), {}, null), 401, /key/);
  });

  test("a wrong key → 401", async () => {
    const forged = deployKey.replace(/.$/, (c) => (c === "a" ? "b" : "a"));
    await refused(() => startDeploy({ name: "victim", files: manifestOf(V2) }, forged), 401, /key/);
    await refused(() => deployZip(s, "victim", zipOf(V2), {}, forged), 401, /key/);
  });

  test("an open session needs a key to use as well", async () => {
    const started = await dataOf<{ id: string; missing: string[] }>(
      await startDeploy({ name: "victim", files: manifestOf(V2) }),
      201,
    );
    await refused(
      () => putBlob(started.id, started.missing[0]!, bytesOf(V2["index.html"]), null),
      401,
      /key/,
    );
    await refused(() => finish(started.id, null), 401, /key/);
  });
});

describe("concurrent deploys", () => {
  const page = (i: number) => `<h1>concurrent deploy ${i}</h1>`;

  test("10 zip deploys of one app at once all succeed, with seq 1..10 and the last one serving", async () => {
    const results = await Promise.all(
      Array.from({ length: 10 }, async (_, i) => {
        const zip = zipOf({ "index.html": page(i), [`only-${i}.txt`]: `file of deploy ${i}` });
        const data = await dataOf<DeployResult>(
          await deployZip(s, "race", zip, { message: `deploy ${i}` }),
          201,
        );
        return { i, data };
      }),
    );
    const seqs = results.map((r) => r.data.seq).sort((a, b) => a - b);
    expect(seqs).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(new Set(results.map((r) => r.data.version)).size).toBe(10);

    const versions = await dataOf<Array<{ id: string; seq: number; current: boolean; message: string }>>(
      await apiJson(s, "GET", "/api/apps/race/versions"),
      200,
    );
    expect(versions.map((v) => v.seq)).toEqual([10, 9, 8, 7, 6, 5, 4, 3, 2, 1]);
    const last = results.find((r) => r.data.seq === 10)!;
    expect(versions.filter((v) => v.current).map((v) => v.id)).toEqual([last.data.version]);
    for (const r of results) {
      expect(versions.find((v) => v.id === r.data.version)).toMatchObject({
        seq: r.data.seq,
        message: `deploy ${r.i}`,
      });
    }
    const served = await s.request("/", { host: "race.localhost" });
    expect(await served.text()).toBe(page(last.i));
    expect((await s.request(`/only-${last.i}.txt`, { host: "race.localhost" })).status).toBe(200);
    for (const r of results.filter((x) => x !== last)) {
      expect((await s.request(`/only-${r.i}.txt`, { host: "race.localhost" })).status).toBe(404);
    }
  });

  test("concurrent incremental deploys interleave safely too", async () => {
    const results = await Promise.all(
      Array.from({ length: 6 }, async (_, i) => ({
        i,
        data: await deployFiles(s, "race2", { "index.html": page(i), "shared.css": "shared{}" }),
      })),
    );
    expect(results.map((r) => r.data.seq).sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6]);
    const last = results.find((r) => r.data.seq === 6)!;
    expect(await (await s.request("/", { host: "race2.localhost" })).text()).toBe(page(last.i));
    expect(await (await s.request("/shared.css", { host: "race2.localhost" })).text()).toBe("shared{}");
  });
});
