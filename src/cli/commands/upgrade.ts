import { existsSync, realpathSync } from "node:fs";
import { defineCommand } from "citty";
import * as v from "valibot";
import { DEFAULT_RELEASE_BASE_URL, parse, releaseBaseUrlSchema } from "../../core/index.ts";
import { readConfig } from "../../db/index.ts";
import {
  assertReplaceable,
  checkRelease,
  installedServices,
  performUpgrade,
  restartCommand,
  shellWord,
} from "../../ops/index.ts";
import { color, emit, table, warn } from "../output.ts";
import { session } from "../session.ts";

const versionSchema = v.pipe(
  v.string(),
  v.regex(/^v?\d+\.\d+\.\d+([-+][0-9A-Za-z.-]+)?$/, "must be a version such as 1.2.3"),
  v.transform((s) => s.replace(/^v/, "")),
);
/**
 * Where to look and whom to believe: `--base-url` > the stored `releaseBaseUrl`
 * (when there is a database) > the default; the stored `releasePublicKeys`
 * are trusted besides the compiled-in keys, whatever the base.
 */
async function releaseSource(flag: string | undefined): Promise<{ baseUrl: string; extraKeys: string[] }> {
  const fromFlag = flag === undefined ? undefined : parse(releaseBaseUrlSchema, flag, "--base-url");
  const s = session();
  let stored: { releaseBaseUrl: string | null; releasePublicKeys: string[] } | undefined;
  if (existsSync(s.dbPath)) {
    try {
      stored = readConfig(await s.openStore({ create: false }));
    } catch (e) {
      warn(
        `could not read the release settings from ${s.dbPath} (${e instanceof Error ? e.message : String(e)})`,
      );
    }
  }
  return {
    baseUrl: fromFlag ?? stored?.releaseBaseUrl ?? DEFAULT_RELEASE_BASE_URL,
    extraKeys: stored?.releasePublicKeys ?? [],
  };
}

/** Restarts an installed service that runs this very binary; otherwise says what to do. */
async function restartService(binary: string): Promise<string> {
  const same = (p: string | null) => {
    try {
      return p !== null && realpathSync(p) === binary;
    } catch {
      return false;
    }
  };
  const svc = installedServices().find((s) => same(s.binary));
  if (!svc) {
    const other = installedServices()[0];
    if (other?.binary) {
      return `The ${other.kind} service runs ${other.binary}, not this binary: upgrade that one (\`${shellWord(other.binary)} upgrade\`).`;
    }
    return "Restart the server to run the new version (stop `fazt server start` and start it again).";
  }
  const cmd = restartCommand(svc.kind);
  const p = Bun.spawnSync(cmd, { stdout: "pipe", stderr: "pipe", env: process.env });
  if (p.exitCode === 0) return `Restarted the ${svc.kind} service (${cmd.join(" ")}).`;
  warn(`\`${cmd.join(" ")}\` failed: ${p.stderr.toString().trim() || `exit ${p.exitCode}`}`);
  return `Restart the service yourself: ${svc.kind === "system" ? "sudo " : ""}${cmd.join(" ")}`;
}

export default defineCommand({
  meta: { name: "upgrade", description: "Replace this fazt with the newest release (or --version V)" },
  args: {
    check: { type: "boolean", description: "Only say whether a newer release exists" },
    version: { type: "string", description: "Install this version (also to go back)", valueHint: "V" },
    "base-url": {
      type: "string",
      description: `Where releases are, https:// or http:// on loopback (default: config releaseBaseUrl, else ${DEFAULT_RELEASE_BASE_URL})`,
      valueHint: "URL",
    },
  },
  async run({ args }) {
    const s = session();
    s.localOnly("upgrade");
    const version = args.version === undefined ? undefined : parse(versionSchema, args.version, "--version");
    const source = await releaseSource(args["base-url"]);

    if (args.check) {
      const c = await checkRelease({ ...source, version });
      const data = {
        current: c.current,
        available: c.available,
        upgrade: c.upgrade,
        platform: c.platform,
        url: c.url,
      };
      emit(s.globals.format, data, () =>
        [
          table([
            ["current", c.current],
            ["available", c.available],
            ["platform", c.platform],
          ]),
          c.upgrade
            ? `Run \`fazt upgrade${version ? ` --version ${version}` : ""}\` to install ${c.available}.`
            : `fazt ${c.current} is up to date.`,
        ].join("\n"),
      );
      return;
    }

    const target = realpathSync(process.execPath);
    assertReplaceable(target);
    const r = await performUpgrade({ ...source, version, target });
    if (!r.replaced) {
      emit(
        s.globals.format,
        { ...r, restart: null },
        () => `fazt ${r.current} is up to date (newest: ${r.available}).`,
      );
      return;
    }
    const restart = await restartService(r.binary);
    emit(s.globals.format, { ...r, restart }, () =>
      [
        `${color.green("Upgraded")} ${r.binary}: ${r.current} → ${r.available} (signature and sha256 checked).`,
        `Previous binary kept as ${r.previous} (to go back: mv it over ${r.binary}).`,
        restart,
      ].join("\n"),
    );
  },
});
