import { signal } from "@preact/signals";
import type { User } from "./types.ts";

/** The signed-in user (owner or admin), set once at start. */
export const me = signal<User | null>(null);

export const isOwner = () => me.value?.role === "owner";

export interface Toast {
  id: number;
  text: string;
  kind: "ok" | "error";
}

export const toasts = signal<Toast[]>([]);
let nextToast = 1;

/** A short note in the corner (screen readers hear it through the live region). */
export function toast(text: string, kind: Toast["kind"] = "ok"): void {
  const t = { id: nextToast++, text, kind };
  toasts.value = [...toasts.value, t];
  setTimeout(() => {
    toasts.value = toasts.value.filter((x) => x.id !== t.id);
  }, 4000);
}
