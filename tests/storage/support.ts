import { newId } from "../../src/core/ids.ts";
import type { Store } from "../../src/db/index.ts";

/** Inserts a bare app row (storage rows reference apps.id) and returns its id. */
export function makeApp(store: Store, name: string): string {
  const id = newId("app");
  const t = Date.now();
  store.sqlite
    .query("INSERT INTO apps (id, name, spa, created_at, updated_at) VALUES (?, ?, 0, ?, ?)")
    .run(id, name, t, t);
  return id;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
