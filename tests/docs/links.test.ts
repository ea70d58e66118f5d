import { test } from "bun:test";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

/** Links between the pages of docs/ (and their #anchors) lead somewhere. */
const DOCS = join(import.meta.dir, "../../docs");

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to `-`. */
const slug = (heading: string) =>
  heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N} _-]/gu, "")
    .replace(/ /g, "-");

function anchors(file: string): Set<string> {
  const text = readFileSync(file, "utf8").replace(/```[\s\S]*?```/g, "");
  return new Set([...text.matchAll(/^#{1,6} (.+)$/gm)].map((m) => slug(m[1]!)));
}

test("every relative link in docs/ points at a file and heading that exist", () => {
  const broken: string[] = [];
  for (const page of readdirSync(DOCS).filter((f) => f.endsWith(".md"))) {
    const text = readFileSync(join(DOCS, page), "utf8");
    for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
      if (/^[a-z]+:/i.test(target!)) continue;
      const [file, anchor] = target!.split("#") as [string, string | undefined];
      const path = join(DOCS, file || page);
      if (!existsSync(path)) broken.push(`${page}: ${target} (no such file)`);
      else if (anchor && !anchors(path).has(anchor)) broken.push(`${page}: ${target} (no such heading)`);
    }
  }
  if (broken.length) throw new Error(`broken links:\n  ${broken.join("\n  ")}`);
});
