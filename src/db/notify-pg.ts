/**
 * The node's `LISTEN` connection (notify.ts): one `Bun.SQL` connection of its
 * own on the event loop, never the engine's (which is blocked in
 * `Atomics.wait` while a query runs, and holds transactions). Bun re-opens a
 * dropped listen connection with back-off and LISTENs again, calling
 * `onlisten` each time: every call after the first means notifications may
 * have been lost in between.
 */
import { FaztError } from "../core/index.ts";
import { redactUrl } from "./engine/index.ts";

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
