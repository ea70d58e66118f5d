/**
 * One raw HTTP/1.1 request over a plain socket, with the request wrk sends (no
 * Accept-Encoding): used to check, before measuring, that every server
 * answers 200 with the same bytes, uncompressed, on a keep-alive connection,
 * and to see how many header bytes each adds to a response. A GET unless
 * `init` says otherwise (bench/runtime POSTs a JSON body).
 */

export interface Probe {
  status: number;
  headers: Record<string, string>;
  /** Length of the status line and headers, with the blank line. */
  headerBytes: number;
  body: Uint8Array;
}

export interface ProbeInit {
  method?: string;
  /** Sent with its Content-Length. */
  body?: string;
  headers?: Record<string, string>;
}

export async function probe(
  port: number,
  host: string,
  path: string,
  timeoutMs = 5000,
  init: ProbeInit = {},
): Promise<Probe> {
  const method = init.method ?? "GET";
  const body = init.body === undefined ? undefined : new TextEncoder().encode(init.body);
  const extra = Object.entries({
    ...init.headers,
    ...(body === undefined ? {} : { "Content-Length": String(body.byteLength) }),
  })
    .map(([k, v]) => `${k}: ${v}\r\n`)
    .join("");
  const request = `${method} ${path} HTTP/1.1\r\nHost: ${host}\r\n${extra}\r\n${init.body ?? ""}`;
  const chunks: Uint8Array[] = [];
  let received = 0;
  return await new Promise<Probe>((resolve, reject) => {
    let head: {
      status: number;
      headers: Record<string, string>;
      headerBytes: number;
      length: number;
    } | null = null;
    const timer = setTimeout(
      () => reject(new Error(`${method} ${path} on :${port}: no full answer in ${timeoutMs} ms`)),
      timeoutMs,
    );
    const all = () => {
      const buf = new Uint8Array(received);
      let at = 0;
      for (const c of chunks) {
        buf.set(c, at);
        at += c.byteLength;
      }
      return buf;
    };
    void Bun.connect({
      hostname: "127.0.0.1",
      port,
      socket: {
        open(s) {
          s.write(request);
        },
        data(s, data) {
          chunks.push(new Uint8Array(data));
          received += data.byteLength;
          const buf = all();
          if (!head) {
            const text = new TextDecoder("latin1").decode(buf);
            const end = text.indexOf("\r\n\r\n");
            if (end < 0) return;
            const lines = text.slice(0, end).split("\r\n");
            const status = Number(lines[0]!.split(" ")[1]);
            const headers: Record<string, string> = {};
            for (const line of lines.slice(1)) {
              const colon = line.indexOf(":");
              headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
            }
            const length = Number(headers["content-length"]);
            if (!Number.isFinite(length)) {
              clearTimeout(timer);
              s.end();
              reject(new Error(`${method} ${path} on :${port}: no content-length (${lines[0]})`));
              return;
            }
            head = { status, headers, headerBytes: end + 4, length };
          }
          if (buf.byteLength >= head.headerBytes + head.length) {
            clearTimeout(timer);
            s.end();
            resolve({
              status: head.status,
              headers: head.headers,
              headerBytes: head.headerBytes,
              body: buf.slice(head.headerBytes, head.headerBytes + head.length),
            });
          }
        },
        error(_s, err) {
          clearTimeout(timer);
          reject(err);
        },
      },
    }).catch((err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
}
