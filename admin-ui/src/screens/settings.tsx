import { useEffect, useState } from "preact/hooks";
import { put } from "../api.ts";
import { useAction, useApi } from "../hooks.ts";
import { isOwner, toast } from "../state.ts";
import type { Config } from "../types.ts";
import { Banner, Card, Field, Header, Loading } from "../ui/kit.tsx";

const MiB = 1024 * 1024;

type NumKey = {
  [K in keyof Config]: Config[K] extends number ? K : never;
}[keyof Config];

/** Numeric settings, shown in the unit a person thinks in. */
const LIMITS: { key: NumKey; label: string; unit: number; suffix: string }[] = [
  { key: "maxDeployBytes", label: "Deploy size", unit: MiB, suffix: "MiB" },
  { key: "maxFileBytes", label: "File size", unit: MiB, suffix: "MiB" },
  { key: "maxFiles", label: "Files per deploy", unit: 1, suffix: "" },
  { key: "keepVersions", label: "Versions kept per app", unit: 1, suffix: "" },
  { key: "backupKeep", label: "Daily backups kept (0: none)", unit: 1, suffix: "" },
  { key: "cacheBytes", label: "Memory cache", unit: MiB, suffix: "MiB" },
  { key: "maxBodyBytes", label: "JSON body", unit: MiB, suffix: "MiB" },
  { key: "appTimeoutMs", label: "App code time per request", unit: 1, suffix: "ms" },
  { key: "appMemoryBytes", label: "App code memory", unit: MiB, suffix: "MiB" },
  { key: "appMultipartBytes", label: "App upload size", unit: MiB, suffix: "MiB" },
];

export function SettingsScreen() {
  const config = useApi<Config>("/api/system/config");
  const action = useAction();
  const [form, setForm] = useState<Config | null>(null);
  useEffect(() => {
    if (config.data) setForm(config.data);
  }, [config.data]);

  if (!form) {
    return (
      <>
        <Header title="Settings" />
        <Banner error={config.error} />
        {config.error ? null : <Loading />}
      </>
    );
  }
  const set = <K extends keyof Config>(k: K, v: Config[K]) => setForm({ ...form, [k]: v });

  const save = async (e: Event) => {
    e.preventDefault();
    const old = config.data!;
    const patch: Partial<Config> = {};
    for (const k of Object.keys(form) as (keyof Config)[]) {
      if (k === "releasePublicKeys" || k === "trustedProxies") continue;
      if (JSON.stringify(form[k]) !== JSON.stringify(old[k])) (patch as Record<string, unknown>)[k] = form[k];
    }
    if (Object.keys(patch).length === 0) return toast("Nothing changed");
    const done = await action.run(() => put<Config>("/api/system/config", patch));
    if (!done) return;
    const restart = "port" in patch || "https" in patch;
    toast(restart ? "Saved · the port and HTTPS apply at the next start" : "Saved");
    config.reload();
  };

  return (
    <>
      <Header title="Settings" sub="Stored in the database; command-line flags override them for one run." />
      <form class="stack" onSubmit={save}>
        <Banner error={action.error} onClose={() => action.setError(null)} />
        <Card title="Instance">
          <div class="form-row">
            <Field id="cfg-domain" label="Domain" hint="Apps live at NAME.domain">
              <input
                id="cfg-domain"
                value={form.domain}
                required
                onInput={(e) => set("domain", e.currentTarget.value)}
              />
            </Field>
            <Field id="cfg-port" label="Port" hint="At the next start">
              <input
                id="cfg-port"
                type="number"
                min={1}
                max={65535}
                value={form.port}
                onInput={(e) => set("port", Number(e.currentTarget.value))}
              />
            </Field>
            <Field id="cfg-env" label="Environment" hint="Development shows app errors to visitors">
              <select
                id="cfg-env"
                value={form.env}
                onChange={(e) => set("env", e.currentTarget.value as Config["env"])}
              >
                <option value="production">production</option>
                <option value="development">development</option>
              </select>
            </Field>
          </div>
        </Card>
        <Card title="HTTPS">
          <div class="form">
            <label class="check">
              <input
                type="checkbox"
                checked={form.https}
                onChange={(e) => set("https", e.currentTarget.checked)}
              />
              Serve over HTTPS with certificates from Let's Encrypt (at the next start)
            </label>
            <Field id="cfg-email" label="Email for the certificate authority">
              <input
                id="cfg-email"
                type="email"
                value={form.email ?? ""}
                onInput={(e) => set("email", e.currentTarget.value || null)}
              />
            </Field>
            {isOwner() ? (
              <Field
                id="cfg-release"
                label="Release base URL"
                hint="Where upgrades come from; empty for the default"
              >
                <input
                  id="cfg-release"
                  type="url"
                  value={form.releaseBaseUrl ?? ""}
                  onInput={(e) => set("releaseBaseUrl", e.currentTarget.value || null)}
                />
              </Field>
            ) : null}
          </div>
        </Card>
        <Card title="Limits">
          <div class="form-row compact">
            {LIMITS.map((l) => (
              <Field key={l.key} id={`cfg-${l.key}`} label={`${l.label}${l.suffix ? ` (${l.suffix})` : ""}`}>
                <input
                  id={`cfg-${l.key}`}
                  type="number"
                  min={0}
                  step="any"
                  value={form[l.key] / l.unit}
                  onInput={(e) => set(l.key, Math.round(Number(e.currentTarget.value) * l.unit))}
                />
              </Field>
            ))}
          </div>
        </Card>
        <div class="row-wrap">
          <button type="submit" class="btn btn-primary" disabled={action.busy}>
            Save settings
          </button>
          <button type="button" class="btn" onClick={() => setForm(config.data ?? form)}>
            Reset
          </button>
        </div>
      </form>
    </>
  );
}
