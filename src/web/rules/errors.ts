import { FaztError } from "../../core/index.ts";

/**
 * Rules per file. Netlify's own parser tests use a 10,000-rule `_headers`
 * and a 45,000-rule `_redirects`; matching cost does not grow with the count
 * (`path-index.ts`), only the parse at deploy and the compile at first load.
 */
export const MAX_RULES = 100_000;

export type RulesFile = "_redirects" | "_headers";

/** A 400 naming the file and the line, with both in `details` (for `app validate`). */
export const lineError = (file: RulesFile, line: number, why: string): FaztError =>
  new FaztError("VALIDATION_FAILED", `${file} line ${line}: ${why}`, { details: { file, line } });

export const tooManyRules = (file: RulesFile, line: number): FaztError =>
  new FaztError(
    "PAYLOAD_TOO_LARGE",
    `${file} line ${line}: more than ${MAX_RULES.toLocaleString("en-US")} rules`,
    { details: { file, line } },
  );
