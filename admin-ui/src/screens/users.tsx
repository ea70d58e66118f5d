import { useState } from "preact/hooks";
import { del, patch, post, seg } from "../api.ts";
import { ago, dateTime, plural } from "../format.ts";
import { useAction, useApi } from "../hooks.ts";
import { me, toast } from "../state.ts";
import type { Invite, Role, User } from "../types.ts";
import { confirm } from "../ui/dialog.tsx";
import { Badge, Banner, Card, Empty, Field, Header, Loading, Secret } from "../ui/kit.tsx";

const STATUS = { open: "ok", used: "plain", expired: "warn" } as const;
const who = (u: User) => u.name ?? u.username ?? u.email ?? u.id;

function Invites() {
  const invites = useApi<Invite[]>("/api/invites");
  const action = useAction();
  const [role, setRole] = useState<"user" | "admin">("user");
  const [maxUses, setMaxUses] = useState(1);
  const [expiry, setExpiry] = useState("7d");
  const [made, setMade] = useState<(Invite & { url: string }) | null>(null);

  const create = async (e: Event) => {
    e.preventDefault();
    const inv = await action.run(() =>
      post<Invite & { url: string; code: string }>("/api/invites", { role, maxUses, expiry }),
    );
    if (!inv) return;
    setMade(inv);
    invites.reload();
  };

  const list = invites.data ?? [];
  return (
    <Card title="Invites">
      <form class="form" onSubmit={create} aria-label="New invite">
        <Banner error={action.error} onClose={() => action.setError(null)} />
        <div class="form-row compact">
          <Field id="invite-role" label="Role">
            <select
              id="invite-role"
              value={role}
              onChange={(e) => setRole(e.currentTarget.value as "user" | "admin")}
            >
              <option value="user">User</option>
              <option value="admin">Admin</option>
            </select>
          </Field>
          <Field id="invite-uses" label="Uses">
            <input
              id="invite-uses"
              type="number"
              min={1}
              max={1000}
              value={maxUses}
              onInput={(e) => setMaxUses(Number(e.currentTarget.value))}
            />
          </Field>
          <Field id="invite-expiry" label="Expires after">
            <select id="invite-expiry" value={expiry} onChange={(e) => setExpiry(e.currentTarget.value)}>
              <option value="1h">1 hour</option>
              <option value="1d">1 day</option>
              <option value="7d">7 days</option>
              <option value="30d">30 days</option>
            </select>
          </Field>
        </div>
        <div>
          <button type="submit" class="btn btn-primary" disabled={action.busy}>
            Create invite link
          </button>
        </div>
      </form>
      {made ? (
        <Secret
          value={made.url}
          note={`Send this link to the person you invite (${made.role}, ${plural(made.maxUses, "use")}). It is shown only now.`}
        />
      ) : null}
      <h3 class="sub-head">Links made</h3>
      <Banner error={invites.error} />
      {invites.loading && !invites.data ? <Loading /> : null}
      {invites.data && list.length === 0 ? <Empty title="No invites yet" /> : null}
      <ul class="list" aria-label="Invites">
        {list.map((i) => (
          <li key={i.id}>
            <div class="item-main">
              <p class="row-wrap">
                <span class="item-title">{i.role}</span>
                <Badge kind={STATUS[i.status]}>{i.status}</Badge>
              </p>
              <p class="item-meta">
                {i.uses} of {plural(i.maxUses, "use")} · made {ago(i.createdAt)} · expires{" "}
                {dateTime(i.expiresAt)}
              </p>
            </div>
          </li>
        ))}
      </ul>
    </Card>
  );
}

export function UsersScreen() {
  const users = useApi<User[]>("/api/users?limit=1000");
  const action = useAction();
  const list = users.data ?? [];

  const setRole = async (u: User, role: Role) => {
    const done = await action.run(() => patch<User>(`/api/users/${seg(u.id)}`, { role }));
    if (done) toast(`${who(u)} is now ${role}`);
    users.reload();
  };

  const remove = async (u: User) => {
    const yes = await confirm({
      title: `Remove ${who(u)}?`,
      body: <p>Their account, sessions and the API keys they made stop working. Their data in apps stays.</p>,
      action: "Remove user",
    });
    if (!yes) return;
    const done = await action.run(() => del(`/api/users/${seg(u.id)}`));
    if (done) toast(`Removed ${who(u)}`);
    users.reload();
  };

  return (
    <>
      <Header title="Users and invites" sub={users.data ? plural(list.length, "user") : undefined} />
      <div class="stack">
        <Card title="Users">
          <Banner error={action.error ?? users.error} onClose={() => action.setError(null)} />
          {users.loading && !users.data ? <Loading /> : null}
          <ul class="list" aria-label="Users">
            {list.map((u) => (
              <li key={u.id} data-user={u.email ?? u.username ?? u.id}>
                <div class="item-main">
                  <p class="row-wrap">
                    <span class="item-title">{who(u)}</span>
                    {u.id === me.value?.id ? <Badge kind="accent">you</Badge> : null}
                  </p>
                  <p class="item-meta">
                    {u.email ?? u.username ?? ""} · last sign-in {ago(u.lastLoginAt)}
                  </p>
                </div>
                <div class="item-actions">
                  {u.role === "owner" ? (
                    <Badge kind="accent">owner</Badge>
                  ) : (
                    <>
                      <select
                        aria-label={`Role of ${who(u)}`}
                        value={u.role}
                        disabled={action.busy}
                        onChange={(e) => setRole(u, e.currentTarget.value as Role)}
                        class="select-small"
                      >
                        <option value="user">user</option>
                        <option value="admin">admin</option>
                      </select>
                      <button
                        type="button"
                        class="btn btn-small btn-danger"
                        onClick={() => remove(u)}
                        aria-label={`Remove ${who(u)}`}
                      >
                        Remove
                      </button>
                    </>
                  )}
                </div>
              </li>
            ))}
          </ul>
        </Card>
        <Invites />
      </div>
    </>
  );
}
