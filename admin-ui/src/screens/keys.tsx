import { useState } from "preact/hooks";
import { del, post, seg } from "../api.ts";
import { ago, plural } from "../format.ts";
import { useAction, useApi } from "../hooks.ts";
import { toast } from "../state.ts";
import type { ApiKey, App } from "../types.ts";
import { confirm } from "../ui/dialog.tsx";
import { Badge, Banner, Card, Empty, Field, Header, Loading, Secret } from "../ui/kit.tsx";

/** API keys: the token is shown once, at creation; deploy keys may be limited to some apps. */
export function KeysScreen() {
  const keys = useApi<ApiKey[]>("/api/keys");
  const apps = useApi<App[]>("/api/apps?limit=1000");
  const action = useAction();
  const [name, setName] = useState("");
  const [scope, setScope] = useState<"admin" | "deploy">("deploy");
  const [limit, setLimit] = useState<string[]>([]);
  const [token, setToken] = useState<{ name: string; token: string } | null>(null);
  const list = keys.data ?? [];

  const create = async (e: Event) => {
    e.preventDefault();
    const body = { name: name.trim(), scope, ...(scope === "deploy" && limit.length ? { apps: limit } : {}) };
    const made = await action.run(() => post<ApiKey & { token: string }>("/api/keys", body));
    if (!made) return;
    setToken({ name: made.name, token: made.token });
    setName("");
    setLimit([]);
    keys.reload();
  };

  const revoke = async (k: ApiKey) => {
    const yes = await confirm({
      title: `Revoke "${k.name}"?`,
      body: (
        <p>Anything using this key (a CLI peer, a CI job) is refused from now on. This cannot be undone.</p>
      ),
      action: "Revoke key",
    });
    if (!yes) return;
    const done = await action.run(() => del(`/api/keys/${seg(k.id)}`));
    if (done) toast(`Revoked ${k.name}`);
    keys.reload();
  };

  return (
    <>
      <Header
        title="API keys"
        sub="For the CLI on another machine, CI and scripts: Authorization: Bearer …"
      />
      <div class="stack">
        <Card title="New key">
          <form class="form" onSubmit={create}>
            <Banner error={action.error} onClose={() => action.setError(null)} />
            <div class="form-row">
              <Field id="key-name" label="Name">
                <input
                  id="key-name"
                  value={name}
                  required
                  maxLength={100}
                  placeholder="laptop, github-actions…"
                  onInput={(e) => setName(e.currentTarget.value)}
                />
              </Field>
              <Field
                id="key-scope"
                label="Scope"
                hint={scope === "admin" ? "Everything the admin API allows" : "Deploys only"}
              >
                <select
                  id="key-scope"
                  value={scope}
                  onChange={(e) => setScope(e.currentTarget.value as "admin" | "deploy")}
                >
                  <option value="deploy">deploy</option>
                  <option value="admin">admin</option>
                </select>
              </Field>
            </div>
            {scope === "deploy" && (apps.data?.length ?? 0) > 0 ? (
              <fieldset class="fieldset">
                <legend>Limit to apps (none ticked: any app)</legend>
                <div class="row-wrap">
                  {(apps.data ?? []).map((a) => (
                    <label class="check chip" key={a.id}>
                      <input
                        type="checkbox"
                        checked={limit.includes(a.name)}
                        onChange={(e) =>
                          setLimit(
                            e.currentTarget.checked ? [...limit, a.name] : limit.filter((n) => n !== a.name),
                          )
                        }
                      />
                      {a.name}
                    </label>
                  ))}
                </div>
              </fieldset>
            ) : null}
            <div>
              <button type="submit" class="btn btn-primary" disabled={action.busy}>
                Create key
              </button>
            </div>
          </form>
          {token ? (
            <Secret
              value={token.token}
              note={`The token of "${token.name}". Copy it now: it is never shown again.`}
            />
          ) : null}
        </Card>
        <Card title={keys.data ? plural(list.length, "key") : "Keys"}>
          <Banner error={keys.error} />
          {keys.loading && !keys.data ? <Loading /> : null}
          {keys.data && list.length === 0 ? <Empty title="No keys yet" /> : null}
          <ul class="list" aria-label="Keys">
            {list.map((k) => (
              <li key={k.id} data-key={k.name}>
                <div class="item-main">
                  <p class="row-wrap">
                    <span class="item-title">{k.name}</span>
                    <Badge kind={k.scope === "admin" ? "accent" : "plain"}>{k.scope}</Badge>
                    {k.active ? null : <Badge kind="warn">inactive</Badge>}
                  </p>
                  <p class="item-meta">
                    {k.apps ? `apps: ${k.apps.join(", ")} · ` : ""}by{" "}
                    {k.maker?.username ?? k.maker?.email ?? "a removed user"} · made {ago(k.createdAt)} · last
                    used {ago(k.lastUsedAt)}
                  </p>
                </div>
                <button
                  type="button"
                  class="btn btn-small btn-danger"
                  onClick={() => revoke(k)}
                  aria-label={`Revoke ${k.name}`}
                >
                  Revoke
                </button>
              </li>
            ))}
          </ul>
        </Card>
      </div>
    </>
  );
}
