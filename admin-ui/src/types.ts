/** Shapes of the admin API's answers, as the server's routes build them. */

export type Role = "owner" | "admin" | "user";

export interface User {
  id: string;
  username: string | null;
  email: string | null;
  name: string | null;
  picture: string | null;
  role: Role;
  createdAt: number;
  lastLoginAt: number | null;
}

export interface Version {
  id: string;
  seq: number;
  /** 1-based number for preview URLs (`vN--NAME.D`), when the server gives one. */
  number?: number;
  previewUrl?: string;
  message: string | null;
  files: number;
  bytes: number;
  createdAt: number;
  current: boolean;
}

export interface App {
  id: string;
  name: string;
  spa: boolean;
  url: string;
  version: Version | null;
  hasApi: boolean;
  aliases: string[];
  createdAt: number;
  updatedAt: number;
  keptVersions?: number;
}

export interface Health {
  status: string;
  version: string;
  commit: string;
  uptimeMs: number;
  memory: { rss: number; heapUsed: number };
  database: { bytes: number; schema: number };
  counts: Record<string, number>;
}

export interface FileEntry {
  path: string;
  sha256: string;
  size: number;
  mime: string;
}

export type LogLevel = "debug" | "info" | "warn" | "error";

export interface LogLine {
  id: number;
  level: LogLevel;
  message: string;
  requestId: string | null;
  createdAt: number;
}

export interface EnvEntry {
  key: string;
  preview: string;
  length: number | null;
  updatedAt: number;
}

export interface ApiKey {
  id: string;
  name: string;
  scope: "admin" | "deploy";
  apps: string[] | null;
  createdAt: number;
  lastUsedAt: number | null;
  createdBy: string | null;
  maker: { id: string; username: string | null; email: string | null; role: Role } | null;
  active: boolean;
}

export interface Invite {
  id: string;
  role: "admin" | "user";
  maxUses: number;
  uses: number;
  expiresAt: number | null;
  createdBy: string | null;
  createdAt: number;
  status: "open" | "used" | "expired";
}

export interface Provider {
  name: string;
  label: string;
  kind: "oauth2" | "oidc";
  configured: boolean;
  enabled: boolean;
  clientId: string | null;
  clientSecretSet: boolean;
  issuer: string | null;
  authorizeUrl: string | null;
  tokenUrl: string | null;
  userinfoUrl: string | null;
  callbackUrl: string;
  updatedAt: number | null;
}

export interface Backup {
  /** The file name: the NAME of `GET /api/backups/NAME`. */
  name?: string;
  file: string;
  bytes: number;
  createdAt: number;
  reason: string | null;
}

export interface Config {
  domain: string;
  port: number;
  env: "development" | "production";
  https: boolean;
  email: string | null;
  releaseBaseUrl: string | null;
  releasePublicKeys: string[];
  trustedProxies: string[];
  keepVersions: number;
  cacheBytes: number;
  maxDeployBytes: number;
  maxFileBytes: number;
  maxFiles: number;
  maxBodyBytes: number;
  backupKeep: number;
  appTimeoutMs: number;
  appMemoryBytes: number;
  appMultipartBytes: number;
}

export interface DeployResult {
  app: string;
  version: string;
  seq?: number;
  files: number;
  bytes: number;
  uploadedBytes: number;
  url: string;
  preview?: boolean;
  previewUrl?: string | null;
  warnings?: string[];
}

export interface SqlResult {
  columns: string[];
  rows: unknown[][];
  rowsAffected: number;
  truncated: boolean;
  ms: number;
}

export interface StorageSummary {
  kv: { count: number };
  ds: { collection: string; count: number }[];
  s3: { count: number; bytes: number };
  users: { id: string; email?: string | null; name?: string | null }[];
}
