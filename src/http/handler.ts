import type { Hono } from "hono";
import type { AdminUi } from "./admin/ui.ts";
import { createAnswer, failure, type Handler } from "./answer.ts";
import type { ServerContext } from "./context.ts";
import type { RequestEnv } from "./env.ts";
import { servePreview } from "./preview.ts";

export type { Handler } from "./answer.ts";

/**
 * The main thread's handler (answer.ts), which also runs what a listener
 * thread hands over: the admin and `/auth` apps (Hono, loaded on their first
 * request: start-up stays lean) and previews. A `HandOff` from the hosting
 * cannot happen here: this thread's hosting has the session check and the
 * app code.
 */
export function createHandler(ctx: ServerContext, ui: () => Promise<AdminUi>): Handler {
  let admin: Promise<Hono<RequestEnv>> | undefined;
  let auth: Promise<Hono<RequestEnv>> | undefined;
  const adminApp = () => (admin ??= import("./admin/app.ts").then((m) => m.createAdminApp(ctx, ui)));
  const authApp = () => (auth ??= import("./auth/app.ts").then((m) => m.authApp(ctx)));

  return createAnswer(ctx, (req, server, what, info, target) => {
    const { requestId, done } = info;
    if (what === "preview" && target) {
      const common = { requestId, https: ctx.config.https, bytes: null };
      return servePreview(ctx, req, target, common, info.path, info.query).then(done);
    }
    if (what === "hosting") throw new Error("the main thread's hosting handed a request off");
    return (what === "auth" ? authApp() : adminApp())
      .then((a) => a.fetch(req, { requestId, server }))
      .then(done, (err: unknown) => done(failure(ctx.log, err, requestId)));
  });
}
