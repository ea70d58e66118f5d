/** The baseline: the smallest Bun server that answers /health, compiled like Fazt. Port from argv. */
const port = Number(process.argv[2]);
if (!Number.isInteger(port) || port <= 0) throw new Error(`usage: hello PORT (got ${process.argv[2]})`);

Bun.serve({
  hostname: "127.0.0.1",
  port,
  fetch(req) {
    if (new URL(req.url).pathname === "/health") return Response.json({ status: "ok" });
    return new Response("not found", { status: 404 });
  },
});
