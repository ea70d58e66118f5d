import { Hono } from "hono/quick";
import * as v from "valibot";
import { DEFAULT_RELEASE_BASE_URL, FaztError } from "../../core/index.ts";
import { type ConfigPatch, readConfig } from "../../db/index.ts";
import { performUpgrade, RESTART_EXIT_CODE, SERVICE_ENV } from "../../ops/index.ts";
import { readJson } from "../../web/index.ts";
import type { ServerContext } from "../context.ts";
import { ok } from "../envelope.ts";
import { type AuthEnv, actorOf, type Principal, requireAuth } from "./principal.ts";

const bodySchema = v.strictObject({
  version: v.optional(
    v.pipe(
      v.string(),
      v.regex(/^v?\d+\.\d+\.\d+([-+][0-9A-Za-z.-]+)?$/, "must be a version such as 1.2.3"),
      v.transform((s) => s.replace(/^v/, "")),
    ),
  ),
  // Named so the refusal says why, rather than "unknown key".
  baseUrl: v.optional(
    v.custom<never>(
      () => false,
      "is not accepted over the API: the release base is set on the server's machine (`fazt server set-config --release-base-url URL`)",
    ),
  ),
});

/** Upgrading runs a new program as this server: the owner's decision alone (sessions and the owner's keys). */
function assertOwner(p: Principal): void {
  if (actorOf(p).role !== "owner") {
    throw new FaztError(
      "FORBIDDEN",
      "only the owner may upgrade fazt (an owner session, or a key the owner made)",
    );
  }
}

/**
 * The release settings of `PUT /api/system/config`: extra signing keys are
 * trusted only from the machine's command line, never over the API; where
 * upgrades come from is the owner's to change.
 */
export function assertReleaseSettingsChange(patch: ConfigPatch, p: Principal): void {
  if (patch.releasePublicKeys !== undefined) {
    throw new FaztError(
      "FORBIDDEN",
      "releasePublicKeys can only be changed on the server's machine (`fazt server set-config --release-public-key KEY`), never over the API",
    );
  }
  if (patch.releaseBaseUrl !== undefined && actorOf(p).role !== "owner") {
    throw new FaztError("FORBIDDEN", "only the owner may change releaseBaseUrl");
  }
}

/**
 * `POST /api/upgrade` (owner): installs a release over the running binary, as
 * `fazt upgrade` does, from the configured base only, signature checked
 * against the compiled-in keys and the configured ones (docs/releases.md).
 * Under a service manager (our units set FAZT_SERVICE) the server then stops
 * gracefully and exits with a non-zero code so `Restart=on-failure` (or
 * runit) starts the new binary; otherwise it keeps running the old code and
 * the answer says to restart it.
 */
export function upgradeRoutes(ctx: ServerContext): Hono<AuthEnv> {
  const app = new Hono<AuthEnv>();
  app.use("*", requireAuth(ctx, "admin"));
  app.use("*", async (c, next) => {
    assertOwner(c.get("principal"));
    await next();
  });

  app.post("/", async (c) => {
    const body = await readJson(c, bodySchema, ctx.config.maxBodyBytes);
    // Read now, not at start: `server set-config` on the machine applies without a restart.
    const stored = readConfig(ctx.store);
    const r = await performUpgrade({
      baseUrl: stored.releaseBaseUrl ?? DEFAULT_RELEASE_BASE_URL,
      extraKeys: stored.releasePublicKeys,
      version: body.version,
    });
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
