/**
 * Size of the linux-x64 binary against a hello-world `Bun.serve` compiled with
 * the same flags (bench/lib.ts `compile`): what Fazt's code, its embedded
 * admin UI and migrations add to the Bun runtime both carry.
 */
import { statSync } from "node:fs";
import { join } from "node:path";
import { compile, faztBinary, note, type Result } from "../lib.ts";

const MiB = 1024 * 1024;

export async function run(): Promise<Result[]> {
  const fazt = faztBinary({ rebuildIfStale: true });
  const hello = compile(
    join(import.meta.dir, "..", "startup", "hello.ts"),
    `hello-bun${Bun.version}-linux-x64`,
  );
  const faztMiB = statSync(fazt).size / MiB;
  const helloMiB = statSync(hello).size / MiB;
  note(
    `size: dist/fazt-linux-x64 ${faztMiB.toFixed(2)} MiB, compiled hello ${helloMiB.toFixed(2)} MiB (+${(faztMiB - helloMiB).toFixed(2)} MiB)`,
  );
  return [
    {
      metric: "linux-x64 binary size",
      unit: "MiB",
      fazt: [faztMiB],
      baseline: [helloMiB],
      baselineName: "hello",
    },
  ];
}
