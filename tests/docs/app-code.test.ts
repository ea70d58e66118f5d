import { afterAll, beforeAll, expect, test } from "bun:test";
import { join } from "node:path";
import variant from "@jitl/quickjs-wasmfile-release-sync";
import { newQuickJSWASMModuleFromVariant } from "quickjs-emscripten-core";
import { deployFiles } from "../helpers/deploy.ts";
import { startTestServer, type TestServer } from "../helpers/server.ts";

/**
 * docs/app-code.md names everything the sandbox gives app code. The names are
 * not copied from the prelude's source (its files move): a deployed app walks
 * what it really sees — `fazt` and its members, the globals the prelude adds
 * to a bare QuickJS context, `console.*`, `crypto.*`, the Request methods,
 * Response's statics and classic style's `request` — and the doc must mention
 * each one in backticks.
 */

const DOC = join(import.meta.dir, "../../docs/app-code.md");

/**
 * Walks `fazt`. A member that is the same object as one seen before
 * (`fazt.storage.kv` is `fazt.app.kv`), or has the same keys as one seen
 * before (`fazt.app.user.kv` and `fazt.app.kv`), is named but not walked
 * again: the doc says "the same as …" once. `fazt.env` is a proxy whose keys
 * are the app's env: its one method is read by name.
 */
const MODULE_PROBE = `
export default function () {
  const names = [];
  const seen = new Set();
  const shapes = new Set();
  const walk = (v, path) => {
    if (v === null || typeof v !== "object") { names.push(path); return; }
    const keys = Object.keys(v);
    const shape = keys.slice().sort().join(",");
    if (seen.has(v) || keys.length === 0 || shapes.has(shape)) { names.push(path); }
    else {
      seen.add(v);
      shapes.add(shape);
      for (const k of keys) walk(v[k], path + "." + k);
    }
    if (path === "fazt.env") names.push("fazt.env.get");
  };
  walk(fazt, "fazt");
  const methods = [];
  for (let p = Object.getPrototypeOf(new Request("http://x/")); p && p !== Object.prototype; p = Object.getPrototypeOf(p)) {
    for (const k of Object.getOwnPropertyNames(p)) if (k !== "constructor" && !k.startsWith("_") && !methods.includes(k)) methods.push(k);
  }
  return {
    fazt: names,
    globals: Object.getOwnPropertyNames(globalThis),
    console: Object.keys(console).map((k) => "console." + k),
    crypto: Object.keys(crypto).map((k) => "crypto." + k),
    response: Object.keys(Response).map((k) => "Response." + k),
    request: methods.map((k) => "req." + k),
  };
}
`;

const CLASSIC_PROBE = `respond({ request: Object.keys(request).map((k) => "request." + k) });`;

let s: TestServer;
let seen: Record<string, string[]>;
let classic: string[];
let bare: Set<string>;

beforeAll(async () => {
  s = await startTestServer();
  await deployFiles(s, "probe", { "index.html": "probe", "api/main.js": MODULE_PROBE });
  await deployFiles(s, "classic", { "index.html": "probe", "api/main.js": CLASSIC_PROBE });
  const get = async (app: string) => {
    const res = await s.request("/api", { host: `${app}.localhost` });
    const text = await res.text();
    if (res.status !== 200) throw new Error(`the probe app ${app} answered ${res.status}: ${text}`);
    return JSON.parse(text);
  };
  seen = await get("probe");
  classic = (await get("classic")).request;
  // What QuickJS itself defines: the prelude's additions are the rest.
  const qjs = await newQuickJSWASMModuleFromVariant(variant);
  const vm = qjs.newContext();
  const names = vm.unwrapResult(vm.evalCode("Object.getOwnPropertyNames(globalThis)"));
  bare = new Set(vm.dump(names) as string[]);
  names.dispose();
  vm.dispose();
});

afterAll(async () => {
  await s?.stop();
});

/** The prelude's own globals, less its internals (`__…`, which app code must not use). */
const added = () => seen.globals!.filter((g) => !bare.has(g) && !g.startsWith("__"));

async function undocumented(names: string[]): Promise<string[]> {
  const doc = await Bun.file(DOC).text();
  return names.filter((n) => !doc.includes(`\`${n}`));
}

test("the probe sees what app code sees (a sanity check of the walk)", () => {
  expect(seen.fazt).toContain("fazt.app.ds.find");
  expect(seen.fazt).toContain("fazt.auth.requireLogin");
  expect(seen.fazt).toContain("fazt.env.get");
  expect(added()).toContain("URL");
  expect(added()).toContain("fazt");
  expect(seen.request).toContain("req.json");
  expect(classic).toContain("request.path");
});

test("every fazt.* member is in docs/app-code.md", async () => {
  const missing = await undocumented(seen.fazt!);
  if (missing.length) throw new Error(`docs/app-code.md does not mention:\n  ${missing.join("\n  ")}`);
});

test("every global the prelude adds, and their members, are in docs/app-code.md", async () => {
  const names = [
    ...added(),
    ...seen.console!,
    ...seen.crypto!,
    ...seen.response!,
    ...seen.request!,
    ...classic,
  ];
  const missing = await undocumented(names);
  if (missing.length) throw new Error(`docs/app-code.md does not mention:\n  ${missing.join("\n  ")}`);
});
