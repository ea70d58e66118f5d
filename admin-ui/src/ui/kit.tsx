import type { ComponentChildren } from "preact";
import { useState } from "preact/hooks";
import { toast } from "../state.ts";
import { Icon } from "./icons.tsx";

/** The title row of a screen, with its actions on the right (they wrap under it on a phone). */
export function Header({
  title,
  sub,
  children,
}: {
  title: string;
  sub?: ComponentChildren;
  children?: ComponentChildren;
}) {
  return (
    <header class="page-head">
      <div class="page-title">
        <h1>{title}</h1>
        {sub ? <p class="muted">{sub}</p> : null}
      </div>
      {children ? <div class="actions">{children}</div> : null}
    </header>
  );
}

/** The API's error message, where the user is looking. */
export function Banner({ error, onClose }: { error: string | null | undefined; onClose?: () => void }) {
  if (!error) return null;
  return (
    <div class="banner" role="alert">
      <span>{error}</span>
      {onClose ? (
        <button type="button" class="icon-btn" onClick={onClose} aria-label="Dismiss">
          <Icon name="close" />
        </button>
      ) : null}
    </div>
  );
}

export function Loading({ what = "Loading" }: { what?: string }) {
  return (
    <div class="loading" role="status">
      <span class="spinner" aria-hidden="true" />
      {what}…
    </div>
  );
}

export function Empty({ title, children }: { title: string; children?: ComponentChildren }) {
  return (
    <div class="empty">
      <p class="empty-title">{title}</p>
      {children ? <div class="muted">{children}</div> : null}
    </div>
  );
}

export function Card({
  title,
  children,
  actions,
}: {
  title?: string;
  children: ComponentChildren;
  actions?: ComponentChildren;
}) {
  return (
    <section class="card">
      {title || actions ? (
        <div class="card-head">
          {title ? <h2>{title}</h2> : <span />}
          {actions}
        </div>
      ) : null}
      {children}
    </section>
  );
}

export function Badge({
  kind = "plain",
  children,
}: {
  kind?: "plain" | "ok" | "warn" | "error" | "accent";
  children: ComponentChildren;
}) {
  return <span class={`badge badge-${kind}`}>{children}</span>;
}

/** Copies `text`; says so in a toast (and on the button, for a moment). */
export function CopyButton({ text, label = "Copy" }: { text: string; label?: string }) {
  const [done, setDone] = useState(false);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(text);
    } catch {
      // No clipboard permission (plain http on a LAN address): select-and-copy fallback.
      const area = document.createElement("textarea");
      area.value = text;
      area.className = "offscreen";
      document.body.append(area);
      area.select();
      document.execCommand("copy");
      area.remove();
    }
    setDone(true);
    toast("Copied");
    setTimeout(() => setDone(false), 1500);
  };
  return (
    <button type="button" class="btn btn-small" onClick={copy}>
      <Icon name="copy" />
      {done ? "Copied" : label}
    </button>
  );
}

/** A label above its control, with an optional hint under it. */
export function Field({
  label,
  hint,
  children,
  id,
}: {
  label: string;
  hint?: ComponentChildren;
  id: string;
  children: ComponentChildren;
}) {
  return (
    <div class="field">
      <label for={id}>{label}</label>
      {children}
      {hint ? <p class="hint">{hint}</p> : null}
    </div>
  );
}

/** A secret shown once, with a copy button: API tokens and invite links. */
export function Secret({ value, note }: { value: string; note: string }) {
  return (
    <div class="secret">
      <p class="hint">{note}</p>
      <div class="secret-row">
        <code class="secret-value" data-secret>
          {value}
        </code>
        <CopyButton text={value} />
      </div>
    </div>
  );
}

/**
 * Props for a box that scrolls on its own (log, file, results): it must take
 * focus so a keyboard can scroll it (WCAG 2.1.1; axe's scrollable-region-focusable),
 * and a focusable box needs a name: a labelled region.
 */
export const scrollable = (label: string) => ({ tabIndex: 0, role: "region" as const, "aria-label": label });
