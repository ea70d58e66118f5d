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

const hello = () => ({ hello: "world" });

Bun.serve({
  hostname: "127.0.0.1",
  port,
  routes: {
    "/health": new Response("ok"),
    "/api/hello": () => Response.json(hello()),
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
