import { messageOf, post, seg } from "../api.ts";
import type { AppTabProps } from "../app/app-tabs.ts";
import { ago, bytes, dateTime, plural } from "../format.ts";
import { useAction, useApi } from "../hooks.ts";
import { toast } from "../state.ts";
import type { Version } from "../types.ts";
import { Icon } from "../ui/icons.tsx";
import { Badge, Banner, Card, Empty, Loading } from "../ui/kit.tsx";

/** Kept versions, newest first: activate any of them (a rollback is one click), preview each. */
export function VersionsTab({ app, reload }: AppTabProps) {
  const versions = useApi<Version[]>(`/api/apps/${seg(app.name)}/versions`);
  const action = useAction();
  const list = versions.data ?? [];
  const currentIdx = list.findIndex((v) => v.current);
  const previous = currentIdx >= 0 ? list[currentIdx + 1] : undefined;

  const activate = async (v: Version) => {
    const done = await action.run(() => post<Version>(`/api/apps/${seg(app.name)}/rollback`, { to: v.id }));
    if (!done) return;
    toast(`#${v.seq} is live`);
    versions.reload();
    reload();
  };

  return (
    <Card
      title={versions.data ? plural(list.length, "kept version") : "Versions"}
      actions={
        previous ? (
          <button
            type="button"
            class="btn btn-small"
            disabled={action.busy}
            onClick={() => activate(previous)}
          >
            <Icon name="refresh" />
            Roll back to #{previous.seq}
          </button>
        ) : null
      }
    >
      <Banner error={action.error ?? versions.error} onClose={() => action.setError(null)} />
      {versions.loading && !versions.data ? <Loading /> : null}
      {versions.data && list.length === 0 ? (
        <Empty title="No versions">Deploy this app to create one.</Empty>
      ) : null}
      <ul class="list" aria-label="Versions">
        {list.map((v) => (
          <li key={v.id} data-version={v.seq}>
            <div class="item-main">
              <p class="row-wrap">
                <span class="item-title">#{v.seq}</span>
                {v.current ? <Badge kind="ok">live</Badge> : null}
                <span class="muted" title={dateTime(v.createdAt)}>
                  {ago(v.createdAt)}
                </span>
              </p>
              <p class="item-meta">
                {v.message ?? <span class="muted">no message</span>} · {plural(v.files, "file")} ·{" "}
                {bytes(v.bytes)}
              </p>
              <p class="item-meta mono">{v.id}</p>
            </div>
            <div class="item-actions">
              {v.previewUrl ? (
                <a
                  class="btn btn-small"
                  href={v.previewUrl}
                  target="_blank"
                  rel="noopener"
                  aria-label={`Preview #${v.seq}`}
                >
                  <Icon name="ext" />
                  Preview
                </a>
              ) : null}
              {v.current ? null : (
                <button
                  type="button"
                  class="btn btn-small"
                  disabled={action.busy}
                  onClick={() => activate(v).catch((e) => toast(messageOf(e), "error"))}
                  aria-label={`Activate #${v.seq}`}
                >
                  Activate
                </button>
              )}
            </div>
          </li>
        ))}
      </ul>
    </Card>
  );
}
