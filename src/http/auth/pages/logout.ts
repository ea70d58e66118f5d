import { esc, page } from "./layout.ts";

/**
 * `GET /auth/logout`: a link can point here (`fazt.auth.getLogoutURL()`);
 * signing out itself is the form's POST, so a link or an image elsewhere
 * cannot sign anyone out.
 */
export function logoutPage(opts: {
  user: { name: string } | null;
  redirect: string;
  error?: string;
}): string {
  if (!opts.user) {
    return page(
      "Signed out",
      `<h1>You are signed out</h1>
${opts.error ? `<p class="error" role="alert">${esc(opts.error)}</p>` : ""}
<a class="button primary" href="/auth/login?redirect=${esc(encodeURIComponent(opts.redirect))}">Sign in</a>`,
    );
  }
  return page(
    "Sign out",
    `<h1>Sign out</h1>
${opts.error ? `<p class="error" role="alert">${esc(opts.error)}</p>` : ""}
<p>Signed in as <strong>${esc(opts.user.name)}</strong>.</p>
<p class="hint">Signing out here signs you out of every site of this Fazt you reached with the same sign-in.</p>
<form method="post" action="/auth/logout">
<input type="hidden" name="redirect" value="${esc(opts.redirect)}">
<button class="primary" type="submit">Sign out</button>
</form>
<a class="button" href="${esc(opts.redirect)}">Cancel</a>`,
  );
}

/** A handoff code that cannot be used: why, and the way to sign in again. */
export function handoffFailedPage(message: string, retry: string): string {
  return page(
    "Sign-in failed",
    `<h1>Sign-in did not go through</h1>
<p class="error" role="alert">${esc(message)}</p>
<a class="button primary" href="${esc(retry)}">Sign in again</a>`,
  );
}
