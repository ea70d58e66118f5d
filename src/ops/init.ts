import { createOwner, findOwner, generatePassword } from "../auth/index.ts";
import { FaztError } from "../core/index.ts";
import type { Store } from "../db/index.ts";
import { type ConfigPatch, writeConfig } from "../db/index.ts";

export interface InitResult {
  created: boolean;
  username: string;
  /** Set only when the password was generated: the caller prints it once. */
  generatedPassword?: string;
}

/**
 * Prepares an instance: stores the given config and creates the owner if
 * there is none. Safe to call on every start; it changes nothing that exists.
 */
export async function initInstance(
  store: Store,
  opts: { config?: ConfigPatch; username?: string | undefined; password?: string | undefined } = {},
): Promise<InitResult> {
  const existing = findOwner(store);
  // Credentials for an instance that has an owner are a mistake: refuse before changing anything.
  if (existing && (opts.username !== undefined || opts.password !== undefined)) {
    throw new FaztError(
      "CONFLICT",
      `this instance already has an owner (${existing.username}): use \`fazt server set-credentials\``,
    );
  }
  if (opts.config && Object.keys(opts.config).length > 0) writeConfig(store, opts.config);
  // The deploy machinery (zlib, schemas) is loaded only when there is something to seed.
  if (
    !store.engine.get("SELECT 1 AS found FROM apps WHERE name = '404'") ||
    !store.engine.get("SELECT 1 AS found FROM apps WHERE name = 'root'")
  ) {
    await (await import("./seed.ts")).seedApps(store);
  }
  if (existing) return { created: false, username: existing.username ?? "" };
  const username = opts.username ?? "admin";
  const generatedPassword = opts.password === undefined ? generatePassword() : undefined;
  await createOwner(store, { username, password: opts.password ?? generatedPassword! });
  return generatedPassword ? { created: true, username, generatedPassword } : { created: true, username };
}
