import { defineCommand } from "citty";
import { COMMIT, FaztError, VERSION } from "../../core/index.ts";
import { selfCheck } from "../../runtime/index.ts";
import { emit, table } from "../output.ts";
import { session } from "../session.ts";

export default defineCommand({
  meta: { name: "version", description: "Print the version of this fazt" },
  args: {
    verbose: { type: "boolean", description: "Also report the platform and check the app sandbox works" },
  },
  async run({ args }) {
    const { globals } = session();
    session().localOnly("version");
    if (!args.verbose) {
      emit(globals.format, { version: VERSION, commit: COMMIT }, () => `fazt ${VERSION} (${COMMIT})`);
      return;
    }
    const sandbox = await selfCheck();
    const info = {
      version: VERSION,
      commit: COMMIT,
      bun: Bun.version,
      platform: process.platform,
      arch: process.arch,
      sandbox: sandbox.ok ? "ok" : `failed: ${sandbox.detail}`,
    };
    emit(globals.format, info, () =>
      table([
        ["fazt", `${VERSION} (${COMMIT})`],
        ["bun", info.bun],
        ["platform", `${info.platform}-${info.arch}`],
        ["sandbox", info.sandbox],
      ]),
    );
    if (!sandbox.ok)
      throw new FaztError("INTERNAL", `the app sandbox does not work in this build: ${sandbox.detail}`);
  },
});
