/**
 * What `app create` writes (SPEC §5). Small, valid, and each one passes
 * `app validate` and deploys as is.
 */
export const TEMPLATES = ["minimal", "static", "spa"] as const;
export type Template = (typeof TEMPLATES)[number];

const page = (title: string, body: string, head = "") => `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>${title}</title>${head}
</head>
<body>
${body}
</body>
</html>
`;

const nav = `  <nav><a href="/">Home</a> · <a href="/about">About</a></nav>`;
const css = `\n  <link rel="stylesheet" href="/style.css">`;

export function templateFiles(name: string, template: Template): Record<string, string> {
  const manifest = (extra: Record<string, unknown> = {}) =>
    `${JSON.stringify({ name, ...extra }, null, 2)}\n`;
  switch (template) {
    case "minimal":
      return {
        "index.html": page(name, `  <h1>${name}</h1>\n  <p>Deployed with fazt.</p>`),
        "manifest.json": manifest(),
      };
    case "static":
      return {
        "index.html": page(name, `${nav}\n  <h1>${name}</h1>\n  <p>Deployed with fazt.</p>`, css),
        "about.html": page(`About ${name}`, `${nav}\n  <h1>About</h1>\n  <p>Edit about.html.</p>`, css),
        "404.html": page("Not found", `${nav}\n  <h1>Not found</h1>\n  <p>No page here.</p>`, css),
        "style.css": `body {\n  font-family: system-ui, sans-serif;\n  max-width: 40rem;\n  margin: 2rem auto;\n  padding: 0 1rem;\n}\n`,
        "manifest.json": manifest(),
      };
    case "spa":
      return {
        "index.html": page(name, `  <div id="app"></div>\n  <script type="module" src="/app.js"></script>`),
        "app.js": `// Every path without a file extension serves index.html (spa: true in manifest.json).
const app = document.getElementById("app");

function render() {
  const path = location.pathname;
  app.innerHTML = \`<nav><a href="/" data-link>Home</a> · <a href="/about" data-link>About</a></nav>
<h1>\${path === "/" ? ${JSON.stringify(name)} : path.slice(1)}</h1>\`;
}

document.addEventListener("click", (e) => {
  const link = e.target.closest("a[data-link]");
  if (!link) return;
  e.preventDefault();
  history.pushState(null, "", link.getAttribute("href"));
  render();
});
window.addEventListener("popstate", render);
render();
`,
        "manifest.json": manifest({ spa: true }),
      };
  }
}
