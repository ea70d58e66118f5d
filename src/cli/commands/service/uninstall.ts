import { rmSync } from "node:fs";
import { dirname } from "node:path";
import { defineCommand } from "citty";
import { commandStep, hasCommand, pickService, SERVICE_NAME, type Step } from "../../../ops/index.ts";
import { color, emit } from "../../output.ts";
import { session } from "../../session.ts";

export default defineCommand({
  meta: { name: "uninstall", description: "Stop and remove the fazt service (the database and binary stay)" },
  args: {
    user: { type: "boolean", description: "The systemd user service" },
    "dry-run": { type: "boolean", description: "Print the commands; change nothing" },
  },
  async run({ args }) {
    const s = session();
    s.localOnly("service uninstall");
    const svc = pickService(args.user === true);
    const remove = (path: string, recursive = false): Step => ({
      show: `rm ${recursive ? "-r " : ""}${path}`,
      run: () => rmSync(path, { recursive, force: true }),
    });
    const steps: Step[] =
      svc.kind === "system"
        ? [
            commandStep(["systemctl", "disable", "--now", SERVICE_NAME], { optional: true }),
            remove(svc.path),
            commandStep(["systemctl", "daemon-reload"]),
          ]
        : svc.kind === "user"
          ? [
              commandStep(["systemctl", "--user", "disable", "--now", SERVICE_NAME], { optional: true }),
              remove(svc.path),
              commandStep(["systemctl", "--user", "daemon-reload"]),
            ]
          : [
              ...(hasCommand("sv")
                ? [commandStep(["sv", "down", dirname(svc.path)], { optional: true })]
                : []),
              remove(dirname(svc.path), true),
            ];
    const data = { kind: svc.kind, removed: svc.path, commands: steps.map((st) => st.show) };
    if (args["dry-run"]) {
      emit(s.globals.format, data, () =>
        [color.bold("# would run"), ...steps.map((st) => `  ${st.show}`)].join("\n"),
      );
      return;
    }
    for (const step of steps) await step.run();
    emit(s.globals.format, data, () =>
      [
        `${color.green("Removed")} the ${svc.kind} service (${svc.path}).`,
        svc.kind === "system"
          ? "Kept: the database in /var/lib/fazt, the user fazt and the binary."
          : "Kept: the database and the binary.",
      ].join("\n"),
    );
  },
});
