/**
 * The pages a fresh instance shows: the welcome page of the `root` app and the
 * `404` app's page. They become real, replaceable apps with the hosting issue;
 * until then they are answered from here.
 */
const page = (title: string, body: string) => `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title}</title>
<style>
  :root { color-scheme: light dark; font-family: system-ui, sans-serif; }
  main { max-width: 36rem; margin: 15vh auto; padding: 0 1.25rem; line-height: 1.5; }
  h1 { font-size: 2rem; margin: 0 0 .5rem; }
  code { background: color-mix(in srgb, currentColor 10%, transparent); padding: .1rem .3rem; border-radius: .25rem; }
</style>
</head>
<body>
<main>
${body}
</main>
</body>
</html>
`;

export const WELCOME_HTML = page(
  "Fazt is running",
  `<h1>Fazt is running</h1>
<p>This instance is ready. Deploy a folder with</p>
<p><code>fazt app deploy ./my-site</code></p>
<p>and open it at <code>http://my-site.&lt;your domain&gt;</code>. Deploy an app named <code>root</code> to replace this page.</p>`,
);

export const NOT_FOUND_HTML = page(
  "Not found",
  `<h1>Not found</h1>
<p>There is nothing at this address.</p>`,
);
