import { htmlDocument } from "../core/index.ts";

/**
 * What a fresh instance's seeded apps hold (`ops/seed.ts`): the `root`
 * app's welcome page and the `404` app's page. Deploying over either app
 * replaces them.
 */
const CSS = `  main { max-width: 36rem; margin: 15vh auto; padding: 0 1.25rem; line-height: 1.5; }
  h1 { font-size: 2rem; margin: 0 0 .5rem; }
  code { background: color-mix(in srgb, currentColor 10%, transparent); padding: .1rem .3rem; border-radius: .25rem; }`;

const page = (title: string, body: string) => htmlDocument(title, CSS, body);

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
