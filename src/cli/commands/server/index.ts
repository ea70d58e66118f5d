import { defineCommand } from "citty";

export default defineCommand({
  meta: { name: "server", description: "Set up and run this instance" },
  subCommands: {
    init: () => import("./init.ts").then((m) => m.default),
    start: () => import("./start.ts").then((m) => m.default),
    status: () => import("./status.ts").then((m) => m.default),
    "set-config": () => import("./set-config.ts").then((m) => m.default),
    "set-credentials": () => import("./set-credentials.ts").then((m) => m.default),
    "create-key": () => import("./create-key.ts").then((m) => m.default),
  },
});
