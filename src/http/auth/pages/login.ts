import { esc, page } from "./layout.ts";

const LABELS: Record<string, string> = {
  google: "Google",
  github: "GitHub",
  discord: "Discord",
  microsoft: "Microsoft",
  oidc: "single sign-on",
};

/** The sign-in page: a password form and one button per enabled provider. */
export function loginPage(opts: {
  redirect: string;
  providers: string[];
  error?: string;
  login?: string;
  /** The app host's handoff state, when the sign-in continues to another host. */
  state?: string;
  /** That host, named to the person signing in (`blog.localhost:4698`). */
  continueTo?: string;
  /** Where provider buttons return to, when not `redirect` (the handoff goes through this page again). */
  providerRedirect?: string;
}): string {
  const back = encodeURIComponent(opts.providerRedirect ?? opts.redirect);
  const buttons = opts.providers
    .map(
      (p) =>
        `<a class="button" href="/auth/login/${esc(p)}?redirect=${esc(back)}">Continue with ${esc(LABELS[p] ?? p)}</a>`,
    )
    .join("\n");
  return page(
    "Sign in",
    `<h1>Sign in</h1>
${opts.continueTo ? `<p class="hint">to continue to <strong>${esc(opts.continueTo)}</strong></p>` : ""}
${opts.error ? `<p class="error" role="alert">${esc(opts.error)}</p>` : ""}
<form method="post" action="/auth/login">
<input type="hidden" name="redirect" value="${esc(opts.redirect)}">
${opts.state ? `<input type="hidden" name="state" value="${esc(opts.state)}">` : ""}
<label for="username">Username or email</label>
<input id="username" name="username" autocomplete="username" autocapitalize="none" spellcheck="false" required autofocus value="${esc(opts.login ?? "")}">
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password" required>
<button class="primary" type="submit">Sign in</button>
</form>
${buttons ? `<p class="or">or</p>\n${buttons}` : ""}`,
  );
}
