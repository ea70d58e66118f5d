import { useState } from "preact/hooks";
import { seg } from "../api.ts";
import type { AppTabProps } from "../app/app-tabs.ts";
import { bytes } from "../format.ts";
import { useApi } from "../hooks.ts";
import type { StorageSummary, User } from "../types.ts";
import { Banner, Card, Field, Loading } from "../ui/kit.tsx";
import { DsView, KvView, S3View } from "./storage-views.tsx";

type Kind = "kv" | "ds" | "s3";

/** What the app stored: kv keys, document collections, blobs; for the app itself or one of its users. */
export function StorageTab({ app }: AppTabProps) {
  const [user, setUser] = useState("");
  const [kind, setKind] = useState<Kind>("kv");
  const base = `/api/apps/${seg(app.name)}/storage`;
  // The app-scope summary lists the users that have data of their own.
  const appScope = useApi<StorageSummary>(base);
  const scoped = useApi<StorageSummary>(user ? `${base}?user=${encodeURIComponent(user)}` : null);
  const summary = user ? scoped.data : appScope.data;
  const users = appScope.data?.users ?? [];
  // The summary names users by email or name; accounts with neither (the owner, often) by their username.
  const accounts = useApi<User[]>(users.length ? "/api/users?limit=1000" : null);
  const nameOf = (u: StorageSummary["users"][number]) =>
    u.email ?? u.name ?? accounts.data?.find((a) => a.id === u.id)?.username ?? u.id;
  const kinds: { id: Kind; label: string }[] = [
    { id: "kv", label: `Key-value${summary ? ` (${summary.kv.count})` : ""}` },
    { id: "ds", label: `Documents${summary ? ` (${summary.ds.reduce((n, c) => n + c.count, 0)})` : ""}` },
    { id: "s3", label: `Files${summary ? ` (${summary.s3.count}, ${bytes(summary.s3.bytes)})` : ""}` },
  ];

  return (
    <Card>
      <div class="inline-form scope-row">
        <Field id="storage-scope" label="Scope">
          <select id="storage-scope" value={user} onChange={(e) => setUser(e.currentTarget.value)}>
            <option value="">The app (fazt.app.*)</option>
            {users.map((u) => (
              <option key={u.id} value={u.id}>
                User: {nameOf(u)}
              </option>
            ))}
          </select>
        </Field>
      </div>
      <fieldset class="seg">
        <legend class="offscreen">Kind of storage</legend>
        {kinds.map((k) => (
          <button key={k.id} type="button" aria-pressed={kind === k.id} onClick={() => setKind(k.id)}>
            {k.label}
          </button>
        ))}
      </fieldset>
      <Banner error={appScope.error ?? scoped.error} />
      {!summary ? (
        appScope.error ? null : (
          <Loading />
        )
      ) : kind === "kv" ? (
        <KvView key={`kv-${user}`} app={app.name} user={user} />
      ) : kind === "ds" ? (
        <DsView key={`ds-${user}`} app={app.name} user={user} collections={summary.ds} />
      ) : (
        <S3View key={`s3-${user}`} app={app.name} user={user} />
      )}
    </Card>
  );
}
