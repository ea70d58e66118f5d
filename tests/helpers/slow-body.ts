/**
 * Request bodies sent the way an attacker sends them, over plain TCP: a long
 * chunked body fed piece by piece (stopping as soon as the server answers),
 * or a request held open with its body half sent. `localAddress` binds the
 * client's side to another loopback address (127.0.0.2) to be a second client.
 */
import net from "node:net";

export interface StreamedResponse {
  status: number;
  headers: Headers;
  body: string;
  /** Body bytes written before the server answered (or the whole body). */
  sent: number;
  /** Whether the server closed the connection after answering. */
  closed: boolean;
}

export interface RequestHead {
  method: string;
  target: string;
  host?: string;
  headers?: Record<string, string>;
  localAddress?: string;
}

const head = (r: RequestHead, extra: string[]) =>
  `${[
    `${r.method} ${r.target} HTTP/1.1`,
    `Host: ${r.host ?? "localhost"}`,
    ...Object.entries(r.headers ?? {}).map(([k, v]) => `${k}: ${v}`),
    ...extra,
  ].join("\r\n")}\r\n\r\n`;

/** A chunked body's contents, or null while its last chunk has not arrived. */
function dechunk(raw: Buffer): string | null {
  const parts: Buffer[] = [];
  let at = 0;
  for (;;) {
    const eol = raw.indexOf("\r\n", at);
    if (eol < 0) return null;
    const size = Number.parseInt(raw.subarray(at, eol).toString("latin1"), 16);
    if (Number.isNaN(size)) return null;
    if (size === 0) return Buffer.concat(parts).toString("utf8");
    if (raw.length < eol + 2 + size + 2) return null;
    parts.push(raw.subarray(eol + 2, eol + 2 + size));
    at = eol + 2 + size + 2;
  }
}

/** Collects one response: resolves when it is complete (by Content-Length) or the socket closes. */
function responseOf(socket: net.Socket, sent: () => number): Promise<StreamedResponse> {
  return new Promise((resolve, reject) => {
    let data = Buffer.alloc(0);
    let settled = false;
    let closed = false;
    const parse = (final: boolean) => {
      if (settled) return;
      const split = data.indexOf("\r\n\r\n");
      if (split < 0) {
        if (final) {
          settled = true;
          reject(new Error(`the connection closed without a response (${data.length} bytes)`));
        }
        return;
      }
      const [statusLine = "", ...lines] = data.subarray(0, split).toString("latin1").split("\r\n");
      const headers = new Headers();
      for (const line of lines) {
        const colon = line.indexOf(":");
        if (colon > 0) headers.append(line.slice(0, colon).trim(), line.slice(colon + 1).trim());
      }
      const length = Number(headers.get("content-length") ?? "-1");
      const body = data.subarray(split + 4);
      const chunked = headers.get("transfer-encoding")?.toLowerCase() === "chunked";
      const text = chunked
        ? dechunk(body)
        : body.subarray(0, length < 0 ? body.length : length).toString("utf8");
      if (!final && (chunked ? text === null : length < 0 || body.length < length)) return;
      settled = true;
      const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine)?.[1] ?? "0");
      const done = () =>
        resolve({ status, headers, body: text ?? "", sent: sent(), closed: closed || socket.destroyed });
      // A server that says `Connection: close` is given the chance to close before we look.
      if (headers.get("connection")?.toLowerCase() === "close" && !closed) socket.once("close", done);
      else done();
    };
    socket.on("data", (chunk: Buffer) => {
      data = Buffer.concat([data, chunk]);
      parse(false);
    });
    socket.on("error", () => {}); // EPIPE/ECONNRESET once the server cut the upload: expected
    socket.on("close", () => {
      closed = true;
      parse(true);
    });
  });
}

/**
 * Sends `total` bytes as a chunked body in `chunkBytes` pieces, waiting for the
 * socket to drain and `pauseMs` between pieces, and stops sending as soon as
 * the server answers.
 */
export function streamChunked(
  port: number,
  req: RequestHead,
  opts: { total: number; chunkBytes?: number; pauseMs?: number },
): Promise<StreamedResponse> {
  const chunkBytes = opts.chunkBytes ?? 64 * 1024;
  const piece = Buffer.concat([
    Buffer.from(`${chunkBytes.toString(16)}\r\n`),
    Buffer.alloc(chunkBytes, 0x61),
    Buffer.from("\r\n"),
  ]);
  let sent = 0;
  let answered = false;
  const socket = net.connect({ host: "127.0.0.1", port, localAddress: req.localAddress });
  const response = responseOf(socket, () => sent);
  socket.once("data", () => {
    answered = true;
  });
  socket.once("close", () => {
    answered = true;
  });
  socket.once("connect", async () => {
    socket.write(head(req, ["Transfer-Encoding: chunked"]));
    while (sent < opts.total && !answered) {
      if (!socket.write(piece)) await new Promise((r) => socket.once("drain", r).once("close", r));
      sent += chunkBytes;
      await Bun.sleep(opts.pauseMs ?? 1);
    }
    if (!answered) socket.write("0\r\n\r\n");
  });
  return response.finally(() => socket.destroy());
}

/** Sends a request's head (and `body`, if any) and reads the response, leaving the rest unsent. */
export function sendHead(port: number, req: RequestHead, body = ""): Promise<StreamedResponse> {
  const socket = net.connect({ host: "127.0.0.1", port, localAddress: req.localAddress });
  const response = responseOf(socket, () => body.length);
  socket.once("connect", () => socket.write(`${head(req, [])}${body}`));
  return response.finally(() => socket.destroy());
}

export interface HeldRequest {
  /** The response, once the server answers. */
  response: Promise<StreamedResponse>;
  /** Sends the rest of the body. */
  finish(): void;
}

/**
 * A request with its declared body only started (one byte of `body` sent):
 * the server is left waiting for the rest, a request in flight, until
 * `finish()`. Resolves once the head and that byte are written.
 */
export async function holdRequest(
  port: number,
  req: RequestHead,
  body = '{"held":true}',
): Promise<HeldRequest> {
  const socket = net.connect({ host: "127.0.0.1", port, localAddress: req.localAddress });
  const response = responseOf(socket, () => body.length).finally(() => socket.destroy());
  await new Promise<void>((resolve, reject) => {
    socket.once("error", reject);
    const start = `${head(req, [`Content-Length: ${Buffer.byteLength(body)}`])}${body.slice(0, 1)}`;
    socket.once("connect", () => socket.write(start, () => resolve()));
  });
  return { response, finish: () => socket.write(body.slice(1)) };
}
