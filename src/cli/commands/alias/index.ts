import { defineCommand } from "citty";

export default defineCommand({
  meta: { name: "alias", description: "Subdomains: point one at an app, redirect it, or reserve it" },
  subCommands: {
    list: () => import("./list.ts").then((m) => m.default),
    set: () => import("./set.ts").then((m) => m.default),
    remove: () => import("./remove.ts").then((m) => m.default),
  },
});
