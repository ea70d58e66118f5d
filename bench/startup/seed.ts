/**
 * Fills an initialised Fazt database with 100 apps' worth of rows, straight
 * through bun:sqlite with foreign keys on: each app has an alias and 3
 * versions of 20 files, the files pointing at a pool of shared small blobs.
 */
import { Database } from "bun:sqlite";

const APPS = 100;
const VERSIONS_PER_APP = 3;
const FILES_PER_VERSION = 20;
const BLOBS = 200;

const MIMES: Record<string, string> = {
  html: "text/html; charset=utf-8",
  css: "text/css; charset=utf-8",
  js: "text/javascript; charset=utf-8",
  svg: "image/svg+xml",
  json: "application/json",
};
const EXTS = Object.keys(MIMES);

function id(prefix: string): string {
  const bytes = new Uint8Array(10);
  crypto.getRandomValues(bytes);
  return `${prefix}_${Buffer.from(bytes).toString("hex")}`;
}

export function seed(dbPath: string): { apps: number; versions: number; files: number; blobs: number } {
  const db = new Database(dbPath, { strict: true });
  db.exec("PRAGMA foreign_keys = ON");
  db.exec("PRAGMA journal_mode = WAL");
  const now = Date.now();
  const insertBlob = db.query(
    "INSERT INTO blobs (sha256, size, data, br, gzip, created_at) VALUES (?, ?, ?, NULL, NULL, ?)",
  );
  const insertApp = db.query(
    "INSERT INTO apps (id, name, spa, current_version_id, created_at, updated_at) VALUES (?, ?, 0, NULL, ?, ?)",
  );
  const insertAlias = db.query(
    "INSERT INTO aliases (name, type, app_id, url, created_at, updated_at) VALUES (?, 'app', ?, NULL, ?, ?)",
  );
  const insertVersion = db.query(
    "INSERT INTO versions (id, app_id, seq, message, spa, file_count, bytes, redirects, headers, has_api, created_at) VALUES (?, ?, ?, ?, 0, ?, ?, NULL, NULL, 0, ?)",
  );
  const insertFile = db.query(
    "INSERT INTO version_files (version_id, path, sha256, size, mime) VALUES (?, ?, ?, ?, ?)",
  );
  const setCurrent = db.query("UPDATE apps SET current_version_id = ?, updated_at = ? WHERE id = ?");

  let versions = 0;
  let files = 0;
  db.transaction(() => {
    const pool: Array<{ sha256: string; size: number }> = [];
    for (let b = 0; b < BLOBS; b++) {
      const data = Buffer.from(`/* blob ${b} */\n${"x".repeat(200 + ((b * 37) % 1800))}\n`);
      const sha256 = new Bun.CryptoHasher("sha256").update(data).digest("hex");
      insertBlob.run(sha256, data.length, data, now);
      pool.push({ sha256, size: data.length });
    }
    for (let a = 0; a < APPS; a++) {
      const appId = id("app");
      const name = `app-${String(a).padStart(3, "0")}`;
      const t = now - (APPS - a) * 60_000;
      insertApp.run(appId, name, t, t);
      insertAlias.run(name, appId, t, t);
      let current = "";
      for (let seq = 1; seq <= VERSIONS_PER_APP; seq++) {
        const verId = id("ver");
        const picked = Array.from(
          { length: FILES_PER_VERSION },
          (_, f) => pool[(a * 7 + seq * 3 + f * 11) % BLOBS]!,
        );
        const bytes = picked.reduce((n, p) => n + p.size, 0);
        insertVersion.run(verId, appId, seq, `deploy ${seq}`, FILES_PER_VERSION, bytes, t + seq * 1000);
        picked.forEach((blob, f) => {
          const ext = f === 0 ? "html" : EXTS[f % EXTS.length]!;
          const path = f === 0 ? "index.html" : `assets/file-${f}.${ext}`;
          insertFile.run(verId, path, blob.sha256, blob.size, MIMES[ext]!);
          files++;
        });
        versions++;
        current = verId;
      }
      setCurrent.run(current, t + VERSIONS_PER_APP * 1000, appId);
    }
  })();
  const violations = db.query("PRAGMA foreign_key_check").all();
  if (violations.length > 0) throw new Error(`seed broke foreign keys: ${JSON.stringify(violations)}`);
  db.exec("PRAGMA wal_checkpoint(TRUNCATE)");
  db.close();
  return { apps: APPS, versions, files, blobs: BLOBS };
}
