import { del, messageOf, seg } from "../api.ts";
import { APP_TABS } from "../app/app-tabs.ts";
import { plural } from "../format.ts";
import { useApi } from "../hooks.ts";
import { navigate } from "../router.ts";
import { toast } from "../state.ts";
import type { App } from "../types.ts";
import { confirm } from "../ui/dialog.tsx";
import { Icon } from "../ui/icons.tsx";
import { Badge, Banner, Empty, Header, Loading } from "../ui/kit.tsx";

const SEEDED = new Set(["root", "404"]);

/** One app: its header, its tabs, and the screen of the current tab. */
export function AppScreen({ name, tab = "versions" }: { name: string; tab?: string }) {
  const app = useApi<App>(`/api/apps/${seg(name)}`);
  const current = APP_TABS.find((t) => t.id === tab);

  const remove = async () => {
    const yes = await confirm({
      title: `Remove ${name}?`,
      body: (
        <>
          <p>
            The app, its {plural(app.data?.keptVersions ?? 0, "kept version")}, its aliases, logs, environment
            and all its stored data are deleted.
          </p>
          <p>A backup of the database is taken first.</p>
        </>
      ),
      action: "Remove app",
    });
    if (!yes) return;
    try {
      await del(`/api/apps/${seg(name)}`);
      toast(`Removed ${name}`);
      navigate("/apps");
    } catch (err) {
      toast(messageOf(err), "error");
    }
  };

  if (app.error && !app.data) {
    return (
      <>
        <Header title={name} />
        <Banner error={app.error} />
        <a href="/apps">Back to apps</a>
      </>
    );
  }
  if (!app.data) return <Loading />;
  const a = app.data;
  return (
    <>
      <nav class="hint" aria-label="Breadcrumb">
        <a href="/apps">Apps</a> / {a.name}
      </nav>
      <Header
        title={a.name}
        sub={
          <a href={a.url} target="_blank" rel="noopener">
            {a.url}
          </a>
        }
      >
        {a.version ? <Badge kind="ok">live #{a.version.seq}</Badge> : <Badge kind="warn">no version</Badge>}
        <a class="btn btn-small" href={a.url} target="_blank" rel="noopener">
          <Icon name="ext" />
          Open
        </a>
        {SEEDED.has(a.name) ? null : (
          <button type="button" class="btn btn-small btn-danger" onClick={remove}>
            <Icon name="trash" />
            Remove
          </button>
        )}
      </Header>
      <nav class="tabs" aria-label={`${a.name} sections`}>
        {APP_TABS.map((t) => (
          <a
            key={t.id}
            class="tab"
            href={`/apps/${seg(a.name)}/${t.id}`}
            aria-current={t.id === tab ? "page" : undefined}
          >
            {t.label}
          </a>
        ))}
      </nav>
      {current ? (
        <current.screen key={current.id} app={a} reload={app.reload} />
      ) : (
        <Empty title="No such section" />
      )}
    </>
  );
}
