import { defineCommand } from "citty";
import { findOwner } from "../../../auth/owner.ts";
import { readConfig } from "../../../db/config.ts";
import { schemaVersion } from "../../../db/migrate.ts";
import { emit, table } from "../../output.ts";
import { session } from "../../session.ts";

/** Asks the local server's /health whether it answers, within a second. */
async function probe(port: number): Promise<{ running: boolean; version?: string }> {
  try {
    const res = await fetch(`http://127.0.0.1:${port}/health`, { signal: AbortSignal.timeout(1000) });
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
    const count = (t: string) =>
      store.sqlite.query<{ n: number }, []>(`SELECT count(*) AS n FROM ${t}`).get()?.n ?? 0;
    const live = await probe(config.port);
    const data = {
      database: s.dbPath,
      schema: schemaVersion(store.sqlite),
      domain: config.domain,
      port: config.port,
      env: config.env,
      https: config.https,
      owner: owner?.username ?? null,
      apps: count("apps"),
      running: live.running,
      runningVersion: live.version ?? null,
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
        ["server", live.running ? `running${live.version ? ` (${live.version})` : ""}` : "not running"],
      ]),
    );
  },
});
