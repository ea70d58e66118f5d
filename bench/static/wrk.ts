/**
 * Runs `wrk` and reads its summary. A run with any error is a failed
 * measurement, not a slow one: wrk counts responses that are neither 2xx nor
 * 3xx ("Non-2xx or 3xx responses") and socket errors, and the bench stops on
 * either. 3xx answers (which wrk does not flag) are ruled out by size: the
 * bytes read per response must cover the file's own length.
 */

export interface WrkResult {
  requestsPerSec: number;
  /** Bytes per second, all of the response (headers and body). */
  bytesPerSec: number;
  requests: number;
  /** Bytes read per response, headers included (wrk's rounded total / requests). */
  bytesPerResponse: number;
  latencyAvgMs: number;
  /** The 99th percentile of latency, when the run asked for the distribution (`latency`). */
  latencyP99Ms?: number;
}

const UNITS: Record<string, number> = { B: 1, KB: 1024, MB: 1024 ** 2, GB: 1024 ** 3, TB: 1024 ** 4 };

function bytes(n: string, unit: string): number {
  const factor = UNITS[unit];
  if (factor === undefined) throw new Error(`wrk: unknown unit ${unit}`);
  return Number(n) * factor;
}

function ms(n: string, unit: string): number {
  return Number(n) * ({ us: 0.001, ms: 1, s: 1000, m: 60_000 }[unit] ?? Number.NaN);
}

export function parseWrk(out: string): WrkResult {
  const need = (re: RegExp, what: string) => {
    const m = re.exec(out);
    if (!m) throw new Error(`wrk: no ${what} in its output:\n${out}`);
    return m;
  };
  const rps = need(/^Requests\/sec:\s+([\d.]+)/m, "Requests/sec");
  const tps = need(/^Transfer\/sec:\s+([\d.]+)([KMGT]?B)/m, "Transfer/sec");
  const total = need(/(\d+) requests in [\d.]+\w+, ([\d.]+)([KMGT]?B) read/, "request count");
  const latency = need(/Latency\s+([\d.]+)(us|ms|s|m)\b/, "latency");
  const requests = Number(total[1]);
  // With --latency: "Latency Distribution" lines such as "     99%    1.02ms".
  const p99 = /^\s+99%\s+([\d.]+)(us|ms|s|m)\s*$/m.exec(out);
  return {
    requestsPerSec: Number(rps[1]),
    bytesPerSec: bytes(tps[1]!, tps[2]!),
    requests,
    bytesPerResponse: bytes(total[2]!, total[3]!) / requests,
    latencyAvgMs: ms(latency[1]!, latency[2]!),
    ...(p99 ? { latencyP99Ms: ms(p99[1]!, p99[2]!) } : {}),
  };
}

/** Problems wrk reported; empty when the run was clean. */
export function wrkErrors(out: string): string[] {
  const errors: string[] = [];
  const non2xx = /Non-2xx or 3xx responses:\s+(\d+)/.exec(out);
  if (non2xx && Number(non2xx[1]) > 0) errors.push(`${non2xx[1]} responses were neither 2xx nor 3xx`);
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  if (socket?.slice(1).some((n) => Number(n) > 0)) errors.push(socket[0]);
  return errors;
}

export interface WrkOptions {
  url: string;
  host: string;
  threads: number;
  connections: number;
  seconds: number;
  /** A Lua script for wrk (`-s`), e.g. one that POSTs a body. */
  script?: string;
  /** Also print the latency distribution (`--latency`): WrkResult.latencyP99Ms. */
  latency?: boolean;
}

/**
 * One wrk run; throws when wrk fails or reports errors, or the responses are
 * shorter than `minBytes` or longer than `maxBytes` (per response, headers
 * included, 1% either way for wrk's rounding).
 */
export async function wrk(
  bin: string,
  o: WrkOptions,
  minBytes: number,
  maxBytes = Number.POSITIVE_INFINITY,
): Promise<WrkResult> {
  const cmd = [
    bin,
    `-t${o.threads}`,
    `-c${o.connections}`,
    `-d${o.seconds}s`,
    "--timeout",
    "10s",
    "-H",
    `Host: ${o.host}`,
    ...(o.script === undefined ? [] : ["-s", o.script]),
    ...(o.latency ? ["--latency"] : []),
    o.url,
  ];
  const p = Bun.spawn(cmd, { stdout: "pipe", stderr: "pipe" });
  const [out, err] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text()]);
  await p.exited;
  if (p.exitCode !== 0) throw new Error(`${cmd.join(" ")} failed (${p.exitCode}):\n${err}${out}`);
  const errors = wrkErrors(out);
  if (errors.length > 0) throw new Error(`${cmd.join(" ")}: ${errors.join("; ")}\n${out}`);
  const result = parseWrk(out);
  if (result.requests === 0) throw new Error(`${cmd.join(" ")}: no request completed\n${out}`);
  // wrk's total is rounded to 2 decimals of its unit: allow 1% under.
  if (result.bytesPerResponse < minBytes * 0.99) {
    throw new Error(
      `${cmd.join(" ")}: ${result.bytesPerResponse.toFixed(0)} bytes per response, the file is ${minBytes} (redirects or errors?)\n${out}`,
    );
  }
  if (result.bytesPerResponse > maxBytes * 1.01) {
    throw new Error(
      `${cmd.join(" ")}: ${result.bytesPerResponse.toFixed(0)} bytes per response, more than the ${maxBytes} expected (errors?)\n${out}`,
    );
  }
  return result;
}
