import { defineCommand } from "citty";
import * as v from "valibot";
import { createLogger, parse, VERSION } from "../../../core/index.ts";
import { isPostgresUrl, openChanges, redactUrl, resolveDatabaseTarget } from "../../../db/index.ts";
import { createContext, followChanges, startServer } from "../../../http/index.ts";
import { initInstance, recordRunningServer } from "../../../ops/index.ts";
import { session } from "../../session.ts";
import { configFlags, configPatchFromFlags } from "./flags.ts";
import { passwordBanner } from "./password-banner.ts";

const listenSchema = v.pipe(v.string(), v.ip("must be an IP address such as 127.0.0.1 or 0.0.0.0"));

export default defineCommand({
  meta: { name: "start", description: "Run the server (initialises a new database on first run)" },
  args: {
    ...configFlags,
    https: { type: "boolean", description: "Serve HTTPS with automatic certificates (this run)" },
    listen: { type: "string", description: "Address to listen on (default 0.0.0.0)", valueHint: "ADDR" },
    database: {
      type: "string",
      description:
        "PostgreSQL URL (several nodes on one database) or SQLite file (default: --db, FAZT_DATABASE_URL)",
      valueHint: "URL",
    },
  },
  async run({ args }) {
    const s = session();
    s.localOnly("server start");
    const overrides = configPatchFromFlags(args);
    const hostname = args.listen === undefined ? "0.0.0.0" : parse(listenSchema, args.listen, "--listen");
    const target = args.database ? resolveDatabaseTarget(args.database) : s.target;
    // The URL's password is never shown: banner, log and status print it redacted.
    const shown = isPostgresUrl(target) ? redactUrl(target) : target;
    const store = await s.openStore({ target });
    // A newcomer's first command just works: create the owner on first start.
    // Flags override the stored config for this run only, so nothing of them is stored here.
    const init = await initInstance(store);
    // Shown before listening: if the start fails (port in use), the password is not lost.
    if (init.generatedPassword) console.log(passwordBanner(init.username, init.generatedPassword));
    const log = createLogger();
    const ctx = createContext(store, log, overrides);
    // Changes made by other nodes (PostgreSQL) or other processes reach this node's caches.
    const changes = await openChanges(store.engine, {
      url: target,
      onError: (e) => log.error("change listener failed", { error: String(e) }),
    });
    const unfollow = followChanges(ctx, changes);
    // [https] ACME from Let's Encrypt unless FAZT_ACME_DIRECTORY names another CA (e.g. its staging).
    const https = ctx.config.https
      ? { directoryUrl: process.env.FAZT_ACME_DIRECTORY || undefined }
      : undefined;
    const running = await startServer(ctx, { port: ctx.config.port, hostname, https });
    // Where this server listens, for the CLI's `local` peer and `server status` (a --port override included).
    const record = recordRunningServer(store, { listen: hostname, port: running.port, https: !!https });

    const d = ctx.config.domain;
    const base = (host: string) =>
      https && running.port === 443
        ? `https://${host}`
        : `${https ? "https" : "http"}://${host}:${running.port}`; // [https]
    // Plain text and console.log: no colour check, so process.stdout stays unloaded at start-up.
    console.log(
      `Fazt ${VERSION} serving on ${base(d)}\n` +
        `  admin:    ${base(d === "localhost" ? "admin.localhost" : `admin.${d}`)}\n` +
        `  database: ${shown}`,
    );
    log.info("started", { version: VERSION, port: running.port, domain: d, database: shown });

    await new Promise<void>((resolve) => {
      const shutdown = (signal: string) => {
        log.info("stopping", { signal });
        void running.stop().then(async () => {
          unfollow();
          await changes.close();
          record.clear();
          resolve();
        });
      };
      process.once("SIGINT", () => shutdown("SIGINT"));
      process.once("SIGTERM", () => shutdown("SIGTERM"));
    });
    log.info("stopped");
  },
});
