/** Asks a yes/no question on the terminal (stderr), reading one line of stdin; only "y"/"yes" is yes. */
export async function confirm(question: string): Promise<boolean> {
  process.stderr.write(question);
  for await (const line of console) {
    return /^\s*y(es)?\s*$/i.test(line);
  }
  return false;
}
