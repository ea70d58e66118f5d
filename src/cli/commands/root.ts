import { defineCommand } from "citty";
import { VERSION } from "../../core/index.ts";

/**
 * The command tree. Each command lives in its own file and is imported when
 * used, so `fazt version` does not load the server.
 */
export const root = defineCommand({
  meta: {
    name: "fazt",
    version: VERSION,
    description:
      "A personal cloud in one file. Global options: --db PATH, --format json|text, @PEER before a command. `fazt help COMMAND` explains one.",
  },
  subCommands: {
    app: () => import("./app/index.ts").then((m) => m.default),
    alias: () => import("./alias/index.ts").then((m) => m.default),
    auth: () => import("./auth/index.ts").then((m) => m.default),
    backup: () => import("./backup/index.ts").then((m) => m.default),
    db: () => import("./db/index.ts").then((m) => m.default),
    // The command a newcomer types most, one word shorter.
    deploy: () =>
      import("./app/deploy.ts").then((m) => ({
        ...m.default,
        meta: { name: "deploy", description: "Deploy a folder as an app (short for `fazt app deploy`)" },
      })),
    peer: () => import("./peer/index.ts").then((m) => m.default),
    server: () => import("./server/index.ts").then((m) => m.default),
    service: () => import("./service/index.ts").then((m) => m.default),
    sql: () => import("./sql.ts").then((m) => m.default),
    upgrade: () => import("./upgrade.ts").then((m) => m.default),
    user: () => import("./user/index.ts").then((m) => m.default),
    version: () => import("./version.ts").then((m) => m.default),
  },
});
