import { Hono } from "hono/quick";
import * as v from "valibot";
import { FaztError } from "../../core/index.ts";
import { runSql } from "../../sql/index.ts";
import { readJson } from "../../web/index.ts";
import type { ServerContext } from "../context.ts";
import { ok } from "../envelope.ts";
import { type AuthEnv, actorOf, requireAuth } from "./principal.ts";

const MAX_QUERY_CHARS = 100_000;

const sqlSchema = v.strictObject({
  query: v.pipe(
    v.string("must be a string"),
    v.minLength(1, "must not be empty"),
    v.maxLength(MAX_QUERY_CHARS, `is longer than ${MAX_QUERY_CHARS} characters`),
  ),
  params: v.optional(
    v.pipe(
      v.array(
        v.union(
          [v.string(), v.pipe(v.number(), v.finite()), v.boolean(), v.null()],
          "must be a string, a number, a boolean or null",
        ),
      ),
      v.maxLength(999, "has more than 999 values"),
    ),
  ),
  write: v.optional(v.boolean("must be true or false")),
});

/**
 * `POST /api/sql` (docs/admin-api.md): one statement, read-only unless `write: true`,
 * owner only — an admin's session or key gets 403, a key the owner made acts
 * as the owner (http/admin/principal.ts). How it is run: src/sql/run.ts.
 */
export function sqlRoutes(ctx: ServerContext): Hono<AuthEnv> {
  const app = new Hono<AuthEnv>();
  app.use("*", requireAuth(ctx, "admin"));

  app.post("/", async (c) => {
    if (actorOf(c.get("principal")).role !== "owner") {
      throw new FaztError("FORBIDDEN", "the SQL console is for the owner only");
    }
    const body = await readJson(c, sqlSchema, Math.max(ctx.config.maxBodyBytes, MAX_QUERY_CHARS * 4));
    const result = await runSql(ctx.store.path, body);
    if (body.write) {
      // Whatever it changed (apps, aliases, settings) is read afresh from here on.
      ctx.hosting.invalidate();
      ctx.reloadConfig();
      ctx.log.info("sql write", { rowsAffected: result.rowsAffected });
    }
    return ok(result);
  });

  return app;
}
