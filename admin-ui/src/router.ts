import { signal } from "@preact/signals";

/**
 * History routing: the server answers any path without an extension with
 * index.html (src/http/admin-ui.ts), so screens have real URLs. Links are
 * plain `<a href>`; clicks on same-origin ones are taken over here.
 */
export const path = signal(location.pathname);
export const query = signal(new URLSearchParams(location.search));

export function navigate(to: string, replace = false): void {
  const url = new URL(to, location.href);
  if (replace) history.replaceState(null, "", url);
  else history.pushState(null, "", url);
  path.value = url.pathname;
  query.value = url.searchParams;
  window.scrollTo(0, 0);
}

addEventListener("popstate", () => {
  path.value = location.pathname;
  query.value = new URLSearchParams(location.search);
});

/** Takes over left clicks on links to this UI's own screens (not the API, not downloads, not new tabs). */
document.addEventListener("click", (e) => {
  if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
  const a = (e.target as Element | null)?.closest?.("a");
  if (!a || a.target || a.hasAttribute("download")) return;
  const url = new URL(a.href, location.href);
  if (url.origin !== location.origin || url.pathname.startsWith("/api/") || url.pathname.startsWith("/auth/"))
    return;
  e.preventDefault();
  navigate(url.pathname + url.search);
});

/** Matches `/apps/:name/:tab` style patterns; returns the parameters or null. */
export function match(pattern: string, p: string): Record<string, string> | null {
  const a = pattern.split("/").filter(Boolean);
  const b = p.split("/").filter(Boolean);
  if (a.length !== b.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < a.length; i++) {
    const k = a[i]!;
    const v = b[i]!;
    if (k.startsWith(":")) params[k.slice(1)] = decodeURIComponent(v);
    else if (k !== v) return null;
  }
  return params;
}
