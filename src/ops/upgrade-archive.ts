/**
 * The one regular file `fazt` out of a release `.tar.gz` (ustar/GNU/pax),
 * parsed here rather than by a `tar` binary so that nothing but a plain file
 * can come out.
 */
import { gunzipSync } from "node:zlib";
import { FaztError } from "../core/index.ts";

/** No fazt binary is anywhere near this; a bigger one is not a release. */
const MAX_BINARY_BYTES = 600 * 1024 * 1024;

export function extractFazt(archive: Uint8Array): Uint8Array {
  let tar: Uint8Array;
  try {
    tar = new Uint8Array(gunzipSync(archive, { maxOutputLength: MAX_BINARY_BYTES + 1024 * 1024 }));
  } catch (e) {
    throw new FaztError("UNAVAILABLE", "the release archive is not a readable .tar.gz", {
      status: 502,
      cause: e,
    });
  }
  const text = (from: number, len: number) => {
    const slice = tar.subarray(from, from + len);
    const nul = slice.indexOf(0);
    return new TextDecoder().decode(nul < 0 ? slice : slice.subarray(0, nul));
  };
  let found: Uint8Array | undefined;
  let longName: string | undefined;
  let paxPath: string | undefined;
  for (let off = 0; off + 512 <= tar.length; ) {
    const header = tar.subarray(off, off + 512);
    if (header.every((b) => b === 0)) break;
    const size = Number.parseInt(text(off + 124, 12).trim() || "0", 8);
    if (!Number.isSafeInteger(size) || size < 0 || off + 512 + size > tar.length) {
      throw new FaztError("UNAVAILABLE", "the release archive is truncated or corrupt", { status: 502 });
    }
    const type = String.fromCharCode(header[156] ?? 0);
    const at = off;
    const body = tar.subarray(off + 512, off + 512 + size);
    off += 512 + Math.ceil(size / 512) * 512;
    if (type === "L") {
      longName = new TextDecoder().decode(body).replace(/\0.*$/s, "");
      continue;
    }
    if (type === "x") {
      const m = /(?:^|\n)\d+ path=([^\n]*)\n/.exec(new TextDecoder().decode(body));
      paxPath = m?.[1];
      continue;
    }
    if (type === "g") continue;
    // Only POSIX ustar has a name prefix there; GNU tar keeps times in those bytes.
    const posix = text(at + 257, 6) === "ustar" && tar[at + 262] === 0;
    const prefix = posix ? text(at + 345, 155) : "";
    const raw = text(at, 100);
    const name = (paxPath ?? longName ?? (prefix ? `${prefix}/${raw}` : raw)).replace(/^\.\//, "");
    longName = undefined;
    paxPath = undefined;
    if (name === "" || name === "." || name === "./") continue;
    if (name !== "fazt" || (type !== "0" && type !== "\0")) {
      throw new FaztError(
        "UNAVAILABLE",
        `the release archive holds "${name}"; expected one file named fazt`,
        {
          status: 502,
        },
      );
    }
    if (found) throw new FaztError("UNAVAILABLE", "the release archive holds fazt twice", { status: 502 });
    found = body;
  }
  if (!found || found.byteLength === 0) {
    throw new FaztError("UNAVAILABLE", "the release archive holds no fazt binary", { status: 502 });
  }
  return found;
}
