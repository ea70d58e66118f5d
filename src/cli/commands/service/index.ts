import { defineCommand } from "citty";

export default defineCommand({
  meta: { name: "service", description: "Run fazt as a service (systemd, or termux-services on Android)" },
  subCommands: {
    install: () => import("./install.ts").then((m) => m.default),
    uninstall: () => import("./uninstall.ts").then((m) => m.default),
    status: () => import("./status.ts").then((m) => m.default),
    logs: () => import("./logs.ts").then((m) => m.default),
  },
});
