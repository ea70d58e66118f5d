/**
 * `fazt service …` (docs/operations.md): the systemd units and the Termux (runit)
 * service, rendered by pure functions so they can be checked without root or
 * systemd, plus where each kind lives on disk.
 */
import { existsSync, readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { FaztError, isTermux } from "../core/index.ts";

export type ServiceKind = "system" | "user" | "termux";

export const SYSTEM_UNIT_PATH = "/etc/systemd/system/fazt.service";
export const SYSTEM_USER = "fazt";
export const SYSTEM_HOME = "/var/lib/fazt";
export const SYSTEM_DB_PATH = `${SYSTEM_HOME}/data.db`;
/** Where a system service's binary is copied when it does not already sit in a root-owned folder. */
export const SYSTEM_BINARY = "/usr/local/bin/fazt";
export const SERVICE_NAME = "fazt";

/**
 * Set in every unit this command writes; the server reads it to know a
 * service manager will bring it back after `POST /api/upgrade` exits.
 */
export const SERVICE_ENV = "FAZT_SERVICE";
/** The exit code after an upgrade through the API: non-zero, so `Restart=on-failure` applies. */
export const RESTART_EXIT_CODE = 75;

export function userUnitPath(home: string = homedir()): string {
  return join(home, ".config", "systemd", "user", "fazt.service");
}

export function termuxServiceDir(prefix: string): string {
  return join(prefix, "var", "service", SERVICE_NAME);
}

export function termuxLogDir(prefix: string): string {
  return join(prefix, "var", "log", "sv", SERVICE_NAME);
}

export interface UnitOptions {
  /** Absolute path of the fazt binary the service runs. */
  binary: string;
  /** FAZT_DB_PATH for the service. */
  dbPath: string;
}

/** A value for a unit file: `%` doubled, quoted when it holds spaces or quotes. */
function unitWord(s: string): string {
  const escaped = s.replace(/%/g, "%%");
  return /[\s"'\\]/.test(escaped) ? `"${escaped.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"` : escaped;
}

const header = [
  "# Written by `fazt service install`; `fazt service uninstall` removes it.",
  "# The server's settings (domain, port, https) live in its database: `fazt server set-config`.",
];

/**
 * The system service: its own unprivileged user, allowed to bind ports below
 * 1024 and nothing else, restarted on failure, with the file system read-only
 * except its state folder.
 */
export function renderSystemUnit(o: UnitOptions): string {
  return `${[
    ...header,
    "[Unit]",
    "Description=Fazt personal cloud",
    "Documentation=https://fazt.sh",
    "After=network-online.target",
    "Wants=network-online.target",
    "",
    "[Service]",
    "Type=simple",
    `User=${SYSTEM_USER}`,
    `Group=${SYSTEM_USER}`,
    `ExecStart=${unitWord(o.binary)} server start`,
    `Environment=${unitWord(`FAZT_DB_PATH=${o.dbPath}`)}`,
    `Environment=${SERVICE_ENV}=systemd`,
    `WorkingDirectory=${SYSTEM_HOME}`,
    // A non-zero exit (a crash, or the hand-over after POST /api/upgrade) brings it back.
    "Restart=on-failure",
    "RestartSec=2",
    "TimeoutStopSec=20",
    "LimitNOFILE=65536",
    "UMask=0077",
    "",
    "# Ports 80 and 443 without root: this capability and no other.",
    "AmbientCapabilities=CAP_NET_BIND_SERVICE",
    "CapabilityBoundingSet=CAP_NET_BIND_SERVICE",
    "NoNewPrivileges=true",
    "",
    "# Hardening. MemoryDenyWriteExecute is deliberately absent: Bun's JavaScript",
    "# JIT needs memory that is writable and then executable.",
    "ProtectSystem=strict",
    "ProtectHome=true",
    `ReadWritePaths=${SYSTEM_HOME}`,
    "StateDirectory=fazt",
    "StateDirectoryMode=0700",
    "PrivateTmp=true",
    "PrivateDevices=true",
    "ProtectKernelTunables=true",
    "ProtectKernelModules=true",
    "ProtectKernelLogs=true",
    "ProtectControlGroups=true",
    "ProtectClock=true",
    "ProtectHostname=true",
    "RestrictSUIDSGID=true",
    "RestrictRealtime=true",
    "RestrictNamespaces=true",
    "LockPersonality=true",
    "RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX",
    "SystemCallArchitectures=native",
    "",
    "[Install]",
    "WantedBy=multi-user.target",
  ].join("\n")}\n`;
}

/**
 * A user service (`systemctl --user`): no user or capability lines, so it
 * binds ports ≥ 1024 only. Sandboxing options that need user namespaces in a
 * user manager are left out; `NoNewPrivileges` works everywhere.
 */
export function renderUserUnit(o: UnitOptions): string {
  return `${[
    ...header,
    "[Unit]",
    "Description=Fazt personal cloud (user service)",
    "Documentation=https://fazt.sh",
    "",
    "[Service]",
    "Type=simple",
    `ExecStart=${unitWord(o.binary)} server start`,
    `Environment=${unitWord(`FAZT_DB_PATH=${o.dbPath}`)}`,
    `Environment=${SERVICE_ENV}=systemd-user`,
    "Restart=on-failure",
    "RestartSec=2",
    "TimeoutStopSec=20",
    "UMask=0077",
    "NoNewPrivileges=true",
    "",
    "[Install]",
    "WantedBy=default.target",
  ].join("\n")}\n`;
}

/** A single-quoted word for `sh`. */
export function shellWord(s: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/** `$PREFIX/var/service/fazt/run` for termux-services (runit): the server in the foreground. */
export function renderTermuxRun(o: UnitOptions & { prefix: string }): string {
  return `${[
    `#!${o.prefix}/bin/sh`,
    "# Written by `fazt service install`; `fazt service uninstall` removes it.",
    "# Android stops background apps: run `termux-wake-lock` (and exempt Termux",
    "# from battery optimisation) so the server keeps running with the screen off.",
    "exec 2>&1",
    `export FAZT_DB_PATH=${shellWord(o.dbPath)}`,
    `export ${SERVICE_ENV}=termux`,
    `exec ${shellWord(o.binary)} server start`,
  ].join("\n")}\n`;
}

/** `$PREFIX/var/service/fazt/log/run`: svlogd keeps the output under `$PREFIX/var/log/sv/fazt`. */
export function renderTermuxLogRun(prefix: string): string {
  const dir = shellWord(termuxLogDir(prefix));
  return `${[`#!${prefix}/bin/sh`, `mkdir -p ${dir}`, `exec svlogd -tt ${dir}`].join("\n")}\n`;
}

export interface InstalledService {
  kind: ServiceKind;
  /** The unit file or the runit `run` script. */
  path: string;
  /** The binary it runs, read back from the file. */
  binary: string | null;
}

function execStartOf(text: string, kind: ServiceKind): string | null {
  if (kind === "termux") {
    const m = /^exec\s+('(?:[^']|'\\'')*'|\S+)\s+server start/m.exec(text);
    return m ? m[1]!.replace(/^'|'$/g, "").replace(/'\\''/g, "'") : null;
  }
  const m = /^ExecStart=("(?:[^"\\]|\\.)*"|\S+)/m.exec(text);
  return m ? m[1]!.replace(/^"|"$/g, "").replace(/\\(.)/g, "$1").replace(/%%/g, "%") : null;
}

/** The fazt services installed on this machine, in the order `status` and `logs` pick them. */
export function installedServices(
  env: Record<string, string | undefined> = process.env,
  home: string = homedir(),
): InstalledService[] {
  const found: InstalledService[] = [];
  const add = (kind: ServiceKind, path: string) => {
    if (!existsSync(path)) return;
    let binary: string | null = null;
    try {
      binary = execStartOf(readFileSync(path, "utf8"), kind);
    } catch {
      binary = null;
    }
    found.push({ kind, path, binary });
  };
  if (env.PREFIX) add("termux", join(termuxServiceDir(env.PREFIX), "run"));
  add("system", SYSTEM_UNIT_PATH);
  add("user", userUnitPath(home));
  return found;
}

/** The command that restarts an installed service (as the user running it). */
export function restartCommand(
  kind: ServiceKind,
  env: Record<string, string | undefined> = process.env,
): string[] {
  if (kind === "system") return ["systemctl", "restart", SERVICE_NAME];
  if (kind === "user") return ["systemctl", "--user", "restart", SERVICE_NAME];
  return ["sv", "restart", join(termuxServiceDir(env.PREFIX ?? ""))];
}

/** One thing `install`/`uninstall` does: shown as a command by `--dry-run`, run otherwise. */
export interface Step {
  show: string;
  run: () => void | Promise<void>;
}

/** A step that runs a command; its output goes straight to the terminal. */
export function commandStep(cmd: string[], opts: { optional?: boolean } = {}): Step {
  return {
    show: cmd.map(shellWord).join(" "),
    async run() {
      const proc = Bun.spawn(cmd, { stdin: "inherit", stdout: "inherit", stderr: "inherit" });
      const code = await proc.exited;
      if (code !== 0 && !opts.optional) {
        throw new FaztError("INTERNAL", `\`${cmd.map(shellWord).join(" ")}\` failed (exit ${code})`);
      }
    },
  };
}

/** Whether `name` is on PATH. */
export function hasCommand(name: string): boolean {
  return Bun.which(name) !== null;
}

/**
 * The service `status`/`logs`/`uninstall` act on: `--user` asks for the user
 * service; on Termux the runit one; otherwise the system service if it is
 * installed, else the user service.
 */
export function pickService(
  wantUser: boolean,
  env: Record<string, string | undefined> = process.env,
  home: string = homedir(),
): InstalledService {
  const installed = installedServices(env, home);
  const match = wantUser
    ? installed.find((s) => s.kind === "user")
    : isTermux(env)
      ? installed.find((s) => s.kind === "termux")
      : (installed.find((s) => s.kind === "system") ?? installed.find((s) => s.kind === "user"));
  if (!match) {
    const where = wantUser
      ? userUnitPath(home)
      : isTermux(env)
        ? join(termuxServiceDir(env.PREFIX ?? ""), "run")
        : `${SYSTEM_UNIT_PATH} or ${userUnitPath(home)}`;
    throw new FaztError(
      "NOT_FOUND",
      `no fazt service is installed (looked for ${where}); see \`fazt service install --help\``,
    );
  }
  return match;
}
