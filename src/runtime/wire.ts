/** What crosses between the serving thread and the runtime workers (structured-clone safe). */

export interface WireUser {
  id: string;
  email: string | null;
  name: string | null;
  picture: string | null;
  role: "owner" | "admin" | "user";
  provider: string | null;
}

export interface WireFile {
  field: string;
  name: string;
  type: string;
  size: number;
  /** base64 */
  data: string;
}

export interface WireRequest {
  method: string;
  url: string;
  path: string;
  /** First value per key (classic style). */
  query: Record<string, string>;
  /** Lower-case names; the session cookie already removed. */
  headers: Record<string, string>;
  /** Raw body, base64. */
  body: string;
  /** Classic style's `request.body`: parsed JSON, form fields, or the text. */
  parsed: unknown;
  files: WireFile[];
  form?: { fields: Record<string, string>; files: WireFile[] };
}

export interface WireResponse {
  status: number;
  headers: Record<string, string>;
  /** A text body, as it is (most handlers answer text or JSON)… */
  text?: string;
  /** …or bytes, base64. */
  body?: string;
}

export interface RunMessage {
  type: "run";
  id: number;
  app: { id: string; name: string; versionId: string };
  req: WireRequest;
  user: WireUser | null;
  requestId: string;
  browser: boolean;
  /** Read from the config per request: a change applies to the next request (memory: to the next runtime). */
  limits: {
    timeoutMs: number;
    memoryBytes: number;
    stackBytes: number;
    /** The instance's env is `development`: thrown messages reach the client. */
    development?: boolean;
  };
}

export interface DoneMessage {
  type: "done";
  id: number;
  res: WireResponse;
  /**
   * The worker's QuickJS instance may be unsound (a runtime stopped mid-way
   * cannot always be torn down): the pool replaces the worker.
   */
  recycle?: boolean;
}
