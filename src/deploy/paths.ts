import { FaztError } from "../core/index.ts";

const MAX_PATH = 1024;

/**
 * Checks one path of a deploy (manifest entry or zip entry) and returns it in
 * canonical form. Refused: absolute paths, `..`, `.` and empty segments,
 * backslashes, NUL and other control characters, over-long paths. A refusal
 * is a 400 naming the path; nothing is written before every path passed.
 */
export function checkDeployPath(raw: string): string {
  const bad = (why: string) =>
    new FaztError("VALIDATION_FAILED", `refused path ${JSON.stringify(raw.slice(0, 200))}: ${why}`, {
      details: { path: raw.slice(0, 200) },
    });
  if (typeof raw !== "string" || raw.length === 0) throw bad("empty");
  if (raw.length > MAX_PATH) throw bad(`longer than ${MAX_PATH} characters`);
  if (raw.includes("\\")) throw bad("backslashes are not allowed");
  // biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point
  if (/[\u0000-\u001f\u007f]/.test(raw)) throw bad("control characters are not allowed");
  if (raw.startsWith("/") || /^[A-Za-z]:/.test(raw)) throw bad("absolute paths are not allowed");
  const segments = raw.split("/");
  for (const seg of segments) {
    if (seg === "..") throw bad("'..' is not allowed");
    if (seg === "." || seg === "") throw bad("empty or '.' segments are not allowed");
  }
  return raw.normalize("NFC");
}
