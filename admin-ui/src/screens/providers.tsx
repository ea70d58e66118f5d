import { useState } from "preact/hooks";
import { put, seg } from "../api.ts";
import { useAction, useApi } from "../hooks.ts";
import { toast } from "../state.ts";
import type { Provider } from "../types.ts";
import { Badge, Banner, Card, CopyButton, Field, Header, Loading } from "../ui/kit.tsx";

type Url = "issuer" | "authorizeUrl" | "tokenUrl" | "userinfoUrl";
const URLS: { key: Url; label: string }[] = [
  { key: "authorizeUrl", label: "Authorize URL" },
  { key: "tokenUrl", label: "Token URL" },
  { key: "userinfoUrl", label: "User info URL" },
];

function ProviderCard({ p, onSaved }: { p: Provider; onSaved: () => void }) {
  const action = useAction();
  const [editing, setEditing] = useState(false);
  const [clientId, setClientId] = useState(p.clientId ?? "");
  const [secret, setSecret] = useState("");
  const [urls, setUrls] = useState<Record<Url, string>>({
    issuer: p.issuer ?? "",
    authorizeUrl: p.authorizeUrl ?? "",
    tokenUrl: p.tokenUrl ?? "",
    userinfoUrl: p.userinfoUrl ?? "",
  });
  const id = (s: string) => `${p.name}-${s}`;

  const save = async (body: Record<string, unknown>, note: string) => {
    const done = await action.run(() => put<Provider>(`/api/auth/providers/${seg(p.name)}`, body));
    if (!done) return;
    toast(note);
    setEditing(false);
    setSecret("");
    onSaved();
  };

  const submit = (e: Event) => {
    e.preventDefault();
    const body: Record<string, unknown> = { clientId: clientId.trim() };
    if (secret) body.clientSecret = secret;
    const keys: Url[] = p.kind === "oidc" ? ["issuer"] : [];
    for (const k of [...keys, ...URLS.map((u) => u.key)]) {
      const v = urls[k].trim();
      if (v || p[k]) body[k] = v || null;
    }
    void save(body, `${p.label} saved`);
  };

  return (
    <Card
      title={p.label}
      actions={
        <span class="row-wrap">
          {p.enabled ? (
            <Badge kind="ok">enabled</Badge>
          ) : p.configured ? (
            <Badge kind="warn">disabled</Badge>
          ) : (
            <Badge>not set up</Badge>
          )}
        </span>
      }
    >
      <Banner error={action.error} onClose={() => action.setError(null)} />
      <p class="hint">Callback URL to register with {p.label}:</p>
      <div class="secret-row">
        <code class="secret-value">{p.callbackUrl}</code>
        <CopyButton text={p.callbackUrl} />
      </div>
      {p.configured ? (
        <p class="item-meta">
          Client id <span class="mono">{p.clientId}</span> · secret {p.clientSecretSet ? "set" : "missing"}
        </p>
      ) : null}
      {editing ? (
        <form class="form" onSubmit={submit}>
          <Field id={id("client")} label="Client id">
            <input
              id={id("client")}
              value={clientId}
              required
              onInput={(e) => setClientId(e.currentTarget.value)}
            />
          </Field>
          <Field
            id={id("secret")}
            label="Client secret"
            hint={p.clientSecretSet ? "Leave empty to keep the stored one" : undefined}
          >
            <input
              id={id("secret")}
              type="password"
              autocomplete="off"
              value={secret}
              required={!p.clientSecretSet}
              onInput={(e) => setSecret(e.currentTarget.value)}
            />
          </Field>
          {p.kind === "oidc" ? (
            <Field id={id("issuer")} label="Issuer URL">
              <input
                id={id("issuer")}
                type="url"
                value={urls.issuer}
                required
                onInput={(e) => setUrls({ ...urls, issuer: e.currentTarget.value })}
              />
            </Field>
          ) : null}
          <details>
            <summary>Endpoints (GitHub Enterprise, a self-hosted provider)</summary>
            <div class="form">
              {URLS.map((u) => (
                <Field key={u.key} id={id(u.key)} label={u.label}>
                  <input
                    id={id(u.key)}
                    type="url"
                    value={urls[u.key]}
                    placeholder="default"
                    onInput={(e) => setUrls({ ...urls, [u.key]: e.currentTarget.value })}
                  />
                </Field>
              ))}
            </div>
          </details>
          <div class="row-wrap">
            <button type="submit" class="btn btn-primary" disabled={action.busy}>
              Save
            </button>
            <button type="button" class="btn" onClick={() => setEditing(false)}>
              Cancel
            </button>
          </div>
        </form>
      ) : (
        <div class="row-wrap">
          <button type="button" class="btn btn-small" onClick={() => setEditing(true)}>
            {p.configured ? "Edit" : "Set up"}
          </button>
          {p.configured ? (
            <button
              type="button"
              class={p.enabled ? "btn btn-small btn-danger" : "btn btn-small btn-primary"}
              disabled={action.busy}
              onClick={() =>
                save({ enabled: !p.enabled }, `${p.label} ${p.enabled ? "disabled" : "enabled"}`)
              }
            >
              {p.enabled ? "Disable" : "Enable"}
            </button>
          ) : null}
        </div>
      )}
    </Card>
  );
}

export function ProvidersScreen() {
  const providers = useApi<Provider[]>("/api/auth/providers");
  return (
    <>
      <Header
        title="Sign-in providers"
        sub="Let people sign in with an account they already have. Secrets go in and never come back out."
      />
      <Banner error={providers.error} />
      {providers.loading && !providers.data ? <Loading /> : null}
      <div class="grid">
        {(providers.data ?? []).map((p) => (
          <ProviderCard key={`${p.name}-${p.updatedAt}`} p={p} onSaved={providers.reload} />
        ))}
      </div>
    </>
  );
}
