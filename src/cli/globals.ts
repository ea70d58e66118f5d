import { FaztError } from "../core/index.ts";

export type Format = "text" | "json";

export interface Globals {
  /** `--db PATH`, wherever it stands on the line. */
  db?: string | undefined;
  format: Format;
  /** `fazt @PEER …`: the peer the command should act on. */
  peer?: string | undefined;
}

const PEER = /^@([a-z0-9][a-z0-9_-]{0,62})$/i;

/**
 * Takes the global flags out of argv once, centrally, so every command sees
 * the same values and none has to declare them: `--db`, `--format` (anywhere)
 * and a leading `@PEER`.
 */
export function extractGlobals(argv: string[]): { globals: Globals; rest: string[] } {
  const globals: Globals = { format: "text" };
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "--") {
      rest.push(...argv.slice(i));
      break;
    }
    const [flag, inline] = arg.startsWith("--") ? splitInline(arg) : [arg, undefined];
    if (flag === "--db" || flag === "--format") {
      const value = inline ?? argv[++i];
      if (value === undefined || value === "" || (inline === undefined && value.startsWith("-"))) {
        throw new FaztError("USAGE", `${flag} needs a value`);
      }
      if (flag === "--db") globals.db = value;
      else if (value === "json" || value === "text") globals.format = value;
      else throw new FaztError("USAGE", `--format must be json or text, not "${value}"`);
      continue;
    }
    if (rest.length === 0 && globals.peer === undefined && arg.startsWith("@")) {
      const m = PEER.exec(arg);
      if (!m) throw new FaztError("USAGE", `"${arg}" is not a peer name`);
      globals.peer = m[1]!.toLowerCase();
      continue;
    }
    rest.push(arg);
  }
  return { globals, rest };
}

function splitInline(arg: string): [string, string | undefined] {
  const eq = arg.indexOf("=");
  return eq < 0 ? [arg, undefined] : [arg.slice(0, eq), arg.slice(eq + 1)];
}
