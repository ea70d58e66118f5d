import { statSync } from "node:fs";
import { Hono } from "hono/quick";
import { COMMIT, VERSION } from "../../core/index.ts";
import { configPatchSchema, type Engine, writeConfig } from "../../db/index.ts";
import { readJson } from "../../web/index.ts";
import type { ServerContext } from "../context.ts";
import { ok } from "../envelope.ts";
import { type AuthEnv, requireAuth } from "./principal.ts";
import { assertReleaseSettingsChange } from "./upgrade.ts";

const COUNTED = ["apps", "versions", "blobs", "aliases", "users", "api_keys", "peers"] as const;

function fileSize(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

/**
 * The health answer's `database`: its size (the SQLite file with its WAL, or
 * what PostgreSQL counts for the database) and the schema's migration number
 * (`fazt_migrations` holds the same numbers on both engines, db/migrate.ts).
 */
export function databaseFacts(engine: Engine, sqlitePath: string): { bytes: number; schema: number } {
  const bytes =
    engine.dialect === "postgres"
      ? (engine.get<{ n: number }>("SELECT pg_database_size(current_database()) AS n")?.n ?? 0)
      : fileSize(sqlitePath) + fileSize(`${sqlitePath}-wal`);
  const schema = engine.get<{ n: number | null }>("SELECT max(number) AS n FROM fazt_migrations")?.n ?? 0;
  return { bytes, schema };
}

/** `GET /api/system/health` and `GET|PUT /api/system/config`, for admins. */
export function systemRoutes(ctx: ServerContext): Hono<AuthEnv> {
  const app = new Hono<AuthEnv>();
  app.use("*", requireAuth(ctx, "admin"));

  app.get("/health", () => {
    const mem = process.memoryUsage();
    const counts: Record<string, number> = {};
    for (const table of COUNTED) {
      const row = ctx.store.engine.get<{ n: number }>(`SELECT count(*) AS n FROM ${table}`);
      counts[table === "api_keys" ? "keys" : table] = row?.n ?? 0;
    }
    return ok({
      status: "ok",
      version: VERSION,
      commit: COMMIT,
      uptimeMs: Date.now() - ctx.startedAt,
      memory: { rss: mem.rss, heapUsed: mem.heapUsed },
      database: databaseFacts(ctx.store.engine, ctx.store.path),
      counts,
    });
  });

  app.get("/config", () => ok(ctx.config));

  app.put("/config", async (c) => {
    // Port and https take effect at the next start; the rest at once.
    const patch = await readJson(c, configPatchSchema, ctx.config.maxBodyBytes);
    assertReleaseSettingsChange(patch, c.get("principal"));
    writeConfig(ctx.store, patch);
    ctx.reloadConfig();
    return ok(ctx.config);
  });

  return app;
}
