import { useState } from "preact/hooks";
import { put, seg } from "../api.ts";
import type { AppTabProps } from "../app/app-tabs.ts";
import { ago } from "../format.ts";
import { useAction, useApi } from "../hooks.ts";
import { toast } from "../state.ts";
import type { EnvEntry } from "../types.ts";
import { confirm } from "../ui/dialog.tsx";
import { Banner, Card, Empty, Field, Loading } from "../ui/kit.tsx";

/** Environment values: set and unset; values are never shown back, only a masked preview. */
export function EnvTab({ app }: AppTabProps) {
  const path = `/api/apps/${seg(app.name)}/env`;
  const env = useApi<EnvEntry[]>(path);
  const action = useAction();
  const [key, setKey] = useState("");
  const [value, setValue] = useState("");
  const [reveal, setReveal] = useState(false);
  const list = env.data ?? [];

  const save = async (e: Event) => {
    e.preventDefault();
    const k = key.trim();
    const done = await action.run(() => put<EnvEntry[]>(path, { set: { [k]: value } }));
    if (!done) return;
    setKey("");
    setValue("");
    toast(`${k} set · used from the next request`);
    env.reload();
  };

  const unset = async (k: string) => {
    const yes = await confirm({
      title: `Unset ${k}?`,
      body: <p>The app stops seeing this value from its next request.</p>,
      action: "Unset",
    });
    if (!yes) return;
    const done = await action.run(() => put<EnvEntry[]>(path, { unset: [k] }));
    if (done) {
      toast(`${k} unset`);
      env.reload();
    }
  };

  return (
    <div class="stack">
      <Card title="Set a value">
        <form class="form" onSubmit={save}>
          <Banner error={action.error} onClose={() => action.setError(null)} />
          <div class="form-row">
            <Field id="env-key" label="Key">
              <input
                id="env-key"
                value={key}
                required
                autocapitalize="characters"
                spellcheck={false}
                placeholder="API_TOKEN"
                onInput={(e) => setKey(e.currentTarget.value)}
              />
            </Field>
            <Field id="env-value" label="Value">
              <input
                id="env-value"
                type={(reveal ? "text" : "password") as "text"}
                autocomplete="off"
                value={value}
                onInput={(e) => setValue(e.currentTarget.value)}
              />
            </Field>
          </div>
          <div class="row-wrap">
            <button type="submit" class="btn btn-primary" disabled={action.busy}>
              Save
            </button>
            <label class="check">
              <input type="checkbox" checked={reveal} onChange={(e) => setReveal(e.currentTarget.checked)} />
              Show value while typing
            </label>
          </div>
          <p class="hint">
            Takes effect on the app's next request; no redeploy. Values are never shown again.
          </p>
        </form>
      </Card>
      <Card title="Values">
        <Banner error={env.error} />
        {env.loading && !env.data ? <Loading /> : null}
        {env.data && list.length === 0 ? (
          <Empty title="No values">The app reads them with fazt.env.get("KEY").</Empty>
        ) : null}
        <ul class="list" aria-label="Environment">
          {list.map((v) => (
            <li key={v.key} data-key={v.key}>
              <div class="item-main">
                <p class="item-title mono">{v.key}</p>
                <p class="item-meta">
                  <span class="mono">{v.preview}</span>
                  {v.length !== null ? ` · ${v.length} characters` : ""} · set {ago(v.updatedAt)}
                </p>
              </div>
              <button
                type="button"
                class="btn btn-small btn-danger"
                onClick={() => unset(v.key)}
                aria-label={`Unset ${v.key}`}
              >
                Unset
              </button>
            </li>
          ))}
        </ul>
      </Card>
    </div>
  );
}
