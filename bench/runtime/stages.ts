#!/usr/bin/env bun
import { readEnv } from "../../src/apps/index.ts";
/**
 * Where one hello-JSON request's time goes, stage by stage, measured in
 * loops on the real code (`bun bench/runtime/stages.ts [N]`):
 *
 * - main thread: the Request read into the wire form (`toWire`) and the
 *   answer built into a `Response` (`appResponse`);
 * - the hop to a worker and back, as the pool sends it (`postMessage` of the
 *   invoke message and of the answer), with an echo worker;
 * - inside the worker: one `AppRuntime.handle` of the hello handler, then its
 *   parts — the env read, the dispatch input crossing in, building the
 *   sandbox `Request`, the handler, the wire form out, reading it back —
 *   each timed in its own loop (the parts inside QuickJS by loops evaluated
 *   there);
 * - the whole path without HTTP: `createRuntime().invoke` on a deployed app,
 *   one request at a time and 64 in flight.
 *
 * Figures are µs of CPU (the whole process, `process.cpuUsage`) per request,
 * the median of 5 batches: on a machine busy with other work, the clock
 * would mostly measure waiting. Server CPU under wrk is measured by
 * bench/runtime/ab.ts.
 */
import { silentLogger } from "../../src/core/log.ts";
import { loadEngine } from "../../src/runtime/engine.ts";
import { appResponse, toWire } from "../../src/runtime/http.ts";
import { createRuntime, type RequestEvent } from "../../src/runtime/index.ts";
import { AppRuntime } from "../../src/runtime/sandbox.ts";
import { doneMessage, encodeAnswer, readDoneMessage } from "../../src/runtime/wire.ts";
import { deployFiles } from "../../tests/helpers/deploy.ts";
import { startTestServer } from "../../tests/helpers/server.ts";

const N = Number(process.argv[2] ?? 5000);
const HELLO = `export default () => ({ hello: "world" })`;

/** CPU time of the whole process (every thread), in µs: unlike the clock, other work on the machine barely moves it. */
function cpuNow(): number {
  const u = process.cpuUsage();
  return u.user + u.system;
}

function timeIt(label: string, n: number, fn: () => unknown): number {
  const per: number[] = [];
  for (let b = 0; b < 5; b++) {
    const t0 = cpuNow();
    for (let i = 0; i < n; i++) fn();
    per.push((cpuNow() - t0) / n);
  }
  per.sort((a, b) => a - b);
  const us = per[2]!;
  console.log(`${label.padEnd(58)} ${us.toFixed(2).padStart(8)} µs`);
  return us;
}

async function timeAsync(label: string, n: number, fn: () => Promise<unknown>): Promise<number> {
  const per: number[] = [];
  for (let b = 0; b < 5; b++) {
    const t0 = cpuNow();
    for (let i = 0; i < n; i++) await fn();
    per.push((cpuNow() - t0) / n);
  }
  per.sort((a, b) => a - b);
  const us = per[2]!;
  console.log(`${label.padEnd(58)} ${us.toFixed(2).padStart(8)} µs`);
  return us;
}

const server = await startTestServer();
const store = server.store;
try {
  const wrkRequest = () =>
    new Request("http://app.localhost:8080/api/hello", { headers: { host: "app.localhost" } });
  const limits = { maxBodyBytes: 1 << 20, maxMultipartBytes: 10 << 20 };
  console.log("main thread");
  await timeAsync("  toWire (GET, wrk's headers)", N, () => toWire(wrkRequest(), limits));
  const wire = await toWire(wrkRequest(), limits);
  const answer = {
    status: 200,
    headers: { "content-type": "application/json; charset=utf-8" },
    text: '{"hello":"world"}',
  };
  const common = { "x-request-id": "abc", "x-content-type-options": "nosniff" };
  const req = wrkRequest();
  timeIt("  appResponse", N, () => appResponse(req, answer, common, () => {}));
  const done = doneMessage(1, false, encodeAnswer(answer));
  timeIt("  readDoneMessage (the answer frame read back)", N, () => readDoneMessage(done));

  console.log("thread hop (echo worker, postMessage both ways, one at a time; CPU of both threads)");
  const echo = new Worker(
    URL.createObjectURL(
      new Blob([
        "self.onmessage = (e) => self.postMessage(typeof e.data === 'string' ? e.data : { type: 'done', id: e.data.id, res: e.data.res });",
      ]),
    ),
  );
  const event: RequestEvent = { type: "request", req: wire, user: null, requestId: "abc", browser: false };
  const app = { id: "app_1", name: "app", versionId: "v1" };
  const tl = { timeoutMs: 5000, memoryBytes: 64 << 20, stackBytes: 256 << 10 };
  let pending: (() => void) | undefined;
  echo.onmessage = () => pending?.();
  let id = 0;
  const hop = (message: () => unknown) => () =>
    new Promise<void>((resolve) => {
      pending = resolve;
      echo.postMessage(message());
    });
  await timeAsync(
    "  the invocation and its answer as objects (before)",
    N,
    hop(() => ({ type: "invoke", id: id++, app, event, limits: tl, res: answer })),
  );
  await timeAsync(
    "  …as strings (now: JSON text out, an answer frame back)",
    N,
    hop(() => JSON.stringify({ type: "invoke", id: id++, app, event, limits: tl })),
  );
  echo.terminate();

  console.log("inside the worker (same thread here)");
  const qjs = await loadEngine();
  const files = new Map([["api/main.js", new TextEncoder().encode(HELLO)]]);
  const services = {
    files,
    env: () => readEnv(store, "app_1"),
    log: () => {},
    call: () => null,
  };
  const rt = new AppRuntime(qjs, app, services, tl);
  // The engine's WebAssembly is tiered up by the JIT while it runs: warm it before timing.
  for (let i = 0; i < 20_000; i++) await rt.handle(event, tl);
  await timeAsync("  AppRuntime.handle, whole", N, () => rt.handle(event, tl));
  timeIt("    env read (SQLite; now only when the app reads it)", N, () => readEnv(store, "app_1"));
  const input = () =>
    JSON.stringify({
      method: wire.method,
      url: wire.url,
      headers: JSON.stringify(wire.headers),
      body: wire.body,
      ctx: { app: { id: app.id, name: app.name }, user: null, requestId: "abc" },
    });
  timeIt("    dispatch input JSON.stringify", N, input);
  const vm = rt.vm;
  timeIt("    vm.newString + dispose", N, () => vm.newString(input()).dispose());
  const inVm = (label: string, body: string, setup = "") => {
    const code = `(() => { ${setup}; for (let i = 0; i < ${N}; i++) { ${body} } })()`;
    const t0 = cpuNow();
    vm.unwrapResult(vm.evalCode(code)).dispose();
    const us = (cpuNow() - t0) / N;
    console.log(`${`    in QuickJS: ${label}`.padEnd(58)} ${us.toFixed(2).padStart(8)} µs`);
  };
  const j = JSON.stringify(input());
  inVm("JSON.parse(dispatch input)", `JSON.parse(${j})`);
  inVm(
    "new Request(…) from it (headers made on first use)",
    "new Request(m.url, { method: m.method, _headersJson: m.headers, body: null })",
    `const m = JSON.parse(${j})`,
  );
  inVm("the handler + __toWire", "__toWire(__handler())");
  inVm("empty loop", "");
  const out = vm.newString(`T200\n{"content-type":"application/json; charset=utf-8"}\n{"hello":"world"}`);
  timeIt("    vm.getString(answer frame)", N, () => vm.getString(out));
  out.dispose();
  rt.dispose();

  console.log("whole path without HTTP: createRuntime().invoke");
  await deployFiles(server, "app", { "api/main.js": HELLO });
  const row = store.sqlite
    .query<{ id: string; v: string }, []>("SELECT id, current_version_id AS v FROM apps WHERE name = 'app'")
    .get()!;
  const ref = { id: row.id, name: "app", versionId: row.v };
  const runtime = createRuntime({
    dbPath: store.path,
    log: silentLogger,
    limits: () => tl,
  });
  for (let i = 0; i < 20_000; i++) await runtime.invoke(ref, event);
  await timeAsync("  one at a time", N, () => runtime.invoke(ref, event));
  const per: number[] = [];
  for (let b = 0; b < 5; b++) {
    const t0 = performance.now();
    let inflight = 0;
    let done = 0;
    await new Promise<void>((resolve) => {
      const next = () => {
        while (inflight < 64 && done + inflight < N) {
          inflight++;
          void runtime.invoke(ref, event).then(() => {
            inflight--;
            done++;
            if (done === N) resolve();
            else next();
          });
        }
      };
      next();
    });
    per.push(((performance.now() - t0) * 1000) / N);
  }
  per.sort((a, b) => a - b);
  console.log(
    `${"  64 in flight (throughput: µs per request)".padEnd(58)} ${per[2]!.toFixed(2).padStart(8)} µs`,
  );
  runtime.close();
} finally {
  await server.stop();
}
