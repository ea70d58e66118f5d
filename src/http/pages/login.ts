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
}): string {
  const r = esc(opts.redirect);
  const buttons = opts.providers
    .map(
      (p) =>
        `<a class="button" href="/auth/login/${esc(p)}?redirect=${esc(encodeURIComponent(opts.redirect))}">Continue with ${esc(LABELS[p] ?? p)}</a>`,
    )
    .join("\n");
  return page(
    "Sign in",
    `<h1>Sign in</h1>
${opts.error ? `<p class="error" role="alert">${esc(opts.error)}</p>` : ""}
<form method="post" action="/auth/login">
<input type="hidden" name="redirect" value="${r}">
<label for="username">Username or email</label>
<input id="username" name="username" autocomplete="username" required value="${esc(opts.login ?? "")}">
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password" required>
<button type="submit">Sign in</button>
</form>
${buttons ? `<p class="or">or</p>\n${buttons}` : ""}`,
  );
}
