import { createApiKey } from "../../src/auth/api-keys.ts";
import { createSession } from "../../src/auth/sessions.ts";
import { newId } from "../../src/core/ids.ts";
import type { TestServer } from "./server.ts";

export type Role = "owner" | "admin" | "user";

/** A signed-in person: their id, session cookie and an admin-scope key they made (none for `user`). */
export interface Account {
  id: string;
  role: Role;
  cookie: string;
  key: string | null;
}

let n = 0;

/**
 * A user of `role` written straight into the server's database and signed in
 * (a session made as sign-in makes it): the accounts code has its own tests,
 * these are for what a role may do. `owner` is the instance's owner.
 */
export function account(s: TestServer, role: Role, email = `person${++n}@example.test`): Account {
  // Through the engine: the same on SQLite and PostgreSQL (FAZT_TEST_ENGINE).
  const db = s.store.engine;
  let id: string;
  if (role === "owner") {
    id = db.get<{ id: string }>("SELECT id FROM users WHERE role = 'owner'")!.id;
  } else {
    id = newId("usr");
    const now = Date.now();
    db.run(
      "INSERT INTO users (id, username, email, name, role, password_hash, created_at, updated_at) VALUES (?, NULL, ?, ?, ?, NULL, ?, ?)",
      [id, email, `Person ${n}`, role, now, now],
    );
  }
  const { token } = createSession(s.store, id);
  const key =
    role === "user" ? null : createApiKey(s.store, { name: `key of ${id}`, scope: "admin" }, id).token;
  return { id, role, cookie: `fazt_session=${token}`, key };
}

/** Headers of a request with this account's session, as its browser on `host` sends them. */
export const withCookie = (a: Account, host = "localhost") => ({
  cookie: a.cookie,
  origin: `http://${host}`,
});
