import * as v from "valibot";
import type { PeerClient } from "./client.ts";

/**
 * The admin API routes for users and invites (docs/admin-api.md), typed for the
 * CLI. Kept apart from api.ts so the accounts commands grow here.
 */
const when = v.number();

export const userSchema = v.looseObject({
  id: v.string(),
  username: v.nullable(v.string()),
  email: v.nullable(v.string()),
  name: v.nullable(v.string()),
  role: v.picklist(["owner", "admin", "user"]),
  createdAt: when,
  lastLoginAt: v.nullable(when),
});
export type User = v.InferOutput<typeof userSchema>;

export const inviteSchema = v.looseObject({
  id: v.string(),
  role: v.picklist(["admin", "user"]),
  maxUses: v.number(),
  uses: v.number(),
  expiresAt: v.nullable(when),
  createdBy: v.nullable(v.string()),
  createdAt: when,
  status: v.string(),
});
export type Invite = v.InferOutput<typeof inviteSchema>;

export const newInviteSchema = v.looseObject({ ...inviteSchema.entries, code: v.string(), url: v.string() });
export type NewInvite = v.InferOutput<typeof newInviteSchema>;

const seg = encodeURIComponent;

export const accountsApi = {
  /** Every user, page by page (the route answers at most 1,000 at a time). */
  async listUsers(c: PeerClient): Promise<User[]> {
    const all: User[] = [];
    for (;;) {
      const page = await c.call("GET", `/api/users?limit=1000&offset=${all.length}`, v.array(userSchema));
      all.push(...page);
      if (page.length < 1000) return all;
    }
  },
  setRole: (c: PeerClient, id: string, role: "admin" | "user") =>
    c.call("PATCH", `/api/users/${seg(id)}`, userSchema, { json: { role } }),
  listInvites: (c: PeerClient) => c.call("GET", "/api/invites", v.array(inviteSchema)),
  createInvite: (c: PeerClient, body: { role?: "admin" | "user"; maxUses?: number; expiry?: string }) =>
    c.call("POST", "/api/invites", newInviteSchema, { json: body }),
};
