import { defineCommand } from "citty";

export default defineCommand({
  meta: { name: "app", description: "Deploy and manage apps (on the default peer, @PEER, or this machine)" },
  subCommands: {
    deploy: () => import("./deploy.ts").then((m) => m.default),
    list: () => import("./list.ts").then((m) => m.default),
    info: () => import("./info.ts").then((m) => m.default),
    versions: () => import("./versions.ts").then((m) => m.default),
    rollback: () => import("./rollback.ts").then((m) => m.default),
    files: () => import("./files.ts").then((m) => m.default),
    pull: () => import("./pull.ts").then((m) => m.default),
    logs: () => import("./logs.ts").then((m) => m.default),
    env: () => import("./env.ts").then((m) => m.default),
    remove: () => import("./remove.ts").then((m) => m.default),
    create: () => import("./create.ts").then((m) => m.default),
    validate: () => import("./validate.ts").then((m) => m.default),
  },
});
