import * as v from "valibot";
import { FaztError, parse } from "../core/index.ts";
import type { AppData } from "./blobs.ts";
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

// Quoted: PostgreSQL folds unquoted names to lower case.
const SELECT = `SELECT al.name, al.type, a.name AS app, al.url, al.created_at AS "createdAt", al.updated_at AS "updatedAt"
  FROM aliases al LEFT JOIN apps a ON a.id = al.app_id`;

export function listAliases(store: AppData): AliasInfo[] {
  return store.engine.all<AliasInfo>(`${SELECT} ORDER BY al.name`);
}

/**
 * Points a subdomain at an app, a URL (301 keeping path and query) or at
 * nothing (reserved). Replaces an existing alias of that name.
 */
export function setAlias(store: AppData, input: unknown): { alias: AliasInfo; created: boolean } {
  const a = parse(aliasInputSchema, input, "alias");
  const db = store.engine;
  return db.transaction(
    () => {
      let appId: string | null = null;
      if (a.type === "app") {
        appId = db.get<{ id: string }>("SELECT id FROM apps WHERE name = ?", [a.app])?.id ?? null;
        if (!appId) throw new FaztError("NOT_FOUND", `no app named "${a.app}"`);
      }
      const url = a.type === "redirect" ? a.url : null;
      const now = Date.now();
      const existed = db.get("SELECT 1 AS one FROM aliases WHERE name = ?", [a.name]) !== null;
      db.run(
        `INSERT INTO aliases (name, type, app_id, url, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (name) DO UPDATE SET type = excluded.type, app_id = excluded.app_id, url = excluded.url,
           updated_at = excluded.updated_at`,
        [a.name, a.type, appId, url, now, now],
      );
      const alias = db.get<AliasInfo>(`${SELECT} WHERE al.name = ?`, [a.name])!;
      return { alias, created: !existed };
    },
    { immediate: true },
  );
}

export function removeAlias(store: AppData, name: string): void {
  if (store.engine.run("DELETE FROM aliases WHERE name = ?", [name]).changes === 0) {
    throw new FaztError("NOT_FOUND", `no alias named "${name}"`);
  }
}
