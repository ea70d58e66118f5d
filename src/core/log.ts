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
}

export function createLogger(
  // console.log, not process.stdout: touching process.stdout costs ~20 ms at start-up.
  write: (line: string) => void = (line) => console.log(line),
): Logger {
  const log = (level: Level, msg: string, fields: Record<string, unknown> = {}) => {
    write(JSON.stringify({ time: new Date().toISOString(), level, msg, ...fields }));
  };
  return {
    log,
    info: (msg, fields) => log("info", msg, fields),
    warn: (msg, fields) => log("warn", msg, fields),
    error: (msg, fields) => log("error", msg, fields),
  };
}

export const silentLogger: Logger = createLogger(() => {});
