import { type ArgsDef, type CommandDef, renderUsage, runCommand } from "citty";
import { FaztError } from "../core/index.ts";
import { extractGlobals } from "./globals.ts";
import { printedResult } from "./output.ts";
import { beginSession, endSession } from "./session.ts";
import { closest } from "./suggest.ts";

type AnyCommand = CommandDef<ArgsDef>;

async function resolve<T>(v: T | Promise<T> | (() => T | Promise<T>) | undefined): Promise<T | undefined> {
  return typeof v === "function" ? await (v as () => T | Promise<T>)() : await v;
}

/** Walks the command tree along argv: the command to run, its parent, and its own arguments. */
async function findCommand(
  root: AnyCommand,
  argv: string[],
): Promise<{ cmd: AnyCommand; parent?: AnyCommand; args: string[]; path: string[] }> {
  let cmd = root;
  let parent: AnyCommand | undefined;
  let args = argv;
  const path: string[] = [];
  for (;;) {
    const subs = await resolve(cmd.subCommands);
    if (!subs || Object.keys(subs).length === 0) break;
    const idx = args.findIndex((a) => !a.startsWith("-"));
    if (idx < 0) break;
    const name = args[idx]!;
    const sub = subs[name] ? await resolve(subs[name]) : undefined;
    if (!sub) {
      const where = path.length ? `fazt ${path.join(" ")}` : "fazt";
      const guess = closest(name, Object.keys(subs));
      const hint = guess ? `: did you mean "${[...path, guess].join(" ")}"?` : "";
      throw new FaztError(
        "USAGE",
        `unknown command "${[...path, name].join(" ")}"${hint} (see \`${where} --help\`)`,
      );
    }
    parent = cmd;
    cmd = sub as AnyCommand;
    path.push(name);
    args = [...args.slice(0, idx), ...args.slice(idx + 1)];
  }
  return parent ? { cmd, parent, args, path } : { cmd, args, path };
}

/** A required argument in plain words: "The folder to deploy (…)" → "the folder to deploy". */
function plainWords(def: { description?: string; valueHint?: string }, fallback: string): string {
  const text = (def.description ?? "").replace(/\s*\(.*?\)\s*/g, " ").trim();
  if (/^the\s/i.test(text)) return text.charAt(0).toLowerCase() + text.slice(1);
  return def.valueHint ?? fallback.toUpperCase();
}

/**
 * citty accepts any flag silently; a typo would then do something else than
 * asked. Refuse unknown flags (suggesting the nearest), missing values, stray
 * arguments and missing required ones (named in plain words) up front.
 */
function checkArgs(defs: ArgsDef, argv: string[], path: string[]): void {
  const kebab = (s: string) => s.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
  const byFlag = new Map<string, { type: string; name: string }>();
  const positionals: Array<{ name: string; required: boolean; hint: string; words: string }> = [];
  const requiredFlags: Array<{ name: string; hint: string }> = [];
  for (const [name, def] of Object.entries(defs)) {
    const type = def.type ?? "string";
    const required = "required" in def && def.required === true;
    const hint = ("valueHint" in def && def.valueHint) || name.toUpperCase();
    if (type === "positional") {
      positionals.push({ name, required, hint, words: plainWords(def, name) });
      continue;
    }
    if (required && type !== "boolean") requiredFlags.push({ name: kebab(name), hint });
    const aliases = "alias" in def && def.alias ? (Array.isArray(def.alias) ? def.alias : [def.alias]) : [];
    for (const n of [name, kebab(name), ...aliases]) byFlag.set(n, { type, name: kebab(name) });
    if (type === "boolean") byFlag.set(`no-${kebab(name)}`, { type, name: kebab(name) });
  }
  const command = path.join(" ");
  const cmd = `fazt ${command}`.trim();
  let seen = 0;
  const given = new Set<string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "--") {
      seen += argv.length - i - 1;
      break;
    }
    if (!arg.startsWith("-") || arg === "-") {
      if (++seen > positionals.length)
        throw new FaztError("USAGE", `unexpected argument "${arg}" (see \`${cmd} --help\`)`);
      continue;
    }
    const body = arg.replace(/^--?/, "");
    const eq = body.indexOf("=");
    const name = eq < 0 ? body : body.slice(0, eq);
    const def = byFlag.get(name);
    if (!def) {
      const guess = closest(
        name,
        [...byFlag.keys()].filter((n) => n.length > 1),
      );
      const hint = guess ? `: did you mean --${guess}?` : "";
      throw new FaztError("USAGE", `unknown option ${arg.split("=")[0]}${hint} (see \`${cmd} --help\`)`);
    }
    given.add(def.name);
    if (def.type !== "boolean" && eq < 0) {
      const next = argv[i + 1];
      if (next === undefined || (next.startsWith("-") && next !== "-")) {
        throw new FaztError("USAGE", `--${name} needs a value`);
      }
      i++;
    }
  }
  const synopsis = () =>
    [
      cmd,
      ...positionals.filter((p) => p.required).map((p) => p.hint),
      ...requiredFlags.map((f) => `--${f.name} ${f.hint}`),
    ].join(" ");
  const missing = positionals.filter((p) => p.required)[seen];
  if (missing) throw new FaztError("USAGE", `${command} needs ${missing.words}: ${synopsis()}`);
  const flag = requiredFlags.find((f) => !given.has(f.name));
  if (flag) throw new FaztError("USAGE", `${command} needs --${flag.name} ${flag.hint}: ${synopsis()}`);
}

const ANSI = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, "g");
const stripAnsi = (s: string) => s.replace(ANSI, "");

/**
 * `fazt --version`/`-v` is `fazt version`; `fazt help [COMMAND…]` is
 * `fazt COMMAND… --help`. Only as the first word: deeper down, flags belong
 * to the command.
 */
function expandShorthands(rest: string[]): string[] {
  const [first, ...more] = rest;
  if (first === "--version" || first === "-v") return ["version", ...more];
  if (first === "help") return [...more, "--help"];
  return rest;
}

/** `--format json` asked for, read leniently: the error to report may be in the globals themselves. */
function wantsJson(argv: string[]): boolean {
  return argv.some((a, i) => a === "--format=json" || (a === "--format" && argv[i + 1] === "json"));
}

/**
 * Runs the CLI; returns the exit code. Errors are one line on stderr (a stack
 * only with FAZT_DEBUG=1) and, under `--format json`, also
 * `{"error": {"code", "message"}}` on stdout for scripts.
 */
export async function runCli(root: AnyCommand, argv: string[]): Promise<number> {
  try {
    const { globals, rest: given } = extractGlobals(argv);
    const rest = expandShorthands(given);
    const { cmd, parent, args, path } = await findCommand(root, rest);
    const subs = await resolve(cmd.subCommands);
    const isGroup = !!subs && Object.keys(subs).length > 0;
    if (args.includes("--help") || args.includes("-h") || (isGroup && !cmd.run)) {
      // citty prefixes only the direct parent's name; give it the whole path so usage reads `fazt server start`.
      const prefix = parent ? { meta: { name: ["fazt", ...path.slice(0, -1)].join(" ") } } : undefined;
      const usage = await renderUsage(cmd, prefix);
      // citty colours its usage unconditionally; colours belong on a terminal only.
      process.stdout.write(`${process.stdout.isTTY ? usage : stripAnsi(usage)}\n`);
      return 0;
    }
    checkArgs((await resolve(cmd.args)) ?? {}, args, path);
    beginSession(globals);
    await runCommand(cmd, { rawArgs: args });
    return 0;
  } catch (err) {
    const message = (err instanceof Error ? err.message : String(err)).replace(/\s*\n\s*/g, " ");
    if (wantsJson(argv) && !printedResult()) {
      const code = err instanceof FaztError ? err.code : "INTERNAL";
      const details = err instanceof FaztError ? err.details : undefined;
      const error = details === undefined ? { code, message } : { code, message, details };
      process.stdout.write(`${JSON.stringify({ error }, null, 2)}\n`);
    }
    process.stderr.write(`fazt: ${message}\n`);
    if (process.env.FAZT_DEBUG === "1" && err instanceof Error && err.stack)
      process.stderr.write(`${err.stack}\n`);
    return err instanceof FaztError && err.code === "USAGE" ? 2 : 1;
  } finally {
    endSession();
  }
}
