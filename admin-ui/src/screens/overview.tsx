import { useEffect, useState } from "preact/hooks";
import { get, seg } from "../api.ts";
import { ago, bytes, duration, plural, time } from "../format.ts";
import { useApi } from "../hooks.ts";
import type { App, Health, LogLine } from "../types.ts";
import { Badge, Banner, Card, Empty, Header, Loading } from "../ui/kit.tsx";

interface AppError extends LogLine {
  app: string;
}

/** The newest error lines of the apps that run code (those most recently deployed first). */
function useRecentErrors(apps: App[] | undefined): AppError[] | null {
  const [errors, setErrors] = useState<AppError[] | null>(null);
  useEffect(() => {
    if (!apps) return;
    const withCode = apps
      .filter((a) => a.hasApi)
      .sort((a, b) => (b.version?.createdAt ?? 0) - (a.version?.createdAt ?? 0))
      .slice(0, 8);
    Promise.all(
      withCode.map((a) =>
        get<LogLine[]>(`/api/apps/${seg(a.name)}/logs?limit=200`)
          .then((lines) => lines.filter((l) => l.level === "error").map((l) => ({ ...l, app: a.name })))
          .catch(() => [] as AppError[]),
      ),
    ).then((all) =>
      setErrors(
        all
          .flat()
          .sort((a, b) => b.createdAt - a.createdAt)
          .slice(0, 6),
      ),
    );
  }, [apps]);
  return errors;
}

function Stat({ label, value }: { label: string; value: string | number }) {
  return (
    <div class="stat">
      <p class="stat-label">{label}</p>
      <p class="stat-value">{value}</p>
    </div>
  );
}

export function OverviewScreen() {
  const health = useApi<Health>("/api/system/health");
  const apps = useApi<App[]>("/api/apps?limit=1000");
  const errors = useRecentErrors(apps.data);
  const h = health.data;
  const recent = (apps.data ?? [])
    .filter((a) => a.version)
    .sort((a, b) => (b.version?.createdAt ?? 0) - (a.version?.createdAt ?? 0))
    .slice(0, 6);

  return (
    <>
      <Header
        title="Overview"
        sub={
          h ? (
            <>
              Fazt {h.version} <span class="mono">({h.commit.slice(0, 7)})</span> · up {duration(h.uptimeMs)}
            </>
          ) : undefined
        }
      >
        {h ? (
          <Badge kind={h.status === "ok" ? "ok" : "error"}>{h.status === "ok" ? "Healthy" : h.status}</Badge>
        ) : null}
      </Header>
      <Banner error={health.error ?? apps.error} />
      {!h && health.loading ? <Loading /> : null}
      {h ? (
        <div class="stack">
          <div class="stats">
            <Stat label="Apps" value={h.counts.apps ?? 0} />
            <Stat label="Versions" value={h.counts.versions ?? 0} />
            <Stat label="Users" value={h.counts.users ?? 0} />
            <Stat label="API keys" value={h.counts.keys ?? 0} />
            <Stat label="Database" value={bytes(h.database.bytes)} />
            <Stat label="Memory" value={bytes(h.memory.rss)} />
          </div>
          <div class="grid">
            <Card title="Recent deploys" actions={<a href="/apps">All apps</a>}>
              {apps.loading && !apps.data ? <Loading /> : null}
              {apps.data && recent.length === 0 ? (
                <Empty title="Nothing deployed yet">Drop a folder on the Apps screen to deploy one.</Empty>
              ) : null}
              <ul class="list">
                {recent.map((a) => (
                  <li key={a.id}>
                    <div class="item-main">
                      <a class="item-title" href={`/apps/${seg(a.name)}/versions`}>
                        {a.name}
                      </a>
                      <p class="item-meta">
                        #{a.version?.seq} · {a.version?.message ?? "no message"}
                      </p>
                    </div>
                    <span class="muted">{ago(a.version?.createdAt)}</span>
                  </li>
                ))}
              </ul>
            </Card>
            <Card title="Recent app errors">
              {errors === null ? <Loading /> : null}
              {errors && errors.length === 0 ? (
                <Empty title="No errors">App code has logged no errors.</Empty>
              ) : null}
              <ul class="list">
                {(errors ?? []).map((e) => (
                  <li key={`${e.app}-${e.id}`}>
                    <div class="item-main">
                      <a class="item-title" href={`/apps/${seg(e.app)}/logs`}>
                        {e.app}
                      </a>
                      <p class="item-meta mono">{e.message.slice(0, 200)}</p>
                    </div>
                    <span class="muted">
                      {ago(e.createdAt) === "just now" ? time(e.createdAt) : ago(e.createdAt)}
                    </span>
                  </li>
                ))}
              </ul>
            </Card>
          </div>
          <p class="hint">
            Database schema {h.database.schema} · {plural(h.counts.blobs ?? 0, "stored file")} ·{" "}
            {plural(h.counts.aliases ?? 0, "alias", "aliases")} · {plural(h.counts.peers ?? 0, "peer")}
          </p>
        </div>
      ) : null}
    </>
  );
}
