/**
 * One HTTP/1.1 request over a plain TCP socket, with the request target sent
 * exactly as given: `fetch` (like any WHATWG URL user) resolves `..` and
 * `%2e%2e` before sending, so hostile paths need this.
 */
export interface RawResponse {
  status: number;
  headers: Headers;
  body: string;
}

export function rawRequest(
  port: number,
  target: string,
  opts: { host?: string; method?: string; headers?: Record<string, string> } = {},
): Promise<RawResponse> {
  const lines = [
    `${opts.method ?? "GET"} ${target} HTTP/1.1`,
    `Host: ${opts.host ?? "localhost"}`,
    "Connection: close",
    ...Object.entries(opts.headers ?? {}).map(([k, v]) => `${k}: ${v}`),
  ];
  const request = `${lines.join("\r\n")}\r\n\r\n`;
  return new Promise((resolve, reject) => {
    const chunks: Uint8Array[] = [];
    const done = () => {
      const text = new TextDecoder().decode(Buffer.concat(chunks));
      const split = text.indexOf("\r\n\r\n");
      const head = split < 0 ? text : text.slice(0, split);
      const [statusLine = "", ...headerLines] = head.split("\r\n");
      const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine)?.[1] ?? "0");
      const headers = new Headers();
      for (const line of headerLines) {
        const colon = line.indexOf(":");
        if (colon > 0) headers.append(line.slice(0, colon).trim(), line.slice(colon + 1).trim());
      }
      resolve({ status, headers, body: split < 0 ? "" : text.slice(split + 4) });
    };
    Bun.connect({
      hostname: "127.0.0.1",
      port,
      socket: {
        open(socket) {
          socket.write(request);
        },
        data(_socket, data) {
          chunks.push(new Uint8Array(data));
        },
        close: done,
        end: done,
        error(_socket, err) {
          reject(err);
        },
        connectError(_socket, err) {
          reject(err);
        },
      },
    }).catch(reject);
  });
}
