import { defineCommand } from "citty";
import { findOwner } from "../../../auth/index.ts";
import { readConfig, schemaVersion } from "../../../db/index.ts";
import { findRunningServer, localAdminUrl } from "../../../ops/index.ts";
import { emit, table } from "../../output.ts";
import { session } from "../../session.ts";

/** Asks the local server's /health whether it answers, within a second. */
async function probe(base: string): Promise<{ running: boolean; version?: string }> {
  try {
    const res = await fetch(`${base}/health`, { signal: AbortSignal.timeout(1000) });
    if (!res.ok) return { running: false };
    const body = (await res.json()) as { version?: string };
    return body.version ? { running: true, version: body.version } : { running: true };
  } catch {
    return { running: false };
  }
}

export default defineCommand({
  meta: { name: "status", description: "Show this instance's configuration and whether it is running" },
  async run() {
    const s = session();
    s.localOnly("server status");
    const store = await s.openStore({ create: false });
    const config = readConfig(store);
    const owner = findOwner(store);
    // The running server's record says where it listens; without one, the stored port is tried.
    const record = findRunningServer(store);
    const live = await probe(
      localAdminUrl(record ?? { listen: "127.0.0.1", port: config.port, https: false }, config.domain),
    );
    const listening =
      live.running && record ? { port: record.port, listen: record.listen, pid: record.pid } : null;
    const data = {
      database: s.shownTarget, // a PostgreSQL URL without its password
      schema: schemaVersion(store.sqlite),
      domain: config.domain,
      port: config.port,
      env: config.env,
      https: config.https,
      owner: owner?.username ?? null,
      apps: store.engine.get<{ n: number }>("SELECT count(*) AS n FROM apps")?.n ?? 0,
      running: live.running,
      runningVersion: live.version ?? null,
      runningPort: live.running ? (listening?.port ?? config.port) : null,
      runningPid: listening?.pid ?? null,
    };
    emit(s.globals.format, data, () =>
      table([
        ["database", data.database],
        ["schema", data.schema],
        ["domain", data.domain],
        ["port", data.port],
        ["env", data.env],
        ["https", data.https ? "on" : "off"],
        ["owner", data.owner],
        ["apps", data.apps],
        [
          "server",
          live.running
            ? `running on port ${data.runningPort}${listening ? ` (pid ${listening.pid})` : ""}${live.version ? `, version ${live.version}` : ""}`
            : "not running",
        ],
      ]),
    );
  },
});
