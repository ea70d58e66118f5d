import { esc, page } from "./layout.ts";

/** The invite page: pick an email and a password (and a name) to create an account. */
export function invitePage(opts: {
  code: string;
  role: string;
  redirect: string;
  error?: string;
  email?: string;
  name?: string;
}): string {
  const action = `/auth/invite/${encodeURIComponent(opts.code)}`;
  return page(
    "Accept invite",
    `<h1>Create your account</h1>
<p class="hint">You are invited as ${opts.role === "admin" ? "an admin" : "a user"}.</p>
${opts.error ? `<p class="error" role="alert">${esc(opts.error)}</p>` : ""}
<form method="post" action="${esc(action)}">
<input type="hidden" name="redirect" value="${esc(opts.redirect)}">
<label for="email">Email</label>
<input id="email" name="email" type="email" autocomplete="email" required value="${esc(opts.email ?? "")}">
<label for="password">Password (at least 8 characters)</label>
<input id="password" name="password" type="password" autocomplete="new-password" minlength="8" required>
<label for="name">Name (optional)</label>
<input id="name" name="name" autocomplete="name" maxlength="100" value="${esc(opts.name ?? "")}">
<button class="primary" type="submit">Create account</button>
</form>`,
  );
}

/** An invite that cannot be used: unknown, used up or expired. */
export function inviteRefusedPage(message: string): string {
  return page(
    "Invite",
    `<h1>Invite not available</h1>
<p class="error" role="alert">${esc(message)}</p>
<p>Ask whoever invited you for a new link, or <a href="/auth/login">sign in</a> if you have an account.</p>`,
  );
}
