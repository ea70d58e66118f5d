import type { HostingShared } from "../hosting/index.ts";

/** What the main thread tells a listener thread to start with (http/listeners.ts). */
export interface ListenerStart {
  /** 1, 2, …: the main thread is listener 0. */
  index: number;
  dbPath: string;
  hostname: string;
  port: number;
  idleTimeout: number;
  maxRequestBodySize: number;
  /** The private socket to the main thread (private-socket.ts). */
  socketPath: string;
  /** This listener's share of `cacheBytes`. */
  cacheBytes: number;
  /** shared-config.ts's buffer. */
  config: SharedArrayBuffer;
  shared: HostingShared;
  /** Requests taken, per listener (index); for tests and diagnostics. */
  served: Int32Array;
}

export type ToMainThread =
  | { type: "listening" }
  | { type: "failed"; error: string }
  | { type: "log"; lines: string }
  | { type: "stopped" };

export type ToListener = ({ type: "start" } & ListenerStart) | { type: "stop"; graceMs: number };
