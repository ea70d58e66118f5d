/**
 * The admin API client: the same public API the CLI speaks (`{"data": …}` or
 * `{"error": {code, message}}`). A 401 means the session ended: back to sign-in.
 */

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export interface Page<T> {
  data: T;
  meta?: { total: number; limit: number; offset: number };
}

/** Sends the browser to the sign-in page, coming back to where it was. */
export function toSignIn(): void {
  const here = location.pathname + location.search;
  location.replace(`/auth/login?redirect=${encodeURIComponent(here)}`);
}

async function errorOf(res: Response): Promise<ApiError> {
  let code = `HTTP_${res.status}`;
  let message = `${res.status} ${res.statusText || "error"}`;
  try {
    const body = (await res.json()) as { error?: { code?: string; message?: string } };
    if (body.error?.code) code = body.error.code;
    if (body.error?.message) message = body.error.message;
  } catch {
    // not JSON: keep the status line
  }
  return new ApiError(res.status, code, message);
}

/** One request; resolves to the whole envelope (data and meta). */
export async function request<T>(method: string, path: string, body?: unknown): Promise<Page<T>> {
  const init: RequestInit = { method, headers: { accept: "application/json" }, credentials: "same-origin" };
  if (body instanceof FormData) init.body = body;
  else if (body instanceof Blob) {
    init.body = body;
    (init.headers as Record<string, string>)["content-type"] = "application/octet-stream";
  } else if (body !== undefined) {
    init.body = JSON.stringify(body);
    (init.headers as Record<string, string>)["content-type"] = "application/json";
  }
  let res: Response;
  try {
    res = await fetch(path, init);
  } catch {
    throw new ApiError(0, "NETWORK", "the server could not be reached");
  }
  if (res.status === 401) {
    toSignIn();
    throw await errorOf(res);
  }
  if (!res.ok) throw await errorOf(res);
  return (await res.json()) as Page<T>;
}

export const get = async <T>(path: string) => (await request<T>("GET", path)).data;
export const post = async <T>(path: string, body?: unknown) => (await request<T>("POST", path, body)).data;
export const put = async <T>(path: string, body?: unknown) => (await request<T>("PUT", path, body)).data;
export const patch = async <T>(path: string, body?: unknown) => (await request<T>("PATCH", path, body)).data;
export const del = async <T>(path: string) => (await request<T>("DELETE", path)).data;

/** A message fit for a banner, whatever was thrown. */
export function messageOf(err: unknown): string {
  if (err instanceof ApiError) return err.message;
  if (err instanceof Error) return err.message;
  return String(err);
}

/** `encodeURIComponent` for one path segment (app names, ids). */
export const seg = encodeURIComponent;
