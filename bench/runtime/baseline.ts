/**
 * The baseline of bench/runtime: the same two handlers as the Fazt apps, in a
 * bare `Bun.serve`, run as its own `bun` process: `bun baseline.ts PORT DB`.
 *
 *   GET  /api/hello  → {"hello":"world"}
 *   POST /api/items  → the JSON body inserted into a bun:sqlite table (WAL,
 *                      synchronous=NORMAL, as Fazt opens its database), {"id"}
 *   GET  /health     → ok
 */
import { Database } from "bun:sqlite";

const port = Number(process.argv[2]);
const dbPath = process.argv[3];
if (!Number.isInteger(port) || port <= 0 || !dbPath) {
  throw new Error(`usage: bun baseline.ts PORT DB (got ${process.argv.slice(2).join(" ")})`);
}

const db = new Database(dbPath, { create: true, strict: true });
db.exec("PRAGMA journal_mode = WAL");
db.exec("PRAGMA synchronous = NORMAL");
db.exec(
  "CREATE TABLE IF NOT EXISTS items (id TEXT PRIMARY KEY, data TEXT NOT NULL, created_at INTEGER NOT NULL)",
);
const insert = db.prepare("INSERT INTO items (id, data, created_at) VALUES (?, ?, ?)");

// The find baseline: the same 100,000 documents, an index on the field, the same query.
db.exec(
  "CREATE TABLE IF NOT EXISTS docs (id TEXT PRIMARY KEY, data TEXT NOT NULL, created_at INTEGER NOT NULL)",
);
db.exec("CREATE INDEX IF NOT EXISTS docs_k ON docs (json_extract(data, '$.k'))");
if ((db.query("SELECT count(*) AS n FROM docs").get() as { n: number }).n === 0) {
  const add = db.prepare("INSERT INTO docs (id, data, created_at) VALUES (?, ?, ?)");
  db.transaction(() => {
    for (let i = 0; i < 100_000; i++)
      add.run(crypto.randomUUID(), JSON.stringify({ k: i % 10_000, v: i }), Date.now());
  })();
}
const find = db.prepare(
  "SELECT id, data, created_at FROM docs WHERE json_extract(data, '$.k') = ? ORDER BY created_at DESC LIMIT 10",
);

const hello = () => ({ hello: "world" });

Bun.serve({
  hostname: "127.0.0.1",
  port,
  routes: {
    "/health": new Response("ok"),
    "/api/hello": () => Response.json(hello()),
    "/api/find": (req) => {
      const k = Number(new URL(req.url).searchParams.get("k"));
      const rows = find.all(k) as Array<{ id: string; data: string; created_at: number }>;
      return Response.json(rows.map((r) => ({ ...JSON.parse(r.data), id: r.id, _createdAt: r.created_at })));
    },
    "/api/items": {
      async POST(req) {
        const doc = await req.json();
        const id = crypto.randomUUID();
        insert.run(id, JSON.stringify(doc), Date.now());
        return Response.json({ id });
      },
    },
  },
  fetch: () => new Response("not found", { status: 404 }),
});
