import { signal } from "@preact/signals";
import type { ComponentChildren } from "preact";
import { useEffect, useRef } from "preact/hooks";

interface Ask {
  title: string;
  body: ComponentChildren;
  action: string;
  danger: boolean;
  resolve: (yes: boolean) => void;
}

const asking = signal<Ask | null>(null);

/**
 * Asks before something destructive. A native modal `<dialog>`: focus stays
 * inside, Escape cancels. Resolves true only on the action button.
 */
export function confirm(opts: {
  title: string;
  body: ComponentChildren;
  action: string;
  danger?: boolean;
}): Promise<boolean> {
  return new Promise((resolve) => {
    asking.value = { ...opts, danger: opts.danger ?? true, resolve };
  });
}

export function ConfirmHost() {
  const ref = useRef<HTMLDialogElement>(null);
  const ask = asking.value;
  useEffect(() => {
    const d = ref.current;
    if (!d) return;
    if (ask && !d.open) d.showModal();
    if (!ask && d.open) d.close();
  }, [ask]);
  const answer = (yes: boolean) => {
    ask?.resolve(yes);
    asking.value = null;
  };
  return (
    <dialog ref={ref} class="dialog" aria-labelledby="confirm-title" onCancel={() => answer(false)}>
      {ask ? (
        <form method="dialog" onSubmit={(e) => e.preventDefault()}>
          <h2 id="confirm-title">{ask.title}</h2>
          <div class="dialog-body">{ask.body}</div>
          <div class="dialog-actions">
            <button type="button" class="btn" onClick={() => answer(false)} autofocus>
              Cancel
            </button>
            <button
              type="button"
              class={ask.danger ? "btn btn-danger" : "btn btn-primary"}
              onClick={() => answer(true)}
            >
              {ask.action}
            </button>
          </div>
        </form>
      ) : null}
    </dialog>
  );
}
