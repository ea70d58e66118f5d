import { Database } from "bun:sqlite";
import { afterAll, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fazt, startServerProcess } from "../helpers/cli.ts";
import { cleanupTemp, freePort, tempDir } from "../helpers/temp.ts";
import {
  bannerPassword,
  expectOneLineError,
  faztBounded,
  outputMatching,
  ownerHash,
  PASSWORD,
  sha256File,
} from "./support.ts";

afterAll(cleanupTemp);

/** Commands that open the database; `server start` must refuse before it listens. */
const opening = (port: number): string[][] => [
  ["server", "status"],
  ["server", "init"],
  ["server", "set-config", "--domain", "x.example"],
  ["server", "create-key", "--name", "ci"],
  ["server", "start", "--listen", "127.0.0.1", "--port", String(port)],
];

/** Runs every opening command on `db`; each must fail with one line matching `reason`, leaving the file as it was. */
async function expectRefused(db: string, reason: RegExp): Promise<void> {
  const home = tempDir();
  const before = sha256File(db);
  for (const args of opening(freePort())) {
    const r = await faztBounded([...args, "--db", db], { home });
    expect(r.timedOut).toBe(false);
    const line = expectOneLineError(r, reason);
    expect(line).toContain(db);
    expect(sha256File(db)).toBe(before);
  }
  expect(existsSync(`${db}-wal`)).toBe(false);
  expect(existsSync(`${db}-shm`)).toBe(false);
}

describe("an unreadable database is refused with one line naming it, and left untouched", () => {
  test("random bytes", async () => {
    const db = join(tempDir(), "garbage.db");
    writeFileSync(db, crypto.getRandomValues(new Uint8Array(8192)));
    await expectRefused(db, /not a SQLite database/);
  });

  test("a SQLite header followed by garbage", async () => {
    const db = join(tempDir(), "corrupt.db");
    const bytes = crypto.getRandomValues(new Uint8Array(8192));
    bytes.set(new TextEncoder().encode("SQLite format 3\0"));
    writeFileSync(db, bytes);
    await expectRefused(db, /cannot open database/);
  });

  test("a folder where the file should be", async () => {
    const db = join(tempDir(), "folder.db");
    mkdirSync(db);
    const r = await fazt(["server", "status", "--db", db], { home: tempDir() });
    expectOneLineError(r, /not a regular file/);
  });
});

describe("a database from a newer fazt", () => {
  test("is refused by every command, saying it is newer, and its bytes are unchanged", async () => {
    const home = tempDir();
    const db = join(home, "new.db");
    expect((await fazt(["server", "init", "--password", PASSWORD, "--db", db], { home })).code).toBe(0);
    const sqlite = new Database(db);
    sqlite.exec("PRAGMA user_version = 999");
    sqlite.close();
    await expectRefused(db, /newer/);
    const check = new Database(db, { readonly: true });
    expect(check.query<{ user_version: number }, []>("PRAGMA user_version").get()!.user_version).toBe(999);
    check.close();
  });
});

describe("port in use", () => {
  test("server start fails with one line naming the port", async () => {
    const home = tempDir();
    expect((await fazt(["server", "init", "--password", PASSWORD], { home })).code).toBe(0);
    const occupant = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: () => new Response("occupied") });
    try {
      const port = String(occupant.port);
      for (const listen of [[], ["--listen", "127.0.0.1"]]) {
        const r = await faztBounded(["server", "start", "--port", port, ...listen], { home });
        expect(r.timedOut).toBe(false);
        expectOneLineError(r, new RegExp(`port ${port}.*in use`));
      }
      // The occupant still answers: fazt did not take the port over.
      expect(await (await fetch(`http://127.0.0.1:${port}/`)).text()).toBe("occupied");
    } finally {
      occupant.stop(true);
    }
  });

  test("a first start that fails on a busy port does not lose the generated password", async () => {
    const home = tempDir();
    const occupant = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: () => new Response("occupied") });
    let failed: Awaited<ReturnType<typeof faztBounded>>;
    try {
      failed = await faztBounded(
        ["server", "start", "--listen", "127.0.0.1", "--port", String(occupant.port)],
        {
          home,
        },
      );
    } finally {
      occupant.stop(true);
    }
    expect(failed.code).not.toBe(0);
    expect(failed.stderr).toMatch(/in use/);
    // Either the failed run showed the password, or the next start still creates and shows one.
    const server = await startServerProcess([], { home, port: freePort() });
    let password: string | undefined;
    try {
      password = bannerPassword(failed.stdout) ?? bannerPassword(await outputMatching(server, /serving on/));
    } finally {
      expect(await server.stop()).toBe(0);
    }
    expect(password).toBeDefined();
    expect(await Bun.password.verify(password!, ownerHash(join(home, ".fazt", "data.db")))).toBe(true);
  });
});
