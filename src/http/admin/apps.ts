import { Hono } from "hono/quick";
import * as v from "valibot";
import {
  getApp,
  listApps,
  listFiles,
  listVersions,
  readFile,
  removeApp,
  rollback,
} from "../../apps/index.ts";
import { parse } from "../../core/index.ts";
import { snapshotBeforeRemove } from "../../ops/index.ts";
import { appUrl, previewUrl, readJson } from "../../web/index.ts";
import type { ServerContext } from "../context.ts";
import { ok } from "../envelope.ts";
import { type AuthEnv, requireAuth } from "./principal.ts";

const pageSchema = v.object({
  limit: v.optional(v.pipe(v.string(), v.toNumber(), v.integer(), v.minValue(1), v.maxValue(1000)), "100"),
  offset: v.optional(v.pipe(v.string(), v.toNumber(), v.integer(), v.minValue(0)), "0"),
});

const rollbackSchema = v.strictObject({ to: v.optional(v.pipe(v.string(), v.minLength(1))) });

/** Apps: list, inspect, remove, versions and rollback, files (docs/admin-api.md). Admin only. */
export function appRoutes(ctx: ServerContext): Hono<AuthEnv> {
  const app = new Hono<AuthEnv>();
  app.use("*", requireAuth(ctx, "admin"));
  const urlOf = (name: string) => appUrl(ctx.config, name);

  app.get("/", (c) => {
    const page = parse(pageSchema, c.req.query(), "query");
    const { apps, total } = listApps(ctx.store, urlOf, page);
    return ok(apps, { meta: { total, ...page } });
  });

  app.get("/:name", (c) => ok(getApp(ctx.store, c.req.param("name"), urlOf)));

  app.delete("/:name", (c) => {
    const name = c.req.param("name");
    snapshotBeforeRemove(ctx.store, name);
    removeApp(ctx.store, name);
    ctx.hosting.invalidate();
    ctx.log.info("app removed", { app: name });
    return ok({ name, removed: true });
  });

  // `number` is what `app versions` prints (#N) and what the preview host names (vN--NAME).
  app.get("/:name/versions", (c) => {
    const name = c.req.param("name");
    return ok(
      listVersions(ctx.store, name).map((v) => ({
        ...v,
        number: v.seq,
        previewUrl: previewUrl(ctx.config, name, v.seq),
      })),
    );
  });

  app.post("/:name/rollback", async (c) => {
    // The body is optional: no body means "the version before the current one".
    const hasBody = Number(c.req.header("content-length") ?? "0") > 0 || c.req.header("transfer-encoding");
    const body = hasBody ? await readJson(c, rollbackSchema, ctx.config.maxBodyBytes) : {};
    const version = rollback(ctx.store, c.req.param("name"), body.to);
    ctx.hosting.invalidate();
    return ok(version);
  });

  app.get("/:name/files", (c) => ok(listFiles(ctx.store, c.req.param("name"))));

  app.get("/:name/files/:path{.+}", (c) => {
    const prefix = `/api/apps/${c.req.param("name")}/files/`;
    const path = decodeURIComponent(new URL(c.req.url).pathname).slice(prefix.length);
    const file = readFile(ctx.store, c.req.param("name"), path);
    return new Response(file.data as Uint8Array<ArrayBuffer>, {
      headers: {
        "content-type": file.mime,
        "content-length": String(file.data.byteLength),
        etag: `"${file.sha256.slice(0, 32)}"`,
        "cache-control": "no-store",
      },
    });
  });

  return app;
}
