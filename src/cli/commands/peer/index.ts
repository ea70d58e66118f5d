import { defineCommand } from "citty";

export default defineCommand({
  meta: {
    name: "peer",
    description: "The fazt instances this CLI deploys to (stored in the local database)",
  },
  subCommands: {
    add: () => import("./add.ts").then((m) => m.default),
    list: () => import("./list.ts").then((m) => m.default),
    remove: () => import("./remove.ts").then((m) => m.default),
    default: () => import("./default.ts").then((m) => m.default),
  },
});
