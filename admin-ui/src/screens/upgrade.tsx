import { useState } from "preact/hooks";
import { post } from "../api.ts";
import { useAction, useApi } from "../hooks.ts";
import { isOwner } from "../state.ts";
import type { Health } from "../types.ts";
import { confirm } from "../ui/dialog.tsx";
import { Icon } from "../ui/icons.tsx";
import { Banner, Card, Empty, Field, Header } from "../ui/kit.tsx";

interface UpgradeResult {
  current: string;
  available: string;
  replaced: boolean;
  restart: "none" | "service" | "manual";
  message: string;
}

/** Installs a signed release over the running binary (owner only), as `fazt upgrade` does. */
export function UpgradeScreen() {
  const health = useApi<Health>("/api/system/health");
  const action = useAction();
  const [version, setVersion] = useState("");
  const [result, setResult] = useState<UpgradeResult | null>(null);

  if (!isOwner()) {
    return (
      <>
        <Header title="Upgrade" />
        <Empty title="Owner only">Only the owner can upgrade Fazt.</Empty>
      </>
    );
  }

  const upgrade = async (e: Event) => {
    e.preventDefault();
    const target = version.trim();
    const yes = await confirm({
      title: target ? `Install Fazt ${target}?` : "Upgrade to the newest release?",
      body: (
        <>
          <p>
            The release is downloaded from the configured release base and its signature checked, then it
            replaces this binary. The previous binary is kept for one step back.
          </p>
          <p>
            Under a service manager the server restarts by itself; otherwise restart it to run the new
            version.
          </p>
        </>
      ),
      action: "Upgrade",
      danger: false,
    });
    if (!yes) return;
    const r = await action.run(() => post<UpgradeResult>("/api/upgrade", target ? { version: target } : {}));
    if (r) setResult(r);
  };

  return (
    <>
      <Header title="Upgrade" sub={health.data ? `Running Fazt ${health.data.version}` : undefined} />
      <Card>
        <form class="form" onSubmit={upgrade}>
          <Banner error={action.error ?? health.error} onClose={() => action.setError(null)} />
          <Field id="upgrade-version" label="Version (optional)" hint="Empty for the newest release">
            <input
              id="upgrade-version"
              value={version}
              placeholder="1.2.3"
              pattern="v?\d+\.\d+\.\d+.*"
              onInput={(e) => setVersion(e.currentTarget.value)}
            />
          </Field>
          <div>
            <button type="submit" class="btn btn-primary" disabled={action.busy}>
              <Icon name="up" />
              {action.busy ? "Upgrading…" : "Check and upgrade"}
            </button>
          </div>
          {result ? (
            <p class="notice" role="status">
              {result.message}
            </p>
          ) : null}
        </form>
      </Card>
    </>
  );
}
