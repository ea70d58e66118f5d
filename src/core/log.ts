import { writeSync } from "node:fs";
/**
 * Structured logs: one JSON object per line on stdout, so `journalctl` and
 * `fazt service logs` can be grepped and parsed alike.
 */
export type Level = "debug" | "info" | "warn" | "error";

export interface Logger {
  log(level: Level, msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  /** Writes a line already formatted as one JSON object (the access log's fast path). */
  write(line: string): void;
  /** The current time as the log prints it (cached per millisecond). */
  now(): string;
}

let lastMs = 0;
let lastIso = "";
function isoNow(): string {
  const ms = Date.now();
  if (ms !== lastMs) {
    lastMs = ms;
    lastIso = new Date(ms).toISOString();
  }
  return lastIso;
}

/**
 * Lines are gathered in one byte buffer and written together, at most 50 ms
 * late: one write per batch instead of one per request, and no string joins,
 * keep the access log off the hot path. Errors flush at once, and so does
 * exiting.
 */
function bufferedStdout(): { write(line: string, urgent: boolean): void } {
  const encoder = new TextEncoder();
  const buffer = new Uint8Array(64 * 1024);
  let used = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const flush = () => {
    if (timer) clearTimeout(timer);
    timer = undefined;
    if (used === 0) return;
    writeAll(buffer.subarray(0, used));
    used = 0;
  };
  process.on("exit", flush);
  return {
    write(line, urgent) {
      // ASCII lines encode 1:1; a line that may not fit (multi-byte text) flushes first.
      if (used + line.length * 3 + 1 > buffer.byteLength) flush();
      if (line.length * 3 + 1 > buffer.byteLength) {
        writeAll(encoder.encode(`${line}\n`));
      } else {
        used += encoder.encodeInto(line, buffer.subarray(used)).written;
        buffer[used++] = 10;
      }
      if (urgent) flush();
      else if (!timer) {
        timer = setTimeout(flush, 50);
        timer.unref?.();
      }
    },
  };
}

/** Writes all bytes to stdout (fd 1), whatever the pipe accepts per call. */
function writeAll(bytes: Uint8Array): void {
  let off = 0;
  while (off < bytes.byteLength) {
    try {
      off += writeSync(1, bytes, off);
    } catch (e) {
      // A full non-blocking pipe: try again; a closed one: drop the logs, never crash serving.
      if ((e as { code?: string }).code === "EAGAIN") continue;
      return;
    }
  }
}

export function createLogger(write?: (line: string) => void): Logger {
  const sink = write ? { write: (line: string) => write(line) } : bufferedStdout();
  const log = (level: Level, msg: string, fields: Record<string, unknown> = {}) => {
    sink.write(JSON.stringify({ time: isoNow(), level, msg, ...fields }), level === "error");
  };
  return {
    log,
    info: (msg, fields) => log("info", msg, fields),
    warn: (msg, fields) => log("warn", msg, fields),
    error: (msg, fields) => log("error", msg, fields),
    write: (line) => sink.write(line, false),
    now: isoNow,
  };
}

export const silentLogger: Logger = createLogger(() => {});
