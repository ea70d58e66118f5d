import { Hono } from "hono/quick";
import * as v from "valibot";
import { appNameSchema } from "../../apps/index.ts";
import { FaztError, parse } from "../../core/index.ts";
import {
  type DeployOutcome,
  deployFiles,
  deploySessionApp,
  finishDeploy,
  readZip,
  startDeploy,
  uploadBlob,
} from "../../deploy/index.ts";
import { appUrl, previewUrl, readBytes, readFormData, readJson } from "../../web/index.ts";
import type { ServerContext } from "../context.ts";
import { ok } from "../envelope.ts";
import { type AuthEnv, assertMayDeploy, type Principal, requireAuth } from "./principal.ts";

const SHA256 = /^[0-9a-f]{64}$/;

const zipFieldsSchema = v.strictObject({
  name: v.string("is required"),
  spa: v.optional(v.picklist(["true", "false", "1", "0", "on", "off", ""], "must be true or false")),
  message: v.optional(v.pipe(v.string(), v.maxLength(500, "is longer than 500 characters"))),
});

/**
 * The deploy protocol (docs/admin-api.md): manifest → missing contents → upload each →
 * finish; and the one-shot zip upload for curl users. `deploy` keys suffice.
 */
export function deployRoutes(ctx: ServerContext): Hono<AuthEnv> {
  const app = new Hono<AuthEnv>();
  // On its own paths, not `use("*")`: this app is mounted on /api itself. Every
  // method is behind it (a `user` session gets 403, not 404, on GET /api/deploys).
  const auth = requireAuth(ctx, "deploy");
  app.use("/deploys", auth);
  app.use("/deploys/*", auth);
  app.use("/deploy", auth);

  /**
   * A deploy session belongs to the app its manifest named: a key limited to
   * other apps may neither upload into it nor finish it (unknown ids pass on,
   * to the deploy code's 404).
   */
  const sessionApp = (id: string): string | null => deploySessionApp(ctx.store, id);
  type WithPrincipal = { get(k: "principal"): Principal };
  const assertMaySession = (c: WithPrincipal, id: string) => {
    const app = sessionApp(id);
    if (app !== null) assertMayDeploy(c.get("principal"), app);
  };
  /** For an app-limited key: the app name as given, read as the deploy code reads it, then checked. */
  const assertMayName = (c: WithPrincipal, raw: unknown, field: string) => {
    const p = c.get("principal");
    if (p.kind === "key" && p.key.apps !== null) assertMayDeploy(p, parse(appNameSchema, raw, field));
  };

  const result = (o: DeployOutcome) => {
    ctx.hosting.invalidate();
    ctx.httpsManager?.namesChanged(); // [https] a new app's alias gets a certificate
    ctx.log.info("deployed", { app: o.app, version: o.version.id, files: o.version.files });
    return ok(
      {
        app: o.app,
        version: o.version.id,
        seq: o.version.seq,
        files: o.version.files,
        bytes: o.version.bytes,
        uploadedBytes: o.uploadedBytes,
        url: appUrl(ctx.config, o.app),
        warnings: o.warnings,
        // A preview deploy (`preview: true`) left the current version serving.
        preview: !o.version.current,
        previewUrl: previewUrl(ctx.config, o.app, o.version.seq),
      },
      { status: 201 },
    );
  };

  app.post("/deploys", async (c) => {
    // A manifest of 10,000 paths is far over the ordinary JSON limit; allow for it.
    const limit = Math.max(ctx.config.maxBodyBytes, ctx.config.maxFiles * 1200);
    const manifest = await readJson(c, v.unknown(), limit);
    // Checked before anything is stored.
    assertMayName(c, (manifest as { name?: unknown } | null)?.name, "manifest: name");
    return ok(startDeploy(ctx.store, ctx.config, manifest), { status: 201 });
  });

  app.put("/deploys/:id/blobs/:sha", async (c) => {
    const sha = c.req.param("sha").toLowerCase();
    if (!SHA256.test(sha))
      throw new FaztError("VALIDATION_FAILED", "the blob's name must be its sha256 (64 hex)");
    assertMaySession(c, c.req.param("id"));
    const bytes = await readBytes(c, ctx.config.maxFileBytes);
    const { stored } = await uploadBlob(ctx.store, c.req.param("id"), sha, bytes);
    return ok({ sha256: sha, stored });
  });

  app.post("/deploys/:id/finish", (c) => {
    assertMaySession(c, c.req.param("id"));
    return result(finishDeploy(ctx.store, ctx.config, c.req.param("id")));
  });

  app.post("/deploy", async (c) => {
    const type = c.req.header("content-type") ?? "";
    if (!/^multipart\/form-data/i.test(type)) {
      throw new FaztError(
        "UNSUPPORTED_MEDIA_TYPE",
        "send a multipart form with the zip in `file` and the app's `name` (curl -F file=@site.zip -F name=site)",
      );
    }
    const declared = Number(c.req.header("content-length") ?? "0");
    if (declared > ctx.config.maxDeployBytes + 64 * 1024) {
      throw new FaztError(
        "PAYLOAD_TOO_LARGE",
        `the upload is over the deploy limit of ${ctx.config.maxDeployBytes} bytes`,
      );
    }
    const form = await readFormData(c.req.raw, ctx.config.maxDeployBytes + 64 * 1024);
    const file = form.get("file");
    if (!(file instanceof Blob))
      throw new FaztError("VALIDATION_FAILED", "form: file: is required (the zip archive)");
    const fields: Record<string, string> = {};
    for (const [k, val] of form.entries()) if (k !== "file" && typeof val === "string") fields[k] = val;
    const f = parse(zipFieldsSchema, fields, "form");
    assertMayName(c, f.name, "form: name");
    if (file.size > ctx.config.maxDeployBytes) {
      throw new FaztError(
        "PAYLOAD_TOO_LARGE",
        `the archive is over the deploy limit of ${ctx.config.maxDeployBytes} bytes`,
      );
    }
    const files = readZip(new Uint8Array(await file.arrayBuffer()), ctx.config);
    const spa = f.spa === "true" || f.spa === "1" || f.spa === "on";
    return result(await deployFiles(ctx.store, ctx.config, { name: f.name, spa, message: f.message, files }));
  });

  return app;
}
