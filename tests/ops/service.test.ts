/**
 * `fazt service`: the rendered systemd units and Termux scripts (pure
 * functions), `systemd-analyze verify` on them when it is installed, and
 * `service install --dry-run`, which changes nothing.
 */
import { afterAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { chmodSync, existsSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  installedServices,
  pickService,
  renderSystemUnit,
  renderTermuxLogRun,
  renderTermuxRun,
  renderUserUnit,
  userUnitPath,
} from "../../src/ops/service.ts";
import { fazt } from "../helpers/cli.ts";
import { cleanupTemp, tempDir } from "../helpers/temp.ts";
import { requireTool } from "../helpers/tools.ts";

setDefaultTimeout(30_000);

afterAll(() => cleanupTemp());

const lines = (unit: string) => unit.split("\n").filter((l) => l !== "" && !l.startsWith("#"));

describe("unit rendering", () => {
  const system = renderSystemUnit({ binary: "/usr/local/bin/fazt", dbPath: "/var/lib/fazt/data.db" });
  const user = renderUserUnit({ binary: "/home/ann/.local/bin/fazt", dbPath: "/home/ann/.fazt/data.db" });

  test("the system unit: own user, one capability, restart on failure, hardening", () => {
    const l = lines(system);
    for (const want of [
      "[Unit]",
      "[Service]",
      "[Install]",
      "User=fazt",
      "Group=fazt",
      "ExecStart=/usr/local/bin/fazt server start",
      "Environment=FAZT_DB_PATH=/var/lib/fazt/data.db",
      "Environment=FAZT_SERVICE=systemd",
      "AmbientCapabilities=CAP_NET_BIND_SERVICE",
      "CapabilityBoundingSet=CAP_NET_BIND_SERVICE",
      "Restart=on-failure",
      "ProtectSystem=strict",
      "ProtectHome=true",
      "PrivateTmp=true",
      "NoNewPrivileges=true",
      "ReadWritePaths=/var/lib/fazt",
      "ProtectKernelTunables=true",
      "ProtectControlGroups=true",
      "RestrictSUIDSGID=true",
      "LockPersonality=true",
      "WantedBy=multi-user.target",
    ]) {
      expect(l).toContain(want);
    }
    // Bun's JIT needs W^X exceptions: this option would kill the server at start.
    expect(l.some((x) => x.startsWith("MemoryDenyWriteExecute"))).toBe(false);
    expect(system).toContain("MemoryDenyWriteExecute is deliberately absent");
  });

  test("the user unit: no user or capability lines, started with the user's session", () => {
    const l = lines(user);
    expect(l).toContain("ExecStart=/home/ann/.local/bin/fazt server start");
    expect(l).toContain("Environment=FAZT_DB_PATH=/home/ann/.fazt/data.db");
    expect(l).toContain("Environment=FAZT_SERVICE=systemd-user");
    expect(l).toContain("Restart=on-failure");
    expect(l).toContain("WantedBy=default.target");
    for (const banned of [
      "User=",
      "Group=",
      "AmbientCapabilities=",
      "CapabilityBoundingSet=",
      "MemoryDenyWriteExecute",
    ]) {
      expect(l.some((x) => x.startsWith(banned))).toBe(false);
    }
  });

  test("paths with spaces and % are quoted and escaped, and read back the same", () => {
    const home = tempDir();
    const binary = join(home, "my bin", "fa%zt");
    const unit = renderUserUnit({ binary, dbPath: join(home, "d b", "data.db") });
    expect(unit).toContain(`ExecStart="${join(home, "my bin", "fa%%zt")}" server start`);
    expect(unit).toContain(`Environment="FAZT_DB_PATH=${join(home, "d b", "data.db")}"`);
    mkdirSync(join(home, ".config", "systemd", "user"), { recursive: true });
    writeFileSync(userUnitPath(home), unit);
    const svc = pickService(true, {}, home);
    expect(svc).toEqual({ kind: "user", path: userUnitPath(home), binary });
  });

  test("Termux: a runit run script and a svlogd log script", () => {
    const prefix = "/data/data/com.termux/files/usr";
    const run = renderTermuxRun({
      binary: `${prefix}/bin/fazt`,
      dbPath: "/data/data/com.termux/files/home/.fazt/data.db",
      prefix,
    });
    expect(run.startsWith(`#!${prefix}/bin/sh\n`)).toBe(true);
    expect(run).toContain("termux-wake-lock");
    expect(run).toContain("exec 2>&1");
    expect(run).toContain("export FAZT_DB_PATH=/data/data/com.termux/files/home/.fazt/data.db");
    expect(run).toContain("export FAZT_SERVICE=termux");
    expect(run).toContain(`exec ${prefix}/bin/fazt server start`);
    const log = renderTermuxLogRun(prefix);
    expect(log).toContain(`exec svlogd -tt ${prefix}/var/log/sv/fazt`);
    // Both are valid sh.
    for (const script of [
      run,
      log,
      renderTermuxRun({ binary: "/it's here/fazt", dbPath: "/a b/data.db", prefix }),
    ]) {
      const p = Bun.spawnSync(["sh", "-n"], { stdin: new TextEncoder().encode(script) });
      expect(p.exitCode).toBe(0);
    }
  });

  test("installed services are found, each with the binary it runs", () => {
    const prefix = tempDir();
    const home = tempDir();
    const dir = join(prefix, "var", "service", "fazt");
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, "run"), renderTermuxRun({ binary: "/x y/fazt", dbPath: "/d/data.db", prefix }));
    const env = { PREFIX: prefix };
    expect(installedServices(env, home).find((s) => s.kind === "termux")?.binary).toBe("/x y/fazt");
    expect(() => pickService(true, {}, home)).toThrow("no fazt service is installed");
  });
});

const analyze = requireTool(
  "systemd-analyze",
  "the rendered units are checked with systemd's own verifier (apt-get install systemd)",
)
  ? Bun.which("systemd-analyze")
  : null;

describe.skipIf(!analyze)("systemd-analyze verify", () => {
  // verify checks that ExecStart's binary exists: point it at a real executable.
  const binary = process.execPath;

  function verify(unit: string, userMode: boolean): string {
    const dir = tempDir("fazt-units-");
    const path = join(dir, "fazt.service");
    writeFileSync(path, unit);
    const p = Bun.spawnSync([analyze!, ...(userMode ? ["--user"] : []), "verify", path], {
      env: { ...process.env, XDG_RUNTIME_DIR: dir, SYSTEMD_LOG_LEVEL: "warning" },
    });
    // verify exits 0 even for unknown keys: every line it prints about our file is a finding.
    const out = `${p.stdout.toString()}${p.stderr.toString()}`;
    expect(out.split("\n").filter((l) => l.includes(path) || l.includes("fazt.service"))).toEqual([]);
    expect(p.exitCode).toBe(0);
    return out;
  }

  test("the system unit passes", () => {
    verify(renderSystemUnit({ binary, dbPath: "/var/lib/fazt/data.db" }), false);
  });

  test("the user unit passes (in user mode)", () => {
    verify(renderUserUnit({ binary, dbPath: "/home/ann/.fazt/data.db" }), true);
  });

  test("a unit with a mistake would be caught (the check is not blind)", () => {
    const dir = tempDir("fazt-units-");
    const path = join(dir, "fazt.service");
    writeFileSync(
      path,
      renderSystemUnit({ binary, dbPath: "/d" }).replace("ProtectSystem=strict", "ProtectSystem=wrong"),
    );
    const p = Bun.spawnSync([analyze!, "verify", path], { env: { ...process.env, XDG_RUNTIME_DIR: dir } });
    expect(`${p.stdout.toString()}${p.stderr.toString()}`).toContain("fazt.service");
  });
});

describe("fazt service install --dry-run", () => {
  test("system: prints the unit and the commands, changes nothing", async () => {
    const home = tempDir();
    const r = await fazt(
      ["service", "install", "--dry-run", "--domain", "example.com", "--email", "me@example.com", "--https"],
      {
        home,
      },
    );
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("# /etc/systemd/system/fazt.service");
    expect(r.stdout).toContain("AmbientCapabilities=CAP_NET_BIND_SERVICE");
    expect(r.stdout).toContain(
      "useradd --system --user-group --home-dir /var/lib/fazt --shell /usr/sbin/nologin fazt",
    );
    expect(r.stdout).toContain("--domain example.com --email me@example.com --https on");
    expect(r.stdout).toContain("systemctl enable fazt");
    // From source there is no binary to run: it would be copied to /usr/local/bin.
    expect(r.stdout).toContain("ExecStart=/usr/local/bin/fazt server start");
    // (bun itself, run from source, may leave ~/.bun behind.)
    expect(readdirSync(home).filter((f) => f !== ".bun")).toEqual([]);
  });

  test("--user --format json: the unit under ~/.config, user systemctl commands, the linger hint", async () => {
    const home = tempDir();
    const r = await fazt(["service", "install", "--user", "--dry-run", "--format", "json"], { home });
    expect(r.code).toBe(0);
    const { data } = JSON.parse(r.stdout) as {
      data: {
        kind: string;
        files: Array<{ path: string; content: string }>;
        commands: string[];
        notes: string[];
        database: string;
      };
    };
    expect(data.kind).toBe("user");
    expect(data.database).toBe(join(home, ".fazt", "data.db"));
    expect(data.files.map((f) => f.path)).toEqual([join(home, ".config", "systemd", "user", "fazt.service")]);
    expect(data.files[0]!.content).not.toContain("AmbientCapabilities");
    expect(data.commands).toContain("systemctl --user enable fazt");
    expect(data.notes.join("\n")).toContain("loginctl enable-linger");
    expect(existsSync(join(home, ".config"))).toBe(false);
  });

  test("Termux: run scripts under $PREFIX/var/service and the wake-lock note", async () => {
    const home = tempDir();
    const prefix = "/data/data/com.termux/files/usr";
    const r = await fazt(["service", "install", "--dry-run", "--format", "json"], {
      home,
      env: { PREFIX: prefix },
    });
    expect(r.code).toBe(0);
    const { data } = JSON.parse(r.stdout) as {
      data: {
        kind: string;
        files: Array<{ path: string; mode: string }>;
        commands: string[];
        notes: string[];
      };
    };
    expect(data.kind).toBe("termux");
    expect(data.files).toEqual([
      expect.objectContaining({ path: `${prefix}/var/service/fazt/run`, mode: "755" }),
      expect.objectContaining({ path: `${prefix}/var/service/fazt/log/run`, mode: "755" }),
    ]);
    expect(data.commands).toContain("sv-enable fazt");
    expect(data.notes.join("\n")).toContain("termux-wake-lock");
  });

  test("status and uninstall without a service say so", async () => {
    const home = tempDir();
    const status = await fazt(["service", "status", "--user"], { home });
    expect(status.code).toBe(1);
    expect(status.stderr).toContain("no fazt service is installed");
    const un = await fazt(["service", "uninstall", "--user", "--dry-run"], { home });
    expect(un.code).toBe(1);
    expect(un.stderr).toContain("no fazt service is installed");
  });

  test("uninstall --dry-run names what it would remove", async () => {
    const home = tempDir();
    mkdirSync(join(home, ".config", "systemd", "user"), { recursive: true });
    writeFileSync(userUnitPath(home), renderUserUnit({ binary: "/bin/fazt", dbPath: "/d" }));
    chmodSync(userUnitPath(home), 0o644);
    const r = await fazt(["service", "uninstall", "--user", "--dry-run"], { home });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("systemctl --user disable --now fazt");
    expect(r.stdout).toContain(`rm ${userUnitPath(home)}`);
    expect(existsSync(userUnitPath(home))).toBe(true);
  });
});
