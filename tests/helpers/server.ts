import { createApiKey } from "../../src/auth/api-keys.ts";
import { createLogger, type Logger } from "../../src/core/log.ts";
import { type ConfigPatch, openChanges, openStoreAt, type Store } from "../../src/db/index.ts";
import { createContext, followChanges, type ServerContext, startServer } from "../../src/http/index.ts";
import { initInstance } from "../../src/ops/init.ts";
import { testDatabaseTarget } from "./engine.ts";
import { tempDir } from "./temp.ts";

export interface TestServer {
  url: string;
  port: number;
  store: Store;
  ctx: ServerContext;
  /** Log lines the server wrote (parsed JSON). */
  logs: Array<Record<string, unknown>>;
  /** An admin API key, ready for `Authorization: Bearer …`. */
  adminToken: string;
  /** fetch with a Host header (default `localhost`). */
  request(path: string, init?: RequestInit & { host?: string }): Promise<Response>;
  stop(): Promise<void>;
}

/**
 * The real server, in this process, on an ephemeral loopback port with a
 * temporary database: what `fazt server start` runs, minus the CLI. The
 * database is a SQLite file, or a new PostgreSQL database when
 * `FAZT_TEST_ENGINE=postgres` (helpers/engine.ts).
 */
export async function startTestServer(
  opts: { config?: ConfigPatch; password?: string } = {},
): Promise<TestServer> {
  const dir = tempDir();
  const target = await testDatabaseTarget(dir);
  const store = await openStoreAt(target);
  await initInstance(store, {
    config: opts.config ?? {},
    password: opts.password ?? "correct-horse-battery",
  });
  const logs: Array<Record<string, unknown>> = [];
  const log: Logger = createLogger((line) => logs.push(JSON.parse(line)));
  const ctx = createContext(store, log);
  // As `fazt server start` does: other processes' (nodes') changes reach the caches.
  const changes = await openChanges(store.engine, { url: target });
  const unfollow = followChanges(ctx, changes);
  const running = await startServer(ctx, { port: 0, hostname: "127.0.0.1" });
  const { token } = createApiKey(store, { name: "test", scope: "admin" });
  const url = `http://127.0.0.1:${running.port}`;
  return {
    url,
    port: running.port,
    store,
    ctx,
    logs,
    adminToken: token,
    request(path, init = {}) {
      const { host, ...rest } = init;
      const headers = new Headers(rest.headers);
      headers.set("host", host ?? "localhost");
      return fetch(`${url}${path}`, { ...rest, headers, redirect: "manual" });
    },
    async stop() {
      await running.stop();
      unfollow();
      await changes.close();
      store.close();
    },
  };
}
