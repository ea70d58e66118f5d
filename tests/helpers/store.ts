import { afterAll, beforeAll } from "bun:test";
import { openStoreAt, type Store } from "../../src/db/index.ts";
import { testDatabaseTarget } from "./engine.ts";
import { cleanupTemp, tempDir } from "./temp.ts";

/**
 * A migrated database in a temp folder for the tests of one file, opened
 * before them and removed after. Read `.current` inside tests. On
 * PostgreSQL when `FAZT_TEST_ENGINE=postgres` (helpers/engine.ts).
 */
export function useTempStore(): { current: Store } {
  const ref = {} as { current: Store };
  beforeAll(async () => {
    ref.current = await openStoreAt(await testDatabaseTarget(tempDir()));
  });
  afterAll(() => {
    ref.current.close();
    cleanupTemp();
  });
  return ref;
}
