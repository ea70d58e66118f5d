import { defineCommand } from "citty";

/** `fazt auth …`: who may sign in (docs/security.md). Add provider commands to `subCommands`. */
export const subCommands = {
  invite: () => import("./invite.ts").then((m) => m.default),
  invites: () => import("./invites.ts").then((m) => m.default),
  provider: () => import("./provider.ts").then((m) => m.default),
  providers: () => import("./providers.ts").then((m) => m.default),
};

export default defineCommand({
  meta: { name: "auth", description: "Sign-in: invite people, list invites, set up providers" },
  subCommands,
});
