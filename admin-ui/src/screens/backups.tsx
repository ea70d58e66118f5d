import { post, seg } from "../api.ts";
import { ago, bytes, dateTime, plural } from "../format.ts";
import { useAction, useApi } from "../hooks.ts";
import { toast } from "../state.ts";
import type { Backup } from "../types.ts";
import { confirm } from "../ui/dialog.tsx";
import { Icon } from "../ui/icons.tsx";
import { Badge, Banner, Card, CopyButton, Empty, Header, Loading } from "../ui/kit.tsx";

const baseName = (b: Backup) => b.name ?? b.file.split("/").pop() ?? b.file;

/**
 * Snapshots of the database: take one, download one. Restoring swaps the
 * database file, which the server refuses to do under itself while it runs
 * (src/ops/backups.ts), so the dialog gives the command for the machine.
 */
export function BackupsScreen() {
  const backups = useApi<Backup[]>("/api/backups");
  const action = useAction();
  const list = backups.data ?? [];

  const create = async () => {
    const b = await action.run(() => post<Backup>("/api/backups"));
    if (!b) return;
    toast(`Backup ${baseName(b)} taken`);
    backups.reload();
  };

  const restore = async (b: Backup) => {
    const command = `fazt backup restore ${b.file}`;
    await confirm({
      title: `Restore ${baseName(b)}?`,
      body: (
        <>
          <p>
            Everything changed since {dateTime(b.createdAt)} is replaced by this snapshot. The current
            database is snapshotted first (<span class="mono">pre-restore</span>).
          </p>
          <p>
            The database cannot be swapped while the server runs on it: stop the server, then run on its
            machine:
          </p>
          <div class="secret-row">
            <code class="secret-value">{command}</code>
            <CopyButton text={command} />
          </div>
        </>
      ),
      action: "Done",
      danger: false,
    });
  };

  return (
    <>
      <Header title="Backups" sub="Consistent snapshots of the whole instance: one file holds everything.">
        <button type="button" class="btn btn-primary" onClick={create} disabled={action.busy}>
          <Icon name="db" />
          {action.busy ? "Taking backup…" : "Back up now"}
        </button>
      </Header>
      <Banner error={action.error ?? backups.error} onClose={() => action.setError(null)} />
      <Card title={backups.data ? plural(list.length, "snapshot") : "Snapshots"}>
        {backups.loading && !backups.data ? <Loading /> : null}
        {backups.data && list.length === 0 ? (
          <Empty title="No backups yet">Daily snapshots are taken automatically.</Empty>
        ) : null}
        <ul class="list" aria-label="Backups">
          {list.map((b) => (
            <li key={b.file}>
              <div class="item-main">
                <p class="row-wrap">
                  <span class="item-title mono">{baseName(b)}</span>
                  {b.reason ? <Badge>{b.reason}</Badge> : null}
                </p>
                <p class="item-meta">
                  {bytes(b.bytes)} · {ago(b.createdAt)}
                </p>
              </div>
              <div class="item-actions">
                <a class="btn btn-small" href={`/api/backups/${seg(baseName(b))}`} download={baseName(b)}>
                  <Icon name="download" />
                  Download
                </a>
                <button type="button" class="btn btn-small" onClick={() => restore(b)}>
                  Restore…
                </button>
              </div>
            </li>
          ))}
        </ul>
      </Card>
    </>
  );
}
