import { seg } from "../api.ts";
import { DeployZone } from "../deploy/zone.tsx";
import { ago, bytes, plural } from "../format.ts";
import { useApi } from "../hooks.ts";
import type { App } from "../types.ts";
import { Icon } from "../ui/icons.tsx";
import { Badge, Banner, Card, Empty, Header, Loading } from "../ui/kit.tsx";

export function AppsScreen() {
  const apps = useApi<App[]>("/api/apps?limit=1000");
  const list = apps.data ?? [];
  return (
    <>
      <Header title="Apps" sub={apps.data ? plural(list.length, "app") : undefined} />
      <div class="stack">
        <DeployZone apps={list.map((a) => a.name)} onDeployed={apps.reload} />
        <Banner error={apps.error} />
        <Card>
          {apps.loading && !apps.data ? <Loading what="Loading apps" /> : null}
          {apps.data && list.length === 0 ? (
            <Empty title="No apps yet">Drop a folder above, or run `fazt app deploy DIR`.</Empty>
          ) : null}
          <ul class="list" aria-label="Apps">
            {list.map((a) => (
              <li key={a.id} data-app={a.name}>
                <div class="item-main">
                  <p class="row-wrap">
                    <a class="item-title" href={`/apps/${seg(a.name)}/versions`}>
                      {a.name}
                    </a>
                    {a.hasApi ? <Badge kind="accent">API</Badge> : null}
                    {a.spa ? <Badge>SPA</Badge> : null}
                  </p>
                  <p class="item-meta">
                    <a href={a.url} target="_blank" rel="noopener" class="app-url">
                      {a.url.replace(/^https?:\/\//, "")}
                    </a>
                  </p>
                </div>
                <div class="item-meta">
                  {a.version ? (
                    <>
                      #{a.version.seq} · {plural(a.version.files, "file")} · {bytes(a.version.bytes)}
                      <br />
                      deployed {ago(a.version.createdAt)}
                    </>
                  ) : (
                    "no version"
                  )}
                </div>
                <div class="item-actions">
                  <a
                    class="btn btn-small"
                    href={a.url}
                    target="_blank"
                    rel="noopener"
                    aria-label={`Open ${a.name}`}
                  >
                    <Icon name="ext" />
                    Open
                  </a>
                </div>
              </li>
            ))}
          </ul>
        </Card>
      </div>
    </>
  );
}
