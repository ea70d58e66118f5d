import { useState } from "preact/hooks";
import { post } from "../api.ts";
import { plural } from "../format.ts";
import { useAction } from "../hooks.ts";
import { isOwner } from "../state.ts";
import type { SqlResult } from "../types.ts";
import { confirm } from "../ui/dialog.tsx";
import { Icon } from "../ui/icons.tsx";
import { Banner, Card, Empty, Field, Header, scrollable } from "../ui/kit.tsx";

/** A cell as text; BLOBs come as `{"$bytes": n}` (their contents are not sent). */
const cell = (v: unknown) => {
  if (v === null) return "NULL";
  if (typeof v === "object" && "$bytes" in v) return `BLOB (${(v as { $bytes: number }).$bytes} bytes)`;
  return typeof v === "object" ? JSON.stringify(v) : String(v);
};

/**
 * The owner's SQL console. Read-only unless "Allow writes" is ticked, and the
 * database enforces it, not this page: a write without the toggle comes back
 * as the API's READ_ONLY error.
 */
export function SqlScreen() {
  const [query, setQuery] = useState("SELECT name, created_at FROM apps ORDER BY name LIMIT 50");
  const [write, setWrite] = useState(false);
  const [result, setResult] = useState<SqlResult | null>(null);
  const action = useAction();

  if (!isOwner()) {
    return (
      <>
        <Header title="SQL console" />
        <Empty title="Owner only">Only the owner can query the database directly.</Empty>
      </>
    );
  }

  const run = async (e?: Event) => {
    e?.preventDefault();
    if (write) {
      const yes = await confirm({
        title: "Run with writes allowed?",
        body: (
          <p>This statement may change or delete data in the live database. A backup first is a good idea.</p>
        ),
        action: "Run and write",
      });
      if (!yes) return;
    }
    setResult(null);
    const r = await action.run(() => post<SqlResult>("/api/sql", { query, write }));
    if (r) setResult(r);
  };

  return (
    <>
      <Header title="SQL console" sub="The instance's own database. At most 1,000 rows, 5 seconds." />
      <div class="stack">
        <Card>
          <form class="form" onSubmit={run}>
            <Field id="sql-query" label="Query">
              <textarea
                id="sql-query"
                rows={5}
                value={query}
                spellcheck={false}
                onInput={(e) => setQuery(e.currentTarget.value)}
                onKeyDown={(e) => {
                  if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) void run();
                }}
              />
            </Field>
            <div class="row-wrap">
              <button type="submit" class="btn btn-primary" disabled={action.busy || !query.trim()}>
                <Icon name="play" />
                Run
              </button>
              <label class="check">
                <input type="checkbox" checked={write} onChange={(e) => setWrite(e.currentTarget.checked)} />
                Allow writes
              </label>
              <span class="hint">Ctrl+Enter runs</span>
            </div>
          </form>
        </Card>
        <Banner error={action.error} onClose={() => action.setError(null)} />
        {result ? (
          <Card
            title={
              result.columns.length
                ? `${plural(result.rows.length, "row")}${result.truncated ? " (first 1,000)" : ""}`
                : `${plural(result.rowsAffected, "row")} changed`
            }
            actions={<span class="hint">{result.ms.toFixed(1)} ms</span>}
          >
            {result.columns.length === 0 ? null : result.rows.length === 0 ? (
              <Empty title="No rows" />
            ) : (
              <div class="table-wrap" {...scrollable("Results")}>
                <table>
                  <thead>
                    <tr>
                      {result.columns.map((c, i) => (
                        <th key={`${c}-${i}`} scope="col">
                          {c}
                        </th>
                      ))}
                    </tr>
                  </thead>
                  <tbody>
                    {result.rows.map((row, i) => (
                      <tr key={i}>
                        {row.map((v, j) => (
                          <td key={j} class={v === null ? "null" : undefined} title={cell(v)}>
                            {cell(v)}
                          </td>
                        ))}
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            )}
          </Card>
        ) : null}
      </div>
    </>
  );
}
