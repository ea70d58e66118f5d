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
 * Lines are gathered and written together, at most 50 ms late: one write per
 * batch instead of one per request keeps the access log off the hot path.
 * Errors flush at once, and so does exiting.
 */
function bufferedStdout(): { write(line: string, urgent: boolean): void } {
  let lines: string[] = [];
  let size = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const flush = () => {
    if (timer) clearTimeout(timer);
    timer = undefined;
    if (lines.length === 0) return;
    // console.log, not process.stdout: touching process.stdout costs ~20 ms at start-up.
    console.log(lines.join("\n"));
    lines = [];
    size = 0;
  };
  process.on("exit", flush);
  return {
    write(line, urgent) {
      lines.push(line);
      size += line.length;
      if (urgent || size > 32 * 1024) flush();
      else if (!timer) {
        timer = setTimeout(flush, 50);
        timer.unref?.();
      }
    },
  };
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
