import type { Server } from "bun";

/** What every Hono app of ours is given per request by the top-level handler. */
export type RequestEnv = { Bindings: { requestId: string; server: Server<undefined> | undefined } };
