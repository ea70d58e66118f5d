/**
 * The node's `LISTEN` connection (notify.ts): one `Bun.SQL` connection of its
 * own on the event loop, never the engine's (which is blocked in
 * `Atomics.wait` while a query runs, and holds transactions). Bun re-opens a
 * dropped listen connection with back-off and LISTENs again, calling
 * `onlisten` each time: every call after the first means notifications may
 * have been lost in between.
 */
import { FaztError } from "../core/index.ts";
import { type Engine, redactUrl } from "./engine/index.ts";

/**
 * Which table's writes tell which topic, from inside the database: whichever
 * node, process or code path commits (a deploy, a rollback, a runtime worker,
 * `fazt server set-config` from a shell), every node hears it, and code need
 * not remember to publish. Sessions and keys only on DELETE/UPDATE (an ended
 * session, a revoked key): making one invalidates nothing.
 */
const TABLE_TOPICS: ReadonlyArray<[table: string, topic: string, events: string]> = [
  ["apps", "activation", "INSERT OR UPDATE OR DELETE"],
  ["aliases", "alias", "INSERT OR UPDATE OR DELETE"],
  ["app_env", "env", "INSERT OR UPDATE OR DELETE"],
  ["api_keys", "key", "UPDATE OR DELETE"],
  ["sessions", "session", "DELETE"],
  ["config", "config", "INSERT OR UPDATE OR DELETE"],
  ["certificates", "certificate", "INSERT OR UPDATE OR DELETE"],
];

/** Any 64-bit constant of our own: nodes starting together install the triggers one at a time. */
const TRIGGER_LOCK = 0x6661_7a74_0001;

/** Installs (or replaces: idempotent) the triggers of TABLE_TOPICS. NOTIFY is sent on commit only. */
export function installChangeTriggers(engine: Engine, channel: string): void {
  const statements = [
    `CREATE OR REPLACE FUNCTION fazt_notify_change() RETURNS trigger LANGUAGE plpgsql AS $fn$
     BEGIN
       PERFORM pg_notify('${channel}', json_build_object('topic', TG_ARGV[0], 'from', 'db')::text);
       RETURN NULL;
     END $fn$`,
    ...TABLE_TOPICS.map(
      ([table, topic, events]) =>
        `CREATE OR REPLACE TRIGGER fazt_change_${table} AFTER ${events} ON ${table}
         FOR EACH STATEMENT EXECUTE FUNCTION fazt_notify_change('${topic}')`,
    ),
  ];
  engine.transaction(() => {
    engine.get("SELECT pg_advisory_xact_lock(?) AS locked", [TRIGGER_LOCK]);
    for (const statement of statements) engine.exec(statement);
  });
}

export async function listenPostgres(
  url: string,
  channel: string,
  on: { message(text: string): void; reconnected(): void },
): Promise<() => Promise<void>> {
  const sql = new Bun.SQL({ url, max: 1, connectionTimeout: 10 });
  let listens = 0;
  try {
    const subscription = await sql.listen(channel, on.message, () => {
      if (++listens > 1) on.reconnected();
    });
    return async () => {
      await subscription.unlisten().catch(() => {});
      await sql.close({ timeout: 1 });
    };
  } catch (e) {
    await sql.close({ timeout: 1 }).catch(() => {});
    throw new FaztError(
      "UNAVAILABLE",
      `cannot listen for changes on ${redactUrl(url)}: ${(e as Error).message}`,
    );
  }
}
