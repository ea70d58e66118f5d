import * as v from "valibot";
import { FaztError, parse } from "../core/index.ts";
import type { Store } from "../db/index.ts";
import { appNameSchema } from "./names.ts";

export type AliasType = "app" | "redirect" | "reserved";

export interface AliasInfo {
  name: string;
  type: AliasType;
  /** The app's name, for `app` aliases. */
  app: string | null;
  url: string | null;
  createdAt: number;
  updatedAt: number;
}

const urlSchema = v.pipe(
  v.string(),
  v.trim(),
  v.maxLength(2048, "is too long"),
  v.url("must be an absolute URL"),
  v.check((u) => /^https?:\/\//i.test(u), "must be an http(s) URL"),
);

export const aliasInputSchema = v.variant("type", [
  v.strictObject({ name: appNameSchema, type: v.literal("app"), app: appNameSchema }),
  v.strictObject({ name: appNameSchema, type: v.literal("redirect"), url: urlSchema }),
  v.strictObject({ name: appNameSchema, type: v.literal("reserved") }),
]);

const SELECT = `SELECT al.name, al.type, a.name AS app, al.url, al.created_at AS createdAt, al.updated_at AS updatedAt
  FROM aliases al LEFT JOIN apps a ON a.id = al.app_id`;

export function listAliases(store: Store): AliasInfo[] {
  return store.sqlite.query<AliasInfo, []>(`${SELECT} ORDER BY al.name`).all();
}

/**
 * Points a subdomain at an app, a URL (301 keeping path and query) or at
 * nothing (reserved). Replaces an existing alias of that name.
 */
export function setAlias(store: Store, input: unknown): { alias: AliasInfo; created: boolean } {
  const a = parse(aliasInputSchema, input, "alias");
  const db = store.sqlite;
  return db
    .transaction(() => {
      let appId: string | null = null;
      if (a.type === "app") {
        appId =
          db.query<{ id: string }, [string]>("SELECT id FROM apps WHERE name = ?").get(a.app)?.id ?? null;
        if (!appId) throw new FaztError("NOT_FOUND", `no app named "${a.app}"`);
      }
      const url = a.type === "redirect" ? a.url : null;
      const now = Date.now();
      const existed = db.query("SELECT 1 FROM aliases WHERE name = ?").get(a.name) !== null;
      db.query(
        `INSERT INTO aliases (name, type, app_id, url, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?5)
         ON CONFLICT (name) DO UPDATE SET type = ?2, app_id = ?3, url = ?4, updated_at = ?5`,
      ).run(a.name, a.type, appId, url, now);
      const alias = db.query<AliasInfo, [string]>(`${SELECT} WHERE al.name = ?`).get(a.name)!;
      return { alias, created: !existed };
    })
    .immediate();
}

export function removeAlias(store: Store, name: string): void {
  if (store.sqlite.query("DELETE FROM aliases WHERE name = ?").run(name).changes === 0) {
    throw new FaztError("NOT_FOUND", `no alias named "${name}"`);
  }
}
