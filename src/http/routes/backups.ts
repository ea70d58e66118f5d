import { Hono } from "hono/quick";
import * as v from "valibot";
import { createBackup, listBackups } from "../../ops/backups.ts";
import { readJson } from "../body.ts";
import type { ServerContext } from "../context.ts";
import { ok } from "../envelope.ts";
import { type AuthEnv, requireAuth } from "../middleware/auth.ts";

/** Nothing to choose yet: the snapshot goes to the backups folder next to the database. */
const createSchema = v.strictObject({});

/** `GET|POST /api/backups` (SPEC §9, §11): list the snapshots, take one now. Admin only. */
export function backupRoutes(ctx: ServerContext): Hono<AuthEnv> {
  const app = new Hono<AuthEnv>();
  app.use("*", requireAuth(ctx, "admin"));

  app.get("/", () => ok(listBackups(ctx.store.path)));

  app.post("/", async (c) => {
    // The body is optional; when sent it must be `{}`.
    const hasBody = Number(c.req.header("content-length") ?? "0") > 0 || c.req.header("transfer-encoding");
    if (hasBody) await readJson(c, createSchema, ctx.config.maxBodyBytes);
    const backup = createBackup(ctx.store);
    ctx.log.info("backup created", { file: backup.file, bytes: backup.bytes });
    return ok(backup, { status: 201 });
  });

  return app;
}
