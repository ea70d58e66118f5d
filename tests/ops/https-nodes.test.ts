/**
 * Certificates shared through the database (src/ops/https/manager.ts): a
 * node takes a certificate another node stored instead of ordering its own,
 * and orders nothing while the stored one will do. Two connections to one
 * SQLite file stand for two nodes here (the ACME lock on PostgreSQL is
 * tests/db/single-node.test.ts's); the CA's address leads nowhere, so any
 * order would fail and be logged.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { createLogger } from "../../src/core/log.ts";
import { openDatabase, readConfig, type Store, writeConfig } from "../../src/db/index.ts";
import type { StoredCert } from "../../src/ops/https/acme.ts";
import { saveCert } from "../../src/ops/https/acme.ts";
import { HttpsManager } from "../../src/ops/https/manager.ts";
import { selfSigned } from "../helpers/certs.ts";
import { cleanupTemp, tempDir } from "../helpers/temp.ts";
import { requireTool } from "../helpers/tools.ts";

afterAll(cleanupTemp);

const DOMAIN = "nodes.example";

describe.skipIf(!requireTool("openssl", "makes self-signed certificates (apt-get install openssl)"))(
  "https on several nodes: the certificate comes from the database",
  () => {
    let node1: Store;
    let node2: Store;
    const logs: Array<Record<string, unknown>> = [];
    const handed: StoredCert[] = [];
    let manager: HttpsManager;

    afterAll(() => {
      manager?.stop();
      node2?.close();
      node1?.close();
    });

    test("a node whose stored certificate will do orders nothing", async () => {
      const file = join(tempDir(), "data.db");
      node1 = await openDatabase(file);
      node2 = await openDatabase(file);
      writeConfig(node1, { domain: DOMAIN });
      const now = Date.now();
      saveCert(node1, {
        name: DOMAIN,
        ...selfSigned([DOMAIN, `admin.${DOMAIN}`], 80),
        issuedAt: now - 1000,
        expiresAt: now + 80 * 86_400_000,
      });
      manager = new HttpsManager(
        node2,
        () => readConfig(node2),
        createLogger((line) => logs.push(JSON.parse(line))),
        // Nothing listens there: an order would fail and log an error.
        {
          acme: { directoryUrl: "http://127.0.0.1:9/directory", email: null },
          debounceMs: 20,
          retryMs: 60_000,
        },
        (cert) => {
          handed.push(cert);
        },
      );
      await manager.start();
      expect(handed).toHaveLength(1);
      expect(handed[0]?.names.sort()).toEqual([`admin.${DOMAIN}`, DOMAIN]);
      expect(logs.filter((l) => l.level === "error")).toEqual([]);
    });

    test("a newer certificate stored by another node is taken into use at the next check, without an order", async () => {
      const now = Date.now();
      const renewed = selfSigned([DOMAIN, `admin.${DOMAIN}`], 89);
      saveCert(node1, { name: DOMAIN, ...renewed, issuedAt: now, expiresAt: now + 89 * 86_400_000 });
      await manager.check();
      expect(handed).toHaveLength(2);
      expect(handed[1]?.certPem).toBe(renewed.certPem);
      expect(manager.cert?.certPem).toBe(renewed.certPem);
      // Nothing new on the next check.
      await manager.check();
      expect(handed).toHaveLength(2);
      expect(logs.filter((l) => l.level === "error")).toEqual([]);
    });
  },
);
