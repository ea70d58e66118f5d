import { dirname } from "node:path";
import { defineCommand } from "citty";
import { FaztError } from "../../../core/index.ts";
import { pickService, SERVICE_NAME } from "../../../ops/index.ts";
import { emit } from "../../output.ts";
import { session } from "../../session.ts";

export default defineCommand({
  meta: { name: "status", description: "Show whether the fazt service runs (systemctl status / sv status)" },
  args: { user: { type: "boolean", description: "The systemd user service" } },
  async run({ args }) {
    const s = session();
    s.localOnly("service status");
    const svc = pickService(args.user === true);
    const scope = svc.kind === "user" ? ["--user"] : [];
    if (s.globals.format === "json") {
      const cmd =
        svc.kind === "termux"
          ? ["sv", "status", dirname(svc.path)]
          : ["systemctl", ...scope, "is-active", SERVICE_NAME];
      const p = Bun.spawnSync(cmd, { stdout: "pipe", stderr: "pipe", env: process.env });
      const state = p.stdout.toString().trim();
      const active = svc.kind === "termux" ? state.startsWith("run:") : state === "active";
      emit("json", { kind: svc.kind, path: svc.path, binary: svc.binary, active, state }, () => "");
      return;
    }
    const cmd =
      svc.kind === "termux"
        ? ["sv", "status", dirname(svc.path)]
        : ["systemctl", ...scope, "status", SERVICE_NAME, "--no-pager"];
    const code = await Bun.spawn(cmd, { stdin: "ignore", stdout: "inherit", stderr: "inherit" }).exited;
    // systemctl status: 3 = not running, 4 = no such unit.
    if (code !== 0)
      throw new FaztError("UNAVAILABLE", `the ${svc.kind} service ${SERVICE_NAME} is not running`);
  },
});
