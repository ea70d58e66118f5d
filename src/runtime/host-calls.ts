/**
 * What app code may ask of the host through the prelude's one function
 * `__host(op, json)`: storage, logs, env, its own files, a few primitives.
 * Everything crosses as JSON; nothing of the host is handed to the VM.
 */
import { FaztError, VERSION } from "../core/index.ts";
import type { WireUser } from "./wire.ts";

/** What app code may reach on the host, for one app: storage, logs, env, its files. */
export interface HostServices {
  call(op: string, scope: "app" | "user", args: unknown[], user: WireUser | null): unknown;
  log(level: string, message: string, requestId: string): void;
  env(): Record<string, string>;
  /** The version's `api/` and `private/` files by path. */
  files: Map<string, Uint8Array>;
}

/** The request being served: who asks, under which id, with which env. */
export interface CallContext {
  app: { id: string; name: string };
  services: HostServices;
  user(): WireUser | null;
  requestId(): string;
  env(): Record<string, string>;
  /** Told when the app uses setTimeout (timers are cleared after the request only then). */
  usedTimers(): void;
}

const decoder = new TextDecoder();

/** A host call's value that is JSON text already (query results): handed to the VM as it is. */
export class RawJson {
  constructor(readonly json: string) {}
}

/** A host call's value as the text the prelude's `call` reads: `{"v": value}`, or `null` for undefined. */
export function hostAnswer(v: unknown): string {
  if (v instanceof RawJson) return `{"v":${v.json}}`;
  return JSON.stringify(v === undefined ? null : { v });
}

/** Normalises `name` relative to `from` inside `api/`; anything leaving it is refused. */
export function resolveApiPath(from: string, name: string): string {
  if (!name.startsWith("./") && !name.startsWith("../"))
    throw new FaztError("HANDLER_ERROR", `cannot import "${name}": only relative files of api/`);
  const parts = from.split("/").slice(0, -1);
  for (const seg of name.split("/")) {
    if (seg === "." || seg === "") continue;
    if (seg === "..") parts.pop();
    else parts.push(seg);
  }
  let path = parts.join("/");
  if (!path.startsWith("api/")) throw new FaztError("HANDLER_ERROR", `cannot import "${name}": outside api/`);
  if (!/\.(m?js|json)$/.test(path)) path += ".js";
  return path;
}

function privatePath(arg: unknown): string {
  const p = String(arg ?? "").replace(/^\/+/, "");
  if (!p || p.split("/").some((s) => s === ".." || s === "." || s === "") || p.includes("\\")) {
    throw new FaztError("VALIDATION_FAILED", `refused private path "${String(arg)}"`);
  }
  return `private/${p}`;
}

/** One `__host` call: its value (JSON-able), or a thrown error the prelude rethrows inside the VM. */
export function hostCall(c: CallContext, op: string, args: unknown): unknown {
  const { services } = c;
  switch (op) {
    case "info":
      return { version: VERSION, app: { id: c.app.id, name: c.app.name } };
    case "uuid":
      return crypto.randomUUID();
    case "timers":
      c.usedTimers();
      return undefined;
    case "random": {
      const n = Math.min(Math.max(0, Number(args) | 0), 65536);
      return Buffer.from(crypto.getRandomValues(new Uint8Array(n))).toString("base64");
    }
    case "log": {
      const { level, message } = args as { level: string; message: string };
      services.log(level, String(message), c.requestId());
      return undefined;
    }
    case "env.get": {
      const env = c.env();
      return Object.hasOwn(env, String(args)) ? env[String(args)] : undefined;
    }
    case "env.keys":
      return Object.keys(c.env());
    case "env.all":
      return c.env();
    case "auth.user":
      return c.user() ?? undefined;
    case "private.read": {
      const bytes = services.files.get(privatePath(args));
      return bytes ? decoder.decode(bytes) : undefined;
    }
    case "private.exists":
      return services.files.has(privatePath(args));
    case "private.list":
      return [...services.files.keys()].filter((p) => p.startsWith("private/")).map((p) => p.slice(8));
    case "resolve": {
      const { from, name } = args as { from: string; name: string };
      return resolveApiPath(from, name);
    }
    case "source": {
      const bytes = services.files.get(String(args));
      if (!bytes) throw new FaztError("HANDLER_ERROR", `cannot require "${String(args)}": no such file`);
      return decoder.decode(bytes);
    }
    default: {
      const { scope, args: list } = args as { scope: "app" | "user"; args: unknown[] };
      return services.call(op, scope, list, c.user());
    }
  }
}
