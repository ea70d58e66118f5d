import { defineCommand } from "citty";

export default defineCommand({
  meta: { name: "db", description: "Move the database between engines (a SQLite file, PostgreSQL)" },
  subCommands: {
    copy: () => import("./copy.ts").then((m) => m.default),
  },
});
