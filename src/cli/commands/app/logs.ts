import { defineCommand } from "citty";
import * as v from "valibot";
import { FaztError } from "../../../core/index.ts";
import { color, warn } from "../../output.ts";
import { connect, type PeerClient } from "../../peer/index.ts";
import { session } from "../../session.ts";

const lineSchema = v.looseObject({
  id: v.number(),
  level: v.string(),
  message: v.string(),
  requestId: v.nullish(v.string()),
  createdAt: v.number(),
});
type LogLine = v.InferOutput<typeof lineSchema>;

const countSchema = v.pipe(
  v.string(),
  v.regex(/^\d{1,4}$/, "must be a whole number from 1 to 1000"),
  v.toNumber(),
  v.minValue(1, "must be a whole number from 1 to 1000"),
  v.maxValue(1000, "must be a whole number from 1 to 1000"),
);

/** A stream has no overall deadline (the largest a timer takes); it reconnects if it ever ends. */
const FOLLOW_TIMEOUT_MS = 2_147_483_647;
const RECONNECT_MS = 1000;

const seg = encodeURIComponent;

/** `2026-11-21 14:03:05.123` in local time. */
function stamp(ms: number): string {
  const d = new Date(ms);
  const p = (n: number, w = 2) => String(n).padStart(w, "0");
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}.${p(d.getMilliseconds(), 3)}`;
}

const levelColor: Record<string, (s: string) => string> = {
  debug: color.dim,
  warn: color.yellow,
  error: color.bold,
};

/** `time level [requestId] message` */
export function formatLine(l: LogLine): string {
  const level = l.level.padEnd(5);
  const paint = levelColor[l.level] ?? ((s: string) => s);
  return `${color.dim(stamp(l.createdAt))} ${paint(level)} ${l.requestId ? `[${l.requestId}] ` : ""}${l.message}`;
}

/** One server-sent event: its `id` and joined `data` lines (comments and `retry` are skipped). */
function parseEvent(block: string): { id?: string; data?: string } {
  const event: { id?: string; data?: string } = {};
  for (const raw of block.split("\n")) {
    const line = raw.endsWith("\r") ? raw.slice(0, -1) : raw;
    if (line === "" || line.startsWith(":")) continue;
    const colon = line.indexOf(":");
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? "" : line.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    if (field === "data") event.data = event.data === undefined ? value : `${event.data}\n${value}`;
    else if (field === "id") event.id = value;
  }
  return event;
}

/** Reads one connection of the stream, calling `onLine` per line; returns when the server ends it. */
async function readStream(res: Response, onLine: (line: LogLine) => void): Promise<void> {
  if (!res.body) return;
  const reader = res.body.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return;
    buffer += decoder.decode(value, { stream: true }).replace(/\r\n/g, "\n");
    for (let end = buffer.indexOf("\n\n"); end >= 0; end = buffer.indexOf("\n\n")) {
      const event = parseEvent(buffer.slice(0, end));
      buffer = buffer.slice(end + 2);
      if (event.data === undefined) continue;
      let value: unknown;
      try {
        value = JSON.parse(event.data);
      } catch {
        continue;
      }
      const parsed = v.safeParse(lineSchema, value);
      if (parsed.success) onLine(parsed.output);
    }
  }
}

/** Follows the log until the process is stopped, reconnecting (from the last id seen) when cut off. */
async function follow(client: PeerClient, name: string, n: number, print: (l: LogLine) => void) {
  let lastId: number | undefined;
  let warned = false;
  for (;;) {
    const query = lastId === undefined ? `limit=${n}` : `after=${lastId}`;
    try {
      const res = await client.raw("GET", `/api/apps/${seg(name)}/logs/stream?${query}`, {
        timeoutMs: FOLLOW_TIMEOUT_MS,
      });
      warned = false;
      await readStream(res, (line) => {
        lastId = line.id;
        print(line);
      });
    } catch (err) {
      // The app or the key is gone: that is an answer, not a hiccup.
      if (err instanceof FaztError && err.code !== "UNAVAILABLE") throw err;
      if (!warned) warn(`lost the log stream of ${name} on ${client.name}; reconnecting…`);
      warned = true;
    }
    await Bun.sleep(RECONNECT_MS);
  }
}

export default defineCommand({
  meta: { name: "logs", description: "Print an app's recent log lines; -f keeps printing new ones" },
  args: {
    name: { type: "positional", description: "The app", valueHint: "NAME", required: true },
    follow: { type: "boolean", alias: "f", description: "Keep printing new lines until Ctrl-C" },
    lines: {
      type: "string",
      alias: "n",
      description: "How many recent lines to print first (default 100, at most 1000)",
      valueHint: "N",
    },
  },
  async run({ args }) {
    const s = session();
    const count = v.safeParse(countSchema, args.lines ?? "100");
    if (!count.success) throw new FaztError("USAGE", `-n ${count.issues[0].message}`);
    const n = count.output;
    const client = await connect();
    const json = s.globals.format === "json";
    if (args.follow) {
      // One JSON object per line when following: there is no end to wrap a list in.
      await follow(client, args.name, n, (line) =>
        console.log(json ? JSON.stringify(line) : formatLine(line)),
      );
      return;
    }
    const lines = await client.call(
      "GET",
      `/api/apps/${seg(args.name)}/logs?limit=${n}`,
      v.array(lineSchema),
    );
    if (json) console.log(JSON.stringify({ data: lines }, null, 2));
    else if (lines.length > 0) console.log(lines.map(formatLine).join("\n"));
  },
});
