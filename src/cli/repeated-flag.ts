/**
 * Every value of a repeatable `--NAME V` / `--NAME=V` flag, in order (citty
 * keeps only the last one). Stops at `--`; a `--NAME` with nothing after it
 * gives an empty value, so the command's own check names the flag.
 */
export function repeatedFlag(rawArgs: string[], name: string): string[] {
  const values: string[] = [];
  for (let i = 0; i < rawArgs.length; i++) {
    const arg = rawArgs[i]!;
    if (arg === "--") break;
    if (arg === `--${name}`) values.push(rawArgs[++i] ?? "");
    else if (arg.startsWith(`--${name}=`)) values.push(arg.slice(name.length + 3));
  }
  return values;
}
