/**
 * Test helper (isolation.test.ts): one process writing through its own
 * connection. Prints "ready" once the database is open, waits for a line on
 * stdin so that every writer starts at the same moment, then prints its result
 * as JSON. Arguments: PATH (a SQLite file or a PostgreSQL URL) APP_ID WORKER ROUNDS.
 */
import { openStoreAt } from "../../src/db/index.ts";
import { writeRounds } from "./writer.ts";

const [path, appId, worker, rounds] = process.argv.slice(2);
const store = await openStoreAt(path!, { create: false });
console.log("ready");
for await (const _ of console) break;
console.log(JSON.stringify(writeRounds(store, appId!, Number(worker), Number(rounds))));
store.close();
