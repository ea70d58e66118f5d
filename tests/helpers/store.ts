import { afterAll, beforeAll } from "bun:test";
import { join } from "node:path";
import { openDatabase, type Store } from "../../src/db/index.ts";
import { cleanupTemp, tempDir } from "./temp.ts";

/**
 * A migrated database in a temp folder for the tests of one file, opened
 * before them and removed after. Read `.current` inside tests.
 */
export function useTempStore(): { current: Store } {
  const ref = {} as { current: Store };
  beforeAll(async () => {
    ref.current = await openDatabase(join(tempDir(), "data.db"));
  });
  afterAll(() => {
    ref.current.close();
    cleanupTemp();
  });
  return ref;
}
