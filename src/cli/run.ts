import { type ArgsDef, type CommandDef, renderUsage, runCommand } from "citty";
import { FaztError } from "../core/errors.ts";
import { extractGlobals } from "./globals.ts";
import { beginSession, endSession } from "./session.ts";

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
      throw new FaztError(
        "USAGE",
        `unknown command "${[...path, name].join(" ")}" (see \`${where} --help\`)`,
      );
    }
    parent = cmd;
    cmd = sub as AnyCommand;
    path.push(name);
    args = [...args.slice(0, idx), ...args.slice(idx + 1)];
  }
  return parent ? { cmd, parent, args, path } : { cmd, args, path };
}

/**
 * citty accepts any flag silently; a typo would then do something else than
 * asked. Refuse unknown flags, missing values and stray arguments up front.
 */
function checkArgs(defs: ArgsDef, argv: string[], path: string[]): void {
  const kebab = (s: string) => s.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
  const byFlag = new Map<string, { type: string }>();
  let positionals = 0;
  for (const [name, def] of Object.entries(defs)) {
    const type = def.type ?? "string";
    if (type === "positional") {
      positionals++;
      continue;
    }
    const aliases = "alias" in def && def.alias ? (Array.isArray(def.alias) ? def.alias : [def.alias]) : [];
    for (const n of [name, kebab(name), ...aliases]) byFlag.set(n, { type });
    if (type === "boolean") byFlag.set(`no-${kebab(name)}`, { type });
  }
  const cmd = `fazt ${path.join(" ")}`.trim();
  let seen = 0;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "--") break;
    if (!arg.startsWith("-") || arg === "-") {
      if (++seen > positionals)
        throw new FaztError("USAGE", `unexpected argument "${arg}" (see \`${cmd} --help\`)`);
      continue;
    }
    const body = arg.replace(/^--?/, "");
    const eq = body.indexOf("=");
    const name = eq < 0 ? body : body.slice(0, eq);
    const def = byFlag.get(name);
    if (!def) throw new FaztError("USAGE", `unknown option ${arg.split("=")[0]} (see \`${cmd} --help\`)`);
    if (def.type !== "boolean" && eq < 0) {
      const next = argv[i + 1];
      if (next === undefined || (next.startsWith("-") && next !== "-")) {
        throw new FaztError("USAGE", `--${name} needs a value`);
      }
      i++;
    }
  }
}

const ANSI = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, "g");
const stripAnsi = (s: string) => s.replace(ANSI, "");

/** Runs the CLI; returns the exit code. Errors are one line on stderr (a stack only with FAZT_DEBUG=1). */
export async function runCli(root: AnyCommand, argv: string[]): Promise<number> {
  try {
    const { globals, rest } = extractGlobals(argv);
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
    const message = err instanceof Error ? err.message : String(err);
    process.stderr.write(`fazt: ${message.replace(/\s*\n\s*/g, " ")}\n`);
    if (process.env.FAZT_DEBUG === "1" && err instanceof Error && err.stack)
      process.stderr.write(`${err.stack}\n`);
    return err instanceof FaztError && err.code === "USAGE" ? 2 : 1;
  } finally {
    endSession();
  }
}
