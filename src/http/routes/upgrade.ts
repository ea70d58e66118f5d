import { Hono } from "hono/quick";
import * as v from "valibot";
import { RESTART_EXIT_CODE, SERVICE_ENV } from "../../ops/service.ts";
import { DEFAULT_RELEASE_BASE_URL, performUpgrade } from "../../ops/upgrade.ts";
import { readJson } from "../body.ts";
import type { ServerContext } from "../context.ts";
import { ok } from "../envelope.ts";
import { type AuthEnv, requireAuth } from "../middleware/auth.ts";

const bodySchema = v.strictObject({
  version: v.optional(
    v.pipe(
      v.string(),
      v.regex(/^v?\d+\.\d+\.\d+([-+][0-9A-Za-z.-]+)?$/, "must be a version such as 1.2.3"),
      v.transform((s) => s.replace(/^v/, "")),
    ),
  ),
  baseUrl: v.optional(v.pipe(v.string(), v.url("must be a URL"), v.regex(/^https?:\/\//, "must be http(s)"))),
});

/**
 * `POST /api/upgrade` (admin): installs a release over the running binary, as
 * `fazt upgrade` does. Under a service manager (our units set FAZT_SERVICE)
 * the server then stops gracefully and exits with a non-zero code so
 * `Restart=on-failure` (or runit) starts the new binary; otherwise it keeps
 * running the old code and the answer says to restart it.
 */
export function upgradeRoutes(ctx: ServerContext): Hono<AuthEnv> {
  const app = new Hono<AuthEnv>();
  app.use("*", requireAuth(ctx, "admin"));

  app.post("/", async (c) => {
    const body = await readJson(c, bodySchema, ctx.config.maxBodyBytes);
    const baseUrl = body.baseUrl ?? ctx.config.releaseBaseUrl ?? DEFAULT_RELEASE_BASE_URL;
    const r = await performUpgrade({ baseUrl, version: body.version });
    const managed = !!process.env[SERVICE_ENV];
    let restart: "none" | "service" | "manual" = "none";
    if (r.replaced) {
      restart = managed ? "service" : "manual";
      ctx.log.info("upgraded", { from: r.current, to: r.available, binary: r.binary, restart });
      if (managed) {
        // After this answer is on its way: the usual graceful stop, then a non-zero exit code.
        setTimeout(() => {
          process.once("exit", () => {
            process.exitCode = RESTART_EXIT_CODE;
          });
          process.kill(process.pid, "SIGTERM");
        }, 200);
      }
    }
    const message = !r.replaced
      ? `fazt ${r.current} is up to date (newest: ${r.available})`
      : managed
        ? `upgraded ${r.current} → ${r.available}; restarting through the service manager`
        : `upgraded ${r.current} → ${r.available}; restart the server to run it`;
    return ok({ ...r, restart, message });
  });

  return app;
}
