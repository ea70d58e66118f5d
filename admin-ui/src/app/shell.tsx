import { useEffect, useRef, useState } from "preact/hooks";
import { post } from "../api.ts";
import { match, path } from "../router.ts";
import { me, toasts } from "../state.ts";
import { ConfirmHost } from "../ui/dialog.tsx";
import { Icon } from "../ui/icons.tsx";
import { Empty } from "../ui/kit.tsx";
import { GROUPS, isActive, NAV } from "./nav.ts";
import { ROUTES } from "./routes.ts";

async function signOut() {
  try {
    await post("/api/logout");
  } finally {
    location.assign("/auth/login?redirect=/");
  }
}

function Sidebar({ open, onNavigate }: { open: boolean; onNavigate: () => void }) {
  const user = me.value;
  const items = NAV.filter((n) => !n.owner || user?.role === "owner");
  return (
    <nav class={open ? "sidebar open" : "sidebar"} aria-label="Main">
      <a class="brand" href="/" onClick={onNavigate}>
        <span class="brand-mark" aria-hidden="true">
          F
        </span>
        Fazt
      </a>
      {GROUPS.map((g) => {
        const list = items.filter((n) => n.group === g.id);
        if (list.length === 0) return null;
        return (
          <div class="nav-group" key={g.id}>
            <p class="nav-label">{g.label}</p>
            <ul>
              {list.map((n) => (
                <li key={n.path}>
                  <a
                    href={n.path}
                    class="nav-link"
                    aria-current={isActive(n, path.value) ? "page" : undefined}
                    onClick={onNavigate}
                  >
                    <Icon name={n.icon} />
                    {n.label}
                  </a>
                </li>
              ))}
            </ul>
          </div>
        );
      })}
      <div class="nav-foot">
        <div class="who">
          <span class="who-name">{user?.username ?? user?.email ?? user?.name ?? "signed in"}</span>
          <span class="muted">{user?.role}</span>
        </div>
        <button type="button" class="btn btn-ghost btn-small" onClick={signOut}>
          <Icon name="logout" />
          Sign out
        </button>
      </div>
    </nav>
  );
}

function Toasts() {
  return (
    <div class="toasts" aria-live="polite">
      {toasts.value.map((t) => (
        <div key={t.id} class={`toast toast-${t.kind}`}>
          {t.text}
        </div>
      ))}
    </div>
  );
}

/** Sidebar on a wide screen, a top bar with a drawer on a phone; the screen for the path in the middle. */
export function Shell() {
  const [open, setOpen] = useState(false);
  const p = path.value;
  let found: { screen: (typeof ROUTES)[number]; params: Record<string, string> } | null = null;
  for (const r of ROUTES) {
    const params = match(r.pattern, p);
    if (params) {
      found = { screen: r, params };
      break;
    }
  }
  const title = found?.params.name ?? found?.screen.title ?? "Not found";
  useEffect(() => {
    document.title = `${title} · Fazt`;
  }, [title]);
  // After a navigation, keyboard and screen-reader users start at the new screen, not the old link.
  const first = useRef(true);
  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    document.getElementById("main")?.focus({ preventScroll: true });
  }, [p]);
  useEffect(() => {
    if (!open) return;
    // The drawer opened from the keyboard: start in it.
    document.querySelector<HTMLAnchorElement>(".sidebar .nav-link")?.focus();
    const onKey = (e: KeyboardEvent) => e.key === "Escape" && setOpen(false);
    addEventListener("keydown", onKey);
    return () => removeEventListener("keydown", onKey);
  }, [open]);

  const Screen = found?.screen.screen;
  return (
    <div class="shell">
      <a class="skip" href="#main">
        Skip to content
      </a>
      <header class="topbar">
        <button
          type="button"
          class="icon-btn"
          aria-label={open ? "Close menu" : "Open menu"}
          aria-expanded={open}
          onClick={() => setOpen(!open)}
        >
          <Icon name={open ? "close" : "menu"} />
        </button>
        <span class="topbar-title">{title}</span>
      </header>
      <Sidebar open={open} onNavigate={() => setOpen(false)} />
      {open ? <div class="scrim" onClick={() => setOpen(false)} aria-hidden="true" /> : null}
      <main id="main" tabIndex={-1}>
        {Screen ? (
          <Screen
            key={found?.params.name ? `app:${found.params.name}` : found?.screen.pattern}
            {...found?.params}
          />
        ) : (
          <Empty title="No such page">
            <a href="/">Back to the overview</a>
          </Empty>
        )}
      </main>
      <Toasts />
      <ConfirmHost />
    </div>
  );
}
