/**
 * What `app create` writes (docs/cli.md). Small, valid, and each one passes
 * `app validate` and deploys as is.
 */
export const TEMPLATES = ["minimal", "static", "spa", "api"] as const;
export type Template = (typeof TEMPLATES)[number];

/** One line per template, for `app create --help`. */
export const TEMPLATE_NOTES: Record<Template, string> = {
  minimal: "one page (the default)",
  static: "a few pages with a stylesheet",
  spa: "a single-page app: every path without an extension serves index.html",
  api: "a page and a CRUD API in api/main.js",
};

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
    case "api":
      return {
        "index.html": page(
          name,
          `  <h1>${name}</h1>
  <form id="add"><input name="text" placeholder="Something to remember" required> <button>Add</button></form>
  <ul id="items"></ul>
  <script type="module" src="/app.js"></script>`,
        ),
        "app.js": `// Talks to api/main.js: list, add and remove items.
const list = document.getElementById("items");

async function load() {
  const items = await (await fetch("/api/items")).json();
  list.innerHTML = "";
  for (const item of items) {
    const li = document.createElement("li");
    li.textContent = item.text + " ";
    const del = document.createElement("button");
    del.textContent = "remove";
    del.onclick = async () => {
      await fetch("/api/items/" + item.id, { method: "DELETE" });
      load();
    };
    li.append(del);
    list.append(li);
  }
}

document.getElementById("add").addEventListener("submit", async (e) => {
  e.preventDefault();
  const text = new FormData(e.target).get("text");
  await fetch("/api/items", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ text }) });
  e.target.reset();
  load();
});
load();
`,
        "api/main.js": `// A small CRUD API in module style (docs/app-code.md). Data lives in the app's document store.
const json = (data, status = 200) => Response.json(data, { status });

export default async function (req, ctx) {
  const url = new URL(req.url);
  const [, , resource, id] = url.pathname.split("/"); // "", "api", "items", id?
  if (resource !== "items") return json({ error: "not found" }, 404);
  const items = fazt.app.ds;

  if (req.method === "GET" && !id) return items.find("items", {}, { sort: { _createdAt: 1 } });
  if (req.method === "GET") return items.findOne("items", id) ?? json({ error: "not found" }, 404);
  if (req.method === "POST" && !id) {
    const body = await req.json();
    if (typeof body.text !== "string" || !body.text.trim()) return json({ error: "text is required" }, 400);
    const newId = items.insert("items", { text: body.text.trim() });
    console.log("added", newId, "for request", ctx.requestId);
    return json(items.findOne("items", newId), 201);
  }
  if (req.method === "DELETE" && id) {
    return items.delete("items", id) ? new Response(null, { status: 204 }) : json({ error: "not found" }, 404);
  }
  return json({ error: "method not allowed" }, 405);
}
`,
        "manifest.json": manifest(),
      };
  }
}
