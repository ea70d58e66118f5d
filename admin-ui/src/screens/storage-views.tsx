import { useState } from "preact/hooks";
import { request, seg } from "../api.ts";
import { ago, bytes, dateTime, plural } from "../format.ts";
import { useAction, usePage } from "../hooks.ts";
import { Icon } from "../ui/icons.tsx";
import { Banner, Empty, Field, Loading } from "../ui/kit.tsx";

const PAGE = 50;

export interface ScopeProps {
  app: string;
  /** A user's id for per-user data; empty for the app's own. */
  user: string;
}

const qs = (params: Record<string, string | number | undefined>) => {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== "") p.set(k, String(v));
  return p.toString();
};

const preview = (v: unknown) => {
  const s = typeof v === "string" ? v : JSON.stringify(v);
  return s.length > 160 ? `${s.slice(0, 160)}…` : s;
};

function Pager({ total, offset, onPage }: { total: number; offset: number; onPage: (o: number) => void }) {
  if (total <= PAGE) return <p class="hint">{plural(total, "item")}</p>;
  return (
    <div class="row-wrap">
      <span class="hint">
        {offset + 1}–{Math.min(offset + PAGE, total)} of {total}
      </span>
      <button
        type="button"
        class="btn btn-small"
        disabled={offset === 0}
        onClick={() => onPage(Math.max(0, offset - PAGE))}
      >
        Previous
      </button>
      <button
        type="button"
        class="btn btn-small"
        disabled={offset + PAGE >= total}
        onClick={() => onPage(offset + PAGE)}
      >
        Next
      </button>
    </div>
  );
}

/** A prefix box for kv keys and s3 paths: the list follows it when the form is sent. */
function PrefixFilter({
  id,
  label,
  onFilter,
}: {
  id: string;
  label: string;
  onFilter: (prefix: string) => void;
}) {
  const [prefix, setPrefix] = useState("");
  return (
    <form
      class="inline-form"
      onSubmit={(e) => {
        e.preventDefault();
        onFilter(prefix);
      }}
    >
      <Field id={id} label={label}>
        <input id={id} value={prefix} onInput={(e) => setPrefix(e.currentTarget.value)} />
      </Field>
      <button type="submit" class="btn">
        Filter
      </button>
    </form>
  );
}

export function KvView({ app, user }: ScopeProps) {
  const [shown, setShown] = useState("");
  const [offset, setOffset] = useState(0);
  const page = usePage<{ key: string; value: unknown; expiresAt: number | null }[]>(
    `/api/apps/${seg(app)}/storage/kv?${qs({ prefix: shown, user, limit: PAGE, offset })}`,
  );
  const data = page.data?.data;
  return (
    <div class="stack">
      <PrefixFilter
        id="kv-prefix"
        label="Key prefix"
        onFilter={(p) => {
          setOffset(0);
          setShown(p);
        }}
      />
      <Banner error={page.error} />
      {!data && page.loading ? <Loading /> : null}
      {data && data.length === 0 ? <Empty title="No keys" /> : null}
      {data && data.length > 0 ? (
        <>
          <ul class="list" aria-label="Keys">
            {data.map((k) => (
              <li key={k.key}>
                <div class="item-main">
                  <p class="item-title mono">{k.key}</p>
                  <p class="item-meta mono">{preview(k.value)}</p>
                </div>
                {k.expiresAt ? <span class="hint">expires {dateTime(k.expiresAt)}</span> : null}
              </li>
            ))}
          </ul>
          <Pager total={page.data?.meta?.total ?? data.length} offset={offset} onPage={setOffset} />
        </>
      ) : null}
    </div>
  );
}

export function DsView({
  app,
  user,
  collections,
}: ScopeProps & { collections: { collection: string; count: number }[] }) {
  const [collection, setCollection] = useState(collections[0]?.collection ?? "");
  const [query, setQuery] = useState("{}");
  const [offset, setOffset] = useState(0);
  const [docs, setDocs] = useState<unknown[] | null>(null);
  const [total, setTotal] = useState(0);
  const action = useAction();

  const run = (o: number) =>
    action.run(async () => {
      const q = query.trim() || "{}";
      const page = await request<unknown[]>(
        "GET",
        `/api/apps/${seg(app)}/storage/ds/${seg(collection)}?${qs({ query: q, user, limit: PAGE, offset: o })}`,
      );
      setOffset(o);
      setDocs(page.data);
      setTotal(page.meta?.total ?? page.data.length);
    });

  if (collections.length === 0)
    return <Empty title="No collections">{'fazt.app.ds.insert("notes", {…}) creates one.'}</Empty>;
  return (
    <div class="stack">
      <form
        class="form"
        onSubmit={(e) => {
          e.preventDefault();
          void run(0);
        }}
      >
        <Field id="ds-collection" label="Collection">
          <select
            id="ds-collection"
            value={collection}
            onChange={(e) => setCollection(e.currentTarget.value)}
          >
            {collections.map((c) => (
              <option key={c.collection} value={c.collection}>
                {c.collection} ({c.count})
              </option>
            ))}
          </select>
        </Field>
        <Field
          id="ds-query"
          label="Query"
          hint={'The ds query language: {"done": false}, {"n": {"$gt": 2}}, {"$or": […]}'}
        >
          <textarea
            id="ds-query"
            rows={3}
            value={query}
            spellcheck={false}
            onInput={(e) => setQuery(e.currentTarget.value)}
          />
        </Field>
        <div>
          <button type="submit" class="btn btn-primary" disabled={action.busy}>
            Find
          </button>
        </div>
      </form>
      <Banner error={action.error} />
      {docs && docs.length === 0 ? <Empty title="No documents match" /> : null}
      {docs && docs.length > 0 ? (
        <>
          <ul class="list" aria-label="Documents">
            {docs.map((d, i) => (
              <li key={(d as { id?: string }).id ?? i}>
                <pre class="code doc">{JSON.stringify(d, null, 2)}</pre>
              </li>
            ))}
          </ul>
          <Pager total={total} offset={offset} onPage={(o) => void run(o)} />
        </>
      ) : null}
    </div>
  );
}

export function S3View({ app, user }: ScopeProps) {
  const [shown, setShown] = useState("");
  const [offset, setOffset] = useState(0);
  const objects = usePage<{ path: string; mime: string; size: number; updatedAt: number }[]>(
    `/api/apps/${seg(app)}/storage/s3?${qs({ prefix: shown, user, limit: PAGE, offset })}`,
  );
  const list = objects.data?.data ?? [];
  return (
    <div class="stack">
      <PrefixFilter
        id="s3-prefix"
        label="Path prefix"
        onFilter={(p) => {
          setOffset(0);
          setShown(p);
        }}
      />
      <Banner error={objects.error} />
      {objects.loading && !objects.data ? <Loading /> : null}
      {objects.data && list.length === 0 ? <Empty title="No objects" /> : null}
      <ul class="list" aria-label="Objects">
        {list.map((o) => (
          <li key={o.path}>
            <div class="item-main">
              <p class="item-title mono">{o.path}</p>
              <p class="item-meta">
                {o.mime} · {bytes(o.size)} · {ago(o.updatedAt)}
              </p>
            </div>
            <a
              class="btn btn-small"
              href={`/api/apps/${seg(app)}/storage/s3/object?${qs({ path: o.path, user })}`}
              download={o.path.split("/").pop()}
            >
              <Icon name="download" />
              Download
            </a>
          </li>
        ))}
      </ul>
      {list.length > 0 ? (
        <Pager total={objects.data?.meta?.total ?? list.length} offset={offset} onPage={setOffset} />
      ) : null}
    </div>
  );
}
