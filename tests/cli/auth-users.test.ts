import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { cleanupTemp } from "../helpers/temp.ts";
import { data, type Instance, startInstance, stopInstances } from "./instance.ts";
import { expectOneLineError, readDb } from "./support.ts";

setDefaultTimeout(60_000);

let inst: Instance;

beforeAll(async () => {
  inst = await startInstance();
});
afterAll(async () => {
  await stopInstances();
  cleanupTemp();
});

interface NewInvite {
  id: string;
  role: string;
  maxUses: number;
  expiresAt: number;
  code: string;
  url: string;
}

/** Redeems an invite over HTTP as the invitee's browser would (JSON). */
async function redeem(code: string, email: string): Promise<Response> {
  return fetch(`http://127.0.0.1:${inst.port}/auth/invite/${code}`, {
    method: "POST",
    headers: { host: "localhost", "content-type": "application/json" },
    body: JSON.stringify({ email, password: "cli-invited-pw" }),
  });
}

describe("fazt auth invite / invites", () => {
  test("invite prints the link once; the link works; invites lists it without the code", async () => {
    const text = await inst.run(["auth", "invite", "--max-uses", "2", "--expiry", "2h"]);
    expect(text.code).toBe(0);
    const link = new RegExp(`^http://localhost:${inst.port}/auth/invite/([a-z2-7]{32})$`, "m");
    const code = link.exec(text.stdout)?.[1];
    expect(code).toBeDefined();
    expect(text.stdout).toMatch(/role\s+user/);

    const json = data<NewInvite>(await inst.run(["auth", "invite", "--format", "json"]));
    expect(json).toMatchObject({ role: "user", maxUses: 1 });
    expect(json.url).toBe(`http://localhost:${inst.port}/auth/invite/${json.code}`);
    expect(json.expiresAt - Date.now()).toBeGreaterThan(7 * 86_400_000 - 120_000);

    const page = await inst.get(`/auth/invite/${code}`, "localhost");
    expect(page.status).toBe(200);
    expect((await redeem(code!, "cli-one@example.com")).status).toBe(201);

    const list = await inst.run(["auth", "invites", "--format", "json"]);
    expect(list.stdout).not.toContain(code!);
    expect(list.stdout).not.toContain(json.code);
    const invites = data<Array<{ id: string; uses: number; maxUses: number; status: string }>>(list);
    expect(invites.find((i) => i.id === json.id)).toMatchObject({ uses: 0, status: "open" });
    expect(invites.filter((i) => i.uses === 1 && i.maxUses === 2)).toHaveLength(1);

    const table = await inst.run(["auth", "invites"]);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/^ID\s+ROLE\s+USES\s+STATUS/m);
    expect(table.stdout).toMatch(new RegExp(`^${json.id}\\s+user\\s+0/1\\s+open`, "m"));
    expect(table.stdout).not.toContain(code!);

    // Only hashes in the database.
    const dump = readDb(inst.db, (d) => JSON.stringify(d.query("SELECT * FROM invites").all()));
    expect(dump).not.toContain(code!);
    expect(dump).not.toContain(json.code);
  });

  test("bad flags are one-line errors; the CLI's key (minted with the database: the owner's) invites admins", async () => {
    const cases: Array<[string[], RegExp]> = [
      [["--role", "owner"], /role/],
      [["--max-uses", "0"], /max-uses/],
      [["--max-uses", "lots"], /max-uses/],
      [["--expiry", "7 days"], /expiry/],
      [["--expiry", "400d"], /expiry.*365d/],
    ];
    for (const [args, reason] of cases)
      expectOneLineError(await inst.run(["auth", "invite", ...args]), reason);
    const admin = await inst.run(["auth", "invite", "--role", "admin", "--format", "json"]);
    expect(admin.code).toBe(0);
    expect(data<{ role: string }>(admin).role).toBe("admin");
  });
});

describe("fazt user list / set-role", () => {
  test("list shows the owner and invited users, never a password hash", async () => {
    const inv = data<NewInvite>(await inst.run(["auth", "invite", "--format", "json"]));
    expect((await redeem(inv.code, "Cli-Two@Example.com")).status).toBe(201);

    const json = await inst.run(["user", "list", "--format", "json"]);
    expect(json.stdout).not.toContain("argon2");
    const users =
      data<Array<{ id: string; username: string | null; email: string | null; role: string }>>(json);
    expect(users[0]).toMatchObject({ username: "admin", role: "owner" });
    expect(users.find((u) => u.email === "cli-two@example.com")).toMatchObject({ role: "user" });

    const text = await inst.run(["user", "list"]);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^ID\s+USERNAME\s+EMAIL\s+NAME\s+ROLE/m);
    expect(text.stdout).toMatch(/^usr_\w+\s+-\s+cli-two@example\.com\s+-\s+user/m);
  });

  test("set-role finds users by id, user name or email; the owner guard and unknown users are errors", async () => {
    const users = data<Array<{ id: string; email: string | null }>>(
      await inst.run(["user", "list", "--format", "json"]),
    );
    const two = users.find((u) => u.email === "cli-two@example.com")!;

    const byEmail = await inst.run(["user", "set-role", "CLI-TWO@example.com", "user", "--format", "json"]);
    expect(data<{ id: string; role: string }>(byEmail)).toMatchObject({ id: two.id, role: "user" });
    const byId = await inst.run(["user", "set-role", two.id, "user"]);
    expect(byId.code).toBe(0);
    expect(byId.stdout.trim()).toBe("cli-two@example.com is now user");

    // The CLI's key was minted with the database in hand: it acts as the owner, who makes admins.
    const promoted = await inst.run(["user", "set-role", two.id, "admin", "--format", "json"]);
    expect(data<{ role: string }>(promoted).role).toBe("admin");
    expect((await inst.run(["user", "set-role", two.id, "user"])).code).toBe(0);
    expectOneLineError(
      await inst.run(["user", "set-role", "admin", "user"]),
      /owner's role cannot be changed/,
    );
    expectOneLineError(await inst.run(["user", "set-role", "admin", "owner"]), /one owner/);
    expectOneLineError(
      await inst.run(["user", "set-role", "nobody@example.com", "user"]),
      /no user.*user list/,
    );
    expectOneLineError(await inst.run(["user", "set-role", two.id]), /ROLE|role/);

    const roles = readDb(inst.db, (d) =>
      d
        .query<{ role: string }, []>("SELECT role FROM users ORDER BY created_at")
        .all()
        .map((r) => r.role),
    );
    expect(roles[0]).toBe("owner");
    expect(roles.filter((r) => r === "owner")).toHaveLength(1);
    expect(roles).not.toContain("admin");
  });

  test("@local reaches the same instance", async () => {
    const r = await inst.run(["@local", "user", "list", "--format", "json"]);
    expect(data<unknown[]>(r).length).toBeGreaterThanOrEqual(3);
  });
});
