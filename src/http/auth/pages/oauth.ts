import { esc, page } from "./layout.ts";

/** A sign-in with a provider that did not work: what happened, and a way back. */
export function oauthErrorPage(message: string): string {
  return page(
    "Sign-in failed",
    `<h1>Sign-in failed</h1>
<p class="error" role="alert">${esc(message)}</p>
<a class="button primary" href="/auth/login">Back to sign-in</a>`,
  );
}
