import "./style.css";

// Placeholder admin UI: shows the instance's health until the real
// dashboard lands. It uses the same admin API as the CLI.
type Health = { data: { version: string; uptimeMs: number; counts: Record<string, number> } };

const status = document.querySelector<HTMLParagraphElement>("#status");

async function load(): Promise<void> {
  if (!status) return;
  try {
    const res = await fetch("/api/system/health", { headers: { accept: "application/json" } });
    const body = (await res.json()) as Health;
    const { version, counts } = body.data;
    status.textContent = `Fazt ${version} — ${counts.apps ?? 0} apps, ${counts.users ?? 0} users`;
  } catch {
    status.textContent = "Could not reach the server.";
  }
}

void load();
