/**
 * Reading an app's `api/` code without running it: which style a file is
 * written in, whether it parses, and whether `api/main.js` gives a handler.
 * One place for the rules, used by the sandbox (style), the server's deploy
 * (warnings) and the CLI (`app deploy` refusing, `app validate`).
 */

/**
 * Module style (`export default`) is a file with an `import` or `export` statement at
 * the start of a line; anything else is a classic script run per request.
 */
export const isModuleSource = (src: string): boolean => /(^|\n)\s*(export|import)\s/.test(src);

/** Files the sandbox runs or imports as JavaScript. */
export const isApiScript = (path: string): boolean => path.startsWith("api/") && /\.m?js$/.test(path);

export interface CodeProblem {
  file: string;
  line?: number;
  column?: number;
  message: string;
}

/** `file:line:col: message`, the way compilers print it. */
export const formatProblem = (p: CodeProblem): string =>
  `${p.file}${p.line ? `:${p.line}` : ""}${p.column ? `:${p.column}` : ""}: ${p.message}`;

let transpiler: Bun.Transpiler | undefined;
const parser = () => (transpiler ??= new Bun.Transpiler({ loader: "js" }));

/** The first syntax error in `text` (Bun's parser, 1-based line and column), or null when it parses. */
export function syntaxProblem(file: string, text: string): CodeProblem | null {
  try {
    parser().transformSync(text);
    return null;
  } catch (e) {
    // One error is thrown as itself, several as an AggregateError of them.
    const first = (e as { errors?: unknown[] }).errors?.[0] ?? e;
    const err = first as { message?: string; position?: { line?: number; column?: number } | null };
    const problem: CodeProblem = { file, message: err.message ?? String(e) };
    if (err.position?.line) problem.line = err.position.line;
    if (err.position?.column) problem.column = err.position.column;
    return problem;
  }
}

/**
 * Why `api/main.js` would not answer a request, or null. The rule: a
 * module-style file must export a default (a function or an object with
 * `fetch`, checked when it runs); a classic script is its own handler.
 * Only meaningful for code that parses.
 */
export function handlerProblem(text: string): string | null {
  if (!isModuleSource(text)) return null;
  try {
    if (parser().scan(text).exports.includes("default")) return null;
  } catch {
    return null; // reported as a syntax problem instead
  }
  return "written as a module (it has import/export) but has no `export default` handler: /api requests will fail";
}

/**
 * Everything worth telling about the code of a deploy, given its paths and a
 * way to read one: syntax errors (as `file:line:col: message`), and a
 * `api/main.js` that is missing or exports no handler.
 */
export function checkApiCode(paths: readonly string[], read: (path: string) => string | null): CodeProblem[] {
  const problems: CodeProblem[] = [];
  const scripts = paths.filter(isApiScript).sort();
  for (const path of scripts) {
    const text = read(path);
    if (text === null) continue;
    const syntax = syntaxProblem(path, text);
    if (syntax) problems.push(syntax);
    else if (path === "api/main.js") {
      const handler = handlerProblem(text);
      if (handler) problems.push({ file: path, message: handler });
    }
  }
  if (scripts.length > 0 && !paths.includes("api/main.js")) {
    problems.push({
      file: "api/",
      message: "has code but no main.js, which is where /api requests start: they will answer 404",
    });
  }
  return problems;
}
