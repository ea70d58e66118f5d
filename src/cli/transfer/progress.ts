/**
 * A one-line progress bar on stderr, only on a terminal: piped output (CI
 * logs, `--format json` consumers) gets no carriage-return noise at all.
 */
export interface Progress {
  update(files: number, bytes: number): void;
  done(): void;
}

const quiet: Progress = { update() {}, done() {} };

export function humanBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ["KiB", "MiB", "GiB"];
  let value = n / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value < 10 ? value.toFixed(1) : Math.round(value)} ${units[unit]}`;
}

export function progressBar(label: string, totalFiles: number, totalBytes: number): Progress {
  if (process.stderr.isTTY !== true || totalFiles === 0) return quiet;
  const width = 24;
  let last = 0;
  const draw = (files: number, bytes: number) => {
    const ratio = totalBytes > 0 ? bytes / totalBytes : files / totalFiles;
    const filled = Math.min(width, Math.round(ratio * width));
    const bar = `${"#".repeat(filled)}${"-".repeat(width - filled)}`;
    process.stderr.write(
      `\r\x1b[K${label} [${bar}] ${files}/${totalFiles} files, ${humanBytes(bytes)}/${humanBytes(totalBytes)}`,
    );
  };
  return {
    update(files, bytes) {
      const now = Date.now();
      // At most ten redraws a second; always draw the last step.
      if (now - last < 100 && files < totalFiles) return;
      last = now;
      draw(files, bytes);
    },
    done() {
      process.stderr.write("\r\x1b[K");
    },
  };
}
