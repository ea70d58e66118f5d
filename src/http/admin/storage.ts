import { Hono } from "hono/quick";
import * as v from "valibot";
import { appIdOf as appIdOfApp } from "../../apps/index.ts";
import { FaztError, parse } from "../../core/index.ts";
import {
  checkBlobPath,
  createStorage,
  dsPage,
  kvPage,
  MAX_KEY_LENGTH,
  MAX_PATH_LENGTH,
  s3Page,
  storageOverview,
} from "../../storage/index.ts";
import type { ServerContext } from "../context.ts";
import { ok } from "../envelope.ts";
import { type AuthEnv, requireAuth } from "./principal.ts";

const page = {
  limit: v.optional(v.pipe(v.string(), v.toNumber(), v.integer(), v.minValue(1), v.maxValue(1000)), "100"),
  offset: v.optional(v.pipe(v.string(), v.toNumber(), v.integer(), v.minValue(0)), "0"),
};
/** A user id; storage rows of user scope are keyed by it (runtime/worker.ts). Absent or empty: app-wide. */
const user = v.optional(v.pipe(v.string(), v.maxLength(256)), "");
const prefix = (max: number) => v.optional(v.pipe(v.string(), v.maxLength(max)), "");

const scopeSchema = v.object({ user });
const kvSchema = v.object({ user, prefix: prefix(MAX_KEY_LENGTH), ...page });
const dsSchema = v.object({ user, query: v.optional(v.string()), ...page });
const s3Schema = v.object({ user, prefix: prefix(MAX_PATH_LENGTH), ...page });
const objectSchema = v.object({ user, path: v.string("is required") });

/** `attachment` with the last path segment as the file name (an ASCII one, and the exact one in UTF-8). */
function attachment(path: string): string {
  const name = path.slice(path.lastIndexOf("/") + 1);
  const ascii = name.replace(/[^A-Za-z0-9._-]/g, "_") || "download";
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name)}`;
}

/**
 * The Storage screen's read-only routes (docs/admin-api.md): an app's kv entries, ds
 * collections (with the ds query language) and s3 objects, app-wide or in one
 * user's scope (`?user=ID`). Admin only. Reads go through src/storage, which
 * binds the app and the scope in every statement: nothing here reaches
 * another app's rows.
 */
export function storageRoutes(ctx: ServerContext): Hono<AuthEnv> {
  const app = new Hono<AuthEnv>();
  // On its own paths: other route groups share the /api/apps mount.
  const auth = requireAuth(ctx, "admin");
  app.use("/:name/storage", auth);
  app.use("/:name/storage/*", auth);

  const appIdOf = (name: string): string => appIdOfApp(ctx.store, name);

  app.get("/:name/storage", (c) => {
    const q = parse(scopeSchema, c.req.query(), "query");
    return ok(storageOverview(ctx.store, appIdOf(c.req.param("name")), q.user));
  });

  app.get("/:name/storage/kv", (c) => {
    const q = parse(kvSchema, c.req.query(), "query");
    const { rows, total } = kvPage(ctx.store, appIdOf(c.req.param("name")), q.user, q.prefix, q);
    return ok(rows, { meta: { total, limit: q.limit, offset: q.offset } });
  });

  app.get("/:name/storage/ds/:collection", (c) => {
    const q = parse(dsSchema, c.req.query(), "query");
    let query: unknown;
    if (q.query !== undefined && q.query.trim() !== "") {
      try {
        query = JSON.parse(q.query);
      } catch {
        throw new FaztError("VALIDATION_FAILED", "query: query is not valid JSON");
      }
    }
    const appId = appIdOf(c.req.param("name"));
    const { rows, total } = dsPage(ctx.store, appId, q.user, c.req.param("collection"), query, q);
    return ok(rows, { meta: { total, limit: q.limit, offset: q.offset } });
  });

  app.get("/:name/storage/s3", (c) => {
    const q = parse(s3Schema, c.req.query(), "query");
    const { rows, total } = s3Page(ctx.store, appIdOf(c.req.param("name")), q.user, q.prefix, q);
    return ok(rows, { meta: { total, limit: q.limit, offset: q.offset } });
  });

  app.get("/:name/storage/s3/object", (c) => {
    const q = parse(objectSchema, c.req.query(), "query");
    const path = checkBlobPath(q.path);
    const object = createStorage(ctx.store, appIdOf(c.req.param("name")), q.user).s3.get(path);
    if (!object) throw new FaztError("NOT_FOUND", `no object at "${path}"`);
    return new Response(object.data as Uint8Array<ArrayBuffer>, {
      headers: {
        "content-type": object.mime,
        "content-length": String(object.size),
        // An app's user may have stored HTML: on the admin origin it is only ever a download,
        // and were it rendered anyway, it could run nothing.
        "content-disposition": attachment(path),
        "content-security-policy": "default-src 'none'; sandbox",
        "cache-control": "no-store",
      },
    });
  });

  return app;
}
