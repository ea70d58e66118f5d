import { defineCommand } from "citty";

export default defineCommand({
  meta: { name: "backup", description: "Snapshot and restore this machine's database" },
  subCommands: {
    create: () => import("./create.ts").then((m) => m.default),
    list: () => import("./list.ts").then((m) => m.default),
    restore: () => import("./restore.ts").then((m) => m.default),
  },
});
