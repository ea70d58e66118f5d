import { chmodSync, mkdirSync, readFileSync, realpathSync, statSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { defineCommand } from "citty";
import { FaztError, isCompiled, isTermux } from "../../../core/index.ts";
import { type ConfigPatch, openDatabase, writeConfig } from "../../../db/index.ts";
import {
  commandStep,
  hasCommand,
  initInstance,
  renderSystemUnit,
  renderTermuxLogRun,
  renderTermuxRun,
  renderUserUnit,
  SERVICE_NAME,
  type ServiceKind,
  type Step,
  SYSTEM_BINARY,
  SYSTEM_DB_PATH,
  SYSTEM_HOME,
  SYSTEM_UNIT_PATH,
  SYSTEM_USER,
  shellWord,
  termuxLogDir,
  termuxServiceDir,
  userUnitPath,
} from "../../../ops/index.ts";
import { color, emit } from "../../output.ts";
import { session } from "../../session.ts";
import { configPatchFromFlags } from "../server/flags.ts";
import { passwordBanner } from "../server/password-banner.ts";

/** A binary root can trust: owned by root and neither it nor any folder above it writable by others. */
function rootOwnedChain(path: string): boolean {
  // ProtectHome=true hides these from the service.
  if (/^\/(home|root|run\/user)(\/|$)/.test(path)) return false;
  try {
    const st = statSync(path);
    if (st.uid !== 0 || (st.mode & 0o022) !== 0) return false;
    let dir = dirname(path);
    for (;;) {
      const d = statSync(dir);
      // A sticky world-writable folder (/tmp) still lets others swap what is in it: refuse too.
      if (d.uid !== 0 || (d.mode & 0o022) !== 0) return false;
      if (dir === "/") return true;
      dir = dirname(dir);
    }
  } catch {
    return false;
  }
}

function userExists(name: string): boolean {
  try {
    return readFileSync("/etc/passwd", "utf8")
      .split("\n")
      .some((l) => l.startsWith(`${name}:`));
  } catch {
    return false;
  }
}

interface Plan {
  kind: ServiceKind;
  binary: string;
  dbPath: string;
  files: Array<{ path: string; content: string; mode: number }>;
  steps: Step[];
  notes: string[];
}

/** Opens the service's database, creates the owner on first use, stores the flags' settings. */
function databaseStep(dbPath: string, patch: ConfigPatch, after: Step[] = []): Step {
  const flags = [
    patch.domain ? `--domain ${shellWord(patch.domain)}` : "",
    patch.email ? `--email ${shellWord(patch.email)}` : "",
    patch.https ? "--https on" : "",
  ]
    .filter(Boolean)
    .join(" ");
  return {
    show: `fazt --db ${shellWord(dbPath)} server init${flags ? ` && fazt --db ${shellWord(dbPath)} server set-config ${flags}` : ""}`,
    async run() {
      const store = await openDatabase(dbPath, { create: true });
      try {
        const init = await initInstance(store);
        if (init.generatedPassword) console.log(passwordBanner(init.username, init.generatedPassword));
        if (Object.keys(patch).length > 0) writeConfig(store, patch);
      } finally {
        store.close();
      }
      for (const step of after) await step.run();
    },
  };
}

function fileStep(f: { path: string; content: string; mode: number }): Step {
  return {
    show: `write ${f.path} (mode ${f.mode.toString(8)})`,
    run() {
      mkdirSync(dirname(f.path), { recursive: true });
      writeFileSync(f.path, f.content, { mode: f.mode });
      chmodSync(f.path, f.mode);
    },
  };
}

function plan(kind: ServiceKind, patch: ConfigPatch, dbPath: string, dryRun: boolean): Plan {
  const compiled = isCompiled;
  if (!compiled && !dryRun) {
    throw new FaztError(
      "CONFLICT",
      "fazt is running from source: install a release binary first (install.sh), then run its `service install`",
    );
  }
  const self = compiled ? realpathSync(process.execPath) : "<this fazt binary>";

  if (kind === "system") {
    const steps: Step[] = [];
    let binary = self;
    if (!compiled || !rootOwnedChain(self)) {
      // The service must not run a binary that a non-root user could replace.
      binary = SYSTEM_BINARY;
      steps.push(
        commandStep(["install", "-D", "-m", "0755", "-o", "root", "-g", "root", self, SYSTEM_BINARY]),
      );
    }
    if (!userExists(SYSTEM_USER)) {
      steps.push(
        commandStep([
          "useradd",
          "--system",
          "--user-group",
          "--home-dir",
          SYSTEM_HOME,
          "--shell",
          "/usr/sbin/nologin",
          SYSTEM_USER,
        ]),
      );
    }
    steps.push(
      commandStep(["install", "-d", "-m", "0700", "-o", SYSTEM_USER, "-g", SYSTEM_USER, SYSTEM_HOME]),
    );
    steps.push(
      databaseStep(SYSTEM_DB_PATH, patch, [
        commandStep(["chown", "-R", `${SYSTEM_USER}:${SYSTEM_USER}`, SYSTEM_HOME]),
      ]),
    );
    const file = {
      path: SYSTEM_UNIT_PATH,
      content: renderSystemUnit({ binary, dbPath: SYSTEM_DB_PATH }),
      mode: 0o644,
    };
    steps.push(fileStep(file));
    steps.push(commandStep(["systemctl", "daemon-reload"]));
    steps.push(commandStep(["systemctl", "enable", SERVICE_NAME]));
    steps.push(commandStep(["systemctl", "restart", SERVICE_NAME]));
    return {
      kind,
      binary,
      dbPath: SYSTEM_DB_PATH,
      files: [file],
      steps,
      notes: [
        `The service runs as user ${SYSTEM_USER} with its database in ${SYSTEM_DB_PATH}.`,
        `Manage it from this machine with \`sudo -u ${SYSTEM_USER} ${binary} --db ${SYSTEM_DB_PATH} …\`.`,
        `Upgrade with \`sudo ${binary} upgrade\` (the service cannot rewrite its own binary).`,
        "Logs: `fazt service logs`; state: `fazt service status`.",
      ],
    };
  }

  if (kind === "user") {
    const file = { path: userUnitPath(), content: renderUserUnit({ binary: self, dbPath }), mode: 0o644 };
    const notes = [
      `The service runs ${self} with the database ${dbPath}.`,
      `To keep it running when you are logged out: \`loginctl enable-linger ${process.env.USER ?? "$USER"}\`.`,
      "A user service cannot bind ports below 1024: keep the port at 1024 or above (`fazt server set-config --port N`).",
    ];
    if (patch.https)
      notes.push("HTTPS needs ports 80 and 443: use the system service (`sudo fazt service install`).");
    return {
      kind,
      binary: self,
      dbPath,
      files: [file],
      steps: [
        databaseStep(dbPath, patch),
        fileStep(file),
        commandStep(["systemctl", "--user", "daemon-reload"]),
        commandStep(["systemctl", "--user", "enable", SERVICE_NAME]),
        commandStep(["systemctl", "--user", "restart", SERVICE_NAME]),
      ],
      notes,
    };
  }

  // Termux: termux-services (runit) supervises everything under $PREFIX/var/service.
  const prefix = process.env.PREFIX ?? "/data/data/com.termux/files/usr";
  const dir = termuxServiceDir(prefix);
  const files = [
    { path: join(dir, "run"), content: renderTermuxRun({ binary: self, dbPath, prefix }), mode: 0o755 },
    { path: join(dir, "log", "run"), content: renderTermuxLogRun(prefix), mode: 0o755 },
  ];
  const steps: Step[] = [databaseStep(dbPath, patch), ...files.map(fileStep)];
  const notes = [
    `The service runs ${self} with the database ${dbPath}; logs go to ${termuxLogDir(prefix)}.`,
    "Android stops background apps: run `termux-wake-lock` and exempt Termux from battery optimisation.",
  ];
  if (hasCommand("sv-enable") || dryRun) steps.push(commandStep(["sv-enable", SERVICE_NAME]));
  else
    notes.push(
      "Install termux-services (`pkg install termux-services`), restart Termux, then `sv-enable fazt`.",
    );
  if (patch.https)
    notes.push("Android does not let apps bind ports 80 and 443: HTTPS on Termux needs a proxy in front.");
  return { kind, binary: self, dbPath, files, steps, notes };
}

export default defineCommand({
  meta: {
    name: "install",
    description: "Install fazt as a service that starts at boot and restarts on failure",
  },
  args: {
    domain: {
      type: "string",
      description: "Domain apps live under (stored in the database)",
      valueHint: "D",
    },
    email: { type: "string", description: "Contact email for ACME certificates", valueHint: "E" },
    https: { type: "boolean", description: "Serve HTTPS with automatic certificates (ports 80 and 443)" },
    user: { type: "boolean", description: "A systemd user service (no root; ports ≥ 1024)" },
    "dry-run": { type: "boolean", description: "Print the unit files and commands; change nothing" },
  },
  async run({ args }) {
    const s = session();
    s.localOnly("service install");
    const patch = configPatchFromFlags({
      domain: args.domain,
      email: args.email,
      https: args.https === true,
    });
    const kind: ServiceKind = isTermux() ? "termux" : args.user ? "user" : "system";
    const dryRun = args["dry-run"] === true;
    if (kind === "system" && !dryRun && process.getuid?.() !== 0) {
      throw new FaztError(
        "USAGE",
        "a system service needs root: run `sudo fazt service install`, or `fazt service install --user`",
      );
    }
    if (kind !== "termux" && !dryRun && !hasCommand("systemctl")) {
      throw new FaztError("CONFLICT", "systemctl not found: this machine does not run systemd");
    }
    const dbPath = kind === "system" ? SYSTEM_DB_PATH : s.dbPath;
    const p = plan(kind, patch, dbPath, dryRun);

    if (dryRun) {
      const data = {
        kind: p.kind,
        binary: p.binary,
        database: p.dbPath,
        files: p.files.map((f) => ({ path: f.path, mode: f.mode.toString(8), content: f.content })),
        commands: p.steps.map((st) => st.show),
        notes: p.notes,
      };
      emit(s.globals.format, data, () =>
        [
          ...p.files.flatMap((f) => [color.bold(`# ${f.path}`), f.content]),
          color.bold("# would run"),
          ...p.steps.map((st) => `  ${st.show}`),
          "",
          ...p.notes,
        ].join("\n"),
      );
      return;
    }
    for (const step of p.steps) await step.run();
    const data = { kind: p.kind, binary: p.binary, database: p.dbPath, files: p.files.map((f) => f.path) };
    emit(s.globals.format, data, () =>
      [
        `${color.green("Installed")} the ${p.kind} service ${SERVICE_NAME} (${p.files[0]!.path}).`,
        ...p.notes,
      ].join("\n"),
    );
  },
});
