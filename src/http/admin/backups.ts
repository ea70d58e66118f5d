import { lstatSync } from "node:fs";
import { basename } from "node:path";
import { Hono } from "hono/quick";
import * as v from "valibot";
import { FaztError } from "../../core/index.ts";
import { createBackup, listBackups } from "../../ops/index.ts";
import { readJson } from "../../web/index.ts";
import type { ServerContext } from "../context.ts";
import { ok } from "../envelope.ts";
import { type AuthEnv, requireAuth } from "./principal.ts";

/** Nothing to choose yet: the snapshot goes to the backups folder next to the database. */
const createSchema = v.strictObject({});

/**
 * `GET|POST /api/backups` (docs/admin-api.md): list the snapshots, take one now;
 * `GET /api/backups/NAME` downloads one. Admin only.
 */
export function backupRoutes(ctx: ServerContext): Hono<AuthEnv> {
  const app = new Hono<AuthEnv>();
  app.use("*", requireAuth(ctx, "admin"));

  // `name` is what the download route takes.
  app.get("/", () => ok(listBackups(ctx.store.path).map((b) => ({ ...b, name: basename(b.file) }))));

  app.post("/", async (c) => {
    // The body is optional; when sent it must be `{}`.
    const hasBody = Number(c.req.header("content-length") ?? "0") > 0 || c.req.header("transfer-encoding");
    if (hasBody) await readJson(c, createSchema, ctx.config.maxBodyBytes);
    const backup = createBackup(ctx.store);
    ctx.log.info("backup created", { file: backup.file, bytes: backup.bytes });
    return ok({ ...backup, name: basename(backup.file) }, { status: 201 });
  });

  app.get("/:name", (c) => {
    const name = c.req.param("name");
    // Only a snapshot the listing shows, by its file name: never a path of the caller's choosing.
    const backup = listBackups(ctx.store.path).find((b) => basename(b.file) === name);
    // The listing follows links; a download does not (a link planted there could point anywhere).
    const st = backup ? lstatSync(backup.file, { throwIfNoEntry: false }) : undefined;
    if (!backup || !st?.isFile()) throw new FaztError("NOT_FOUND", `no backup named "${name}"`);
    return new Response(Bun.file(backup.file), {
      headers: {
        "content-type": "application/vnd.sqlite3",
        "content-length": String(st.size),
        "content-disposition": `attachment; filename="${name}"`,
        "cache-control": "no-store",
      },
    });
  });

  return app;
}
