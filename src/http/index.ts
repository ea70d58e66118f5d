/** The HTTP server: host routing, the admin API and UI, the common headers and log. */
export { createContext, type ServerContext } from "./context.ts";
export { errorResponse, json, ok } from "./envelope.ts";
export { followChanges } from "./follow-changes.ts";
export { type HostTarget, normalizeHost, routeHost } from "./host-routing.ts";
export { type RunningServer, startServer } from "./server.ts";
