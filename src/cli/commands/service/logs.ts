import { defineCommand } from "citty";
import * as v from "valibot";
import { FaztError, parse } from "../../../core/index.ts";
import { pickService, SERVICE_NAME, termuxLogDir } from "../../../ops/index.ts";
import { session } from "../../session.ts";

const linesSchema = v.pipe(
  v.string(),
  v.regex(/^\d+$/, "must be a whole number"),
  v.transform(Number),
  v.minValue(1, "must be at least 1"),
);

export default defineCommand({
  meta: { name: "logs", description: "Show the fazt service's log (journalctl, or svlogd's file on Termux)" },
  args: {
    user: { type: "boolean", description: "The systemd user service" },
    lines: { type: "string", description: "How many recent lines (default 100)", valueHint: "N" },
    follow: { type: "boolean", alias: "f", description: "Keep printing new lines" },
  },
  async run({ args }) {
    const s = session();
    s.localOnly("service logs");
    const lines = args.lines === undefined ? 100 : parse(linesSchema, args.lines, "--lines");
    const svc = pickService(args.user === true);
    const follow = args.follow === true;
    const cmd =
      svc.kind === "termux"
        ? [
            "tail",
            "-n",
            String(lines),
            ...(follow ? ["-F"] : []),
            `${termuxLogDir(process.env.PREFIX ?? "")}/current`,
          ]
        : [
            "journalctl",
            ...(svc.kind === "user" ? ["--user"] : []),
            "-u",
            SERVICE_NAME,
            "-n",
            String(lines),
            "--no-pager",
            ...(follow ? ["-f"] : []),
          ];
    const code = await Bun.spawn(cmd, { stdin: "ignore", stdout: "inherit", stderr: "inherit" }).exited;
    if (code !== 0) throw new FaztError("UNAVAILABLE", `\`${cmd.join(" ")}\` failed (exit ${code})`);
  },
});
