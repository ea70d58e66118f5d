import * as v from "valibot";
import { type ErrorCode, FaztError } from "../../core/index.ts";

/**
 * Talks to one fazt instance over its admin API (docs/admin-api.md):
 * bearer key, timeouts, `{"data"}` / `{"error"}` envelopes turned into values
 * or a FaztError carrying the server's message. The token lives only in this
 * object and the Authorization header: no message, error or debug line ever
 * includes it.
 */
export interface PeerTarget {
  name: string;
  url: string;
  /** The instance on this machine (its errors hint at `fazt server start`). */
  local: boolean;
}

export interface RequestOptions {
  /** A JSON body. */
  json?: unknown;
  /** A raw body (blob uploads). */
  body?: Uint8Array;
  /** Overall deadline; 30 s unless the caller knows the transfer is large. */
  timeoutMs?: number;
}

export const DEFAULT_TIMEOUT_MS = 30_000;

const KNOWN_CODES = new Set<string>([
  "BAD_REQUEST",
  "VALIDATION_FAILED",
  "UNAUTHORIZED",
  "FORBIDDEN",
  "NOT_FOUND",
  "METHOD_NOT_ALLOWED",
  "CONFLICT",
  "GONE",
  "PAYLOAD_TOO_LARGE",
  "UNSUPPORTED_MEDIA_TYPE",
  "RATE_LIMITED",
  "INTERNAL",
  "UNAVAILABLE",
  "TIMEOUT",
]);

const errorEnvelope = v.object({
  error: v.object({ code: v.string(), message: v.string(), details: v.optional(v.unknown()) }),
});
const dataEnvelope = v.object({ data: v.unknown() });

export class PeerClient {
  readonly name: string;
  readonly url: string;
  readonly local: boolean;
  #token: string;
  /** Called once when the server answers 401: a fresh token to retry with, or null. */
  #renew: (() => string | null) | undefined;
  /** Extra words for a 401 that survived renewal. */
  #refusedHint: string | undefined;

  constructor(
    target: PeerTarget,
    token: string,
    opts: { renew?: () => string | null; refusedHint?: string } = {},
  ) {
    this.name = target.name;
    this.url = target.url;
    this.local = target.local;
    this.#token = token;
    this.#renew = opts.renew;
    this.#refusedHint = opts.refusedHint;
  }

  /** Calls a JSON route and returns its `data`, checked against `schema`. */
  async call<S extends v.GenericSchema>(
    method: string,
    path: string,
    schema: S,
    opts: RequestOptions = {},
  ): Promise<v.InferOutput<S>> {
    const res = await this.send(method, path, opts);
    const body = await this.readJson(res);
    const envelope = v.safeParse(dataEnvelope, body);
    if (!envelope.success) throw this.notFazt(res, "no data in the answer");
    const data = v.safeParse(schema, envelope.output.data);
    if (!data.success) {
      const issue = data.issues[0];
      const where = issue.path?.map((p) => String(p.key)).join(".") || "data";
      throw new FaztError(
        "INTERNAL",
        `unexpected answer from ${this.name} to ${method} ${path}: ${where}: ${issue.message}`,
      );
    }
    return data.output;
  }

  /** A successful response whose body the caller reads itself (file downloads). */
  async raw(method: string, path: string, opts: RequestOptions = {}): Promise<Response> {
    return this.send(method, path, opts);
  }

  /** Sends the request (renewing the key once on 401); non-2xx answers become FaztErrors. */
  private async send(method: string, path: string, opts: RequestOptions): Promise<Response> {
    let res = await this.fetchOnce(method, path, opts);
    if (res.status === 401 && this.#renew) {
      const fresh = this.#renew();
      this.#renew = undefined;
      if (fresh) {
        await res.body?.cancel();
        this.#token = fresh;
        res = await this.fetchOnce(method, path, opts);
      }
    }
    if (!res.ok) throw await this.failure(res);
    return res;
  }

  private async fetchOnce(method: string, path: string, opts: RequestOptions): Promise<Response> {
    const headers = new Headers({ authorization: `Bearer ${this.#token}`, accept: "application/json" });
    let body: BodyInit | undefined;
    if (opts.json !== undefined) {
      headers.set("content-type", "application/json");
      body = JSON.stringify(opts.json);
    } else if (opts.body !== undefined) {
      headers.set("content-type", "application/octet-stream");
      body = opts.body as Uint8Array<ArrayBuffer>;
    }
    const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    try {
      return await fetch(`${this.url}${path}`, {
        method,
        headers,
        body: body ?? null,
        redirect: "manual",
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (e) {
      throw this.unreachable(e, timeoutMs);
    }
  }

  private async readJson(res: Response): Promise<unknown> {
    const text = await res.text();
    try {
      return JSON.parse(text);
    } catch {
      throw this.notFazt(res, "the answer is not JSON");
    }
  }

  private async failure(res: Response): Promise<FaztError> {
    const text = await res.text().catch(() => "");
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      return this.notFazt(res);
    }
    const env = v.safeParse(errorEnvelope, parsed);
    if (!env.success) return this.notFazt(res);
    const { code, message, details } = env.output.error;
    const known = KNOWN_CODES.has(code)
      ? (code as ErrorCode)
      : res.status >= 500
        ? "INTERNAL"
        : "BAD_REQUEST";
    // The server's own words; say which peer when that is not obvious from them.
    let said = message;
    if (res.status === 401) {
      said = `${this.name} refused the key: ${message}${this.#refusedHint ? ` (${this.#refusedHint})` : ""}`;
    } else if (res.status >= 500) {
      said = `${this.name}: ${message}`;
    }
    return new FaztError(known, said, { status: res.status, details });
  }

  /** An answer that is not the fazt API: a proxy page, the wrong URL, a redirect. */
  private notFazt(res: Response, why?: string): FaztError {
    const status = `${res.status}${res.statusText ? ` ${res.statusText}` : ""}`;
    const location = res.headers.get("location");
    const more = location ? `, redirecting to ${location}` : why ? ` (${why})` : "";
    return new FaztError(
      "UNAVAILABLE",
      `${this.name} at ${this.url} answered ${status}${more}: is this the admin address of a fazt instance?`,
    );
  }

  private unreachable(e: unknown, timeoutMs: number): FaztError {
    const err = e as { name?: string; code?: string; message?: string };
    const reason =
      err.name === "TimeoutError"
        ? `no answer within ${Math.round(timeoutMs / 1000)} s`
        : err.code === "ECONNREFUSED" || err.code === "ConnectionRefused"
          ? "connection refused"
          : err.code === "ENOTFOUND"
            ? "host not found"
            : err.code === "ECONNRESET" || err.code === "ConnectionClosed"
              ? "connection reset"
              : (err.message ?? String(e)).replace(/\s*\n\s*/g, " ");
    const hint = this.local ? " — is `fazt server start` running?" : "";
    return new FaztError("UNAVAILABLE", `cannot reach ${this.name} at ${this.url}: ${reason}${hint}`, {
      cause: e,
    });
  }
}
