import { defineCommand } from "citty";

export default defineCommand({
  meta: { name: "user", description: "Users of the instance and their roles" },
  subCommands: {
    list: () => import("./list.ts").then((m) => m.default),
    "set-role": () => import("./set-role.ts").then((m) => m.default),
  },
});
