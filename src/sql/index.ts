/** The SQL console (docs/admin-api.md, docs/security.md): one statement per process, read-only unless asked, capped and time-limited. */
export { runSql, SQL_CHILD_ARG, SQL_MAX_ROWS, SQL_TIMEOUT_MS, type SqlInput, type SqlResult } from "./run.ts";
export type { CellValue } from "./values.ts";

/** The query process's entry point, loaded only in that process. */
export const sqlChildMain = (): Promise<number> => import("./child.ts").then((m) => m.sqlChildMain());
