/**
 * The whole Fazt schema. One file because the tables reference each other;
 * later issues fill the tables, they should not need to reshape them.
 * Conventions: timestamps are integer milliseconds (UTC), ids are prefixed
 * random strings (`app_…`), JSON is stored as text.
 */
import {
  type AnySQLiteColumn,
  blob,
  index,
  integer,
  primaryKey,
  sqliteTable,
  text,
  uniqueIndex,
} from "drizzle-orm/sqlite-core";

const ms = (name: string) => integer(name, { mode: "number" });
const bool = (name: string) => integer(name, { mode: "boolean" });

/** Server configuration: one row per key, the value as JSON. */
export const config = sqliteTable("config", {
  key: text("key").primaryKey(),
  value: text("value").notNull(),
  updatedAt: ms("updated_at").notNull(),
});

export const users = sqliteTable(
  "users",
  {
    id: text("id").primaryKey(),
    username: text("username"),
    email: text("email"),
    name: text("name"),
    picture: text("picture"),
    role: text("role", { enum: ["owner", "admin", "user"] }).notNull(),
    passwordHash: text("password_hash"),
    createdAt: ms("created_at").notNull(),
    updatedAt: ms("updated_at").notNull(),
    lastLoginAt: ms("last_login_at"),
  },
  (t) => [
    uniqueIndex("users_username_unique").on(t.username),
    uniqueIndex("users_email_unique").on(t.email),
    index("users_role_idx").on(t.role),
  ],
);

/** Links a user to an OAuth provider's account. */
export const identities = sqliteTable(
  "identities",
  {
    id: text("id").primaryKey(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    provider: text("provider").notNull(),
    providerUserId: text("provider_user_id").notNull(),
    email: text("email"),
    emailVerified: bool("email_verified").notNull().default(false),
    createdAt: ms("created_at").notNull(),
  },
  (t) => [
    uniqueIndex("identities_provider_subject_unique").on(t.provider, t.providerUserId),
    index("identities_user_idx").on(t.userId),
  ],
);

/** Sign-in sessions. The id is the sha256 of the cookie's token, never the token. */
export const sessions = sqliteTable(
  "sessions",
  {
    id: text("id").primaryKey(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    createdAt: ms("created_at").notNull(),
    lastSeenAt: ms("last_seen_at").notNull(),
    expiresAt: ms("expires_at").notNull(),
    ip: text("ip"),
    userAgent: text("user_agent"),
    /** A session made by a sign-in handoff to another host (docs/security.md) points at the one it came from; signing out ends the family. */
    parentId: text("parent_id").references((): AnySQLiteColumn => sessions.id, { onDelete: "cascade" }),
  },
  (t) => [index("sessions_user_idx").on(t.userId), index("sessions_expires_idx").on(t.expiresAt)],
);

/** API keys `fazt_<id>_<secret>`: looked up by id, the secret kept as sha256. */
export const apiKeys = sqliteTable("api_keys", {
  id: text("id").primaryKey(),
  name: text("name").notNull(),
  scope: text("scope", { enum: ["admin", "deploy"] }).notNull(),
  secretHash: text("secret_hash").notNull(),
  createdBy: text("created_by").references(() => users.id, { onDelete: "set null" }),
  /** For `deploy` keys: a JSON array of app names the key may deploy; null means any app. */
  apps: text("apps"),
  createdAt: ms("created_at").notNull(),
  lastUsedAt: ms("last_used_at"),
});

export const invites = sqliteTable("invites", {
  id: text("id").primaryKey(),
  codeHash: text("code_hash").notNull().unique(),
  role: text("role", { enum: ["admin", "user"] }).notNull(),
  maxUses: integer("max_uses").notNull(),
  uses: integer("uses").notNull().default(0),
  expiresAt: ms("expires_at"),
  createdBy: text("created_by").references(() => users.id, { onDelete: "set null" }),
  createdAt: ms("created_at").notNull(),
});

/** OAuth provider settings; the client secret is needed in clear to talk to the provider. */
export const authProviders = sqliteTable("auth_providers", {
  name: text("name").primaryKey(),
  clientId: text("client_id").notNull(),
  clientSecret: text("client_secret").notNull(),
  issuer: text("issuer"),
  authorizeUrl: text("authorize_url"),
  tokenUrl: text("token_url"),
  userinfoUrl: text("userinfo_url"),
  enabled: bool("enabled").notNull().default(false),
  updatedAt: ms("updated_at").notNull(),
});

/** In-flight OAuth sign-ins; a row is deleted as it is used (single use). */
export const oauthStates = sqliteTable("oauth_states", {
  stateHash: text("state_hash").primaryKey(),
  provider: text("provider").notNull(),
  codeVerifier: text("code_verifier").notNull(),
  nonce: text("nonce"),
  redirect: text("redirect").notNull(),
  /** The client that started the sign-in: pending starts are capped per IP. */
  ip: text("ip"),
  createdAt: ms("created_at").notNull(),
  expiresAt: ms("expires_at").notNull(),
});

/** Single-use codes that carry a sign-in from the admin host to another host (docs/security.md, "One sign-in for every host"). */
export const authHandoffs = sqliteTable("auth_handoffs", {
  codeHash: text("code_hash").primaryKey(),
  sessionId: text("session_id")
    .notNull()
    .references(() => sessions.id, { onDelete: "cascade" }),
  host: text("host").notNull(),
  redirect: text("redirect").notNull(),
  expiresAt: ms("expires_at").notNull(),
});

export const apps = sqliteTable("apps", {
  id: text("id").primaryKey(),
  name: text("name").notNull().unique(),
  spa: bool("spa").notNull().default(false),
  currentVersionId: text("current_version_id").references((): AnySQLiteColumn => versions.id, {
    onDelete: "set null",
  }),
  createdAt: ms("created_at").notNull(),
  updatedAt: ms("updated_at").notNull(),
});

/** An immutable deploy. `seq` counts up per app; rules are parsed at deploy. */
export const versions = sqliteTable(
  "versions",
  {
    id: text("id").primaryKey(),
    appId: text("app_id")
      .notNull()
      .references(() => apps.id, { onDelete: "cascade" }),
    seq: integer("seq").notNull(),
    message: text("message"),
    spa: bool("spa").notNull().default(false),
    fileCount: integer("file_count").notNull(),
    bytes: integer("bytes").notNull(),
    redirects: text("redirects"),
    headers: text("headers"),
    hasApi: bool("has_api").notNull().default(false),
    createdAt: ms("created_at").notNull(),
  },
  (t) => [uniqueIndex("versions_app_seq_unique").on(t.appId, t.seq)],
);

/** File contents, stored once per sha256 with precomputed compressed variants. */
export const blobs = sqliteTable("blobs", {
  sha256: text("sha256").primaryKey(),
  size: integer("size").notNull(),
  data: blob("data", { mode: "buffer" }).notNull(),
  br: blob("br", { mode: "buffer" }),
  gzip: blob("gzip", { mode: "buffer" }),
  createdAt: ms("created_at").notNull(),
});

export const versionFiles = sqliteTable(
  "version_files",
  {
    versionId: text("version_id")
      .notNull()
      .references(() => versions.id, { onDelete: "cascade" }),
    path: text("path").notNull(),
    sha256: text("sha256")
      .notNull()
      .references(() => blobs.sha256),
    size: integer("size").notNull(),
    mime: text("mime").notNull(),
  },
  (t) => [primaryKey({ columns: [t.versionId, t.path] }), index("version_files_sha_idx").on(t.sha256)],
);

/** Subdomain → app, redirect URL, or reserved. */
export const aliases = sqliteTable(
  "aliases",
  {
    name: text("name").primaryKey(),
    type: text("type", { enum: ["app", "redirect", "reserved"] }).notNull(),
    appId: text("app_id").references(() => apps.id, { onDelete: "cascade" }),
    url: text("url"),
    createdAt: ms("created_at").notNull(),
    updatedAt: ms("updated_at").notNull(),
  },
  (t) => [index("aliases_app_idx").on(t.appId)],
);

/** An incremental deploy between its manifest and its finish. */
export const deploys = sqliteTable("deploys", {
  id: text("id").primaryKey(),
  appName: text("app_name").notNull(),
  manifest: text("manifest").notNull(),
  createdAt: ms("created_at").notNull(),
  expiresAt: ms("expires_at").notNull(),
});

/** Remote instances the CLI can drive. The token is the client's own credential. */
export const peers = sqliteTable("peers", {
  name: text("name").primaryKey(),
  url: text("url").notNull(),
  token: text("token").notNull(),
  isDefault: bool("is_default").notNull().default(false),
  createdAt: ms("created_at").notNull(),
});

/** Per-app environment for app code (`fazt.env`). */
export const appEnv = sqliteTable(
  "app_env",
  {
    appId: text("app_id")
      .notNull()
      .references(() => apps.id, { onDelete: "cascade" }),
    key: text("key").notNull(),
    value: text("value").notNull(),
    updatedAt: ms("updated_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.appId, t.key] })],
);

/**
 * App storage. `scope` is `""` for app-wide data and a user id for
 * `fazt.app.user.*`, so one index serves both and no query crosses apps.
 */
export const appKv = sqliteTable(
  "app_kv",
  {
    appId: text("app_id")
      .notNull()
      .references(() => apps.id, { onDelete: "cascade" }),
    scope: text("scope").notNull().default(""),
    key: text("key").notNull(),
    value: text("value").notNull(),
    expiresAt: ms("expires_at"),
    updatedAt: ms("updated_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.appId, t.scope, t.key] })],
);

export const appDocs = sqliteTable(
  "app_docs",
  {
    appId: text("app_id")
      .notNull()
      .references(() => apps.id, { onDelete: "cascade" }),
    scope: text("scope").notNull().default(""),
    collection: text("collection").notNull(),
    id: text("id").notNull(),
    data: text("data").notNull(),
    createdAt: ms("created_at").notNull(),
    updatedAt: ms("updated_at").notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.appId, t.scope, t.collection, t.id] }),
    index("app_docs_created_idx").on(t.appId, t.scope, t.collection, t.createdAt),
  ],
);

export const appBlobs = sqliteTable(
  "app_blobs",
  {
    appId: text("app_id")
      .notNull()
      .references(() => apps.id, { onDelete: "cascade" }),
    scope: text("scope").notNull().default(""),
    path: text("path").notNull(),
    mime: text("mime").notNull(),
    size: integer("size").notNull(),
    sha256: text("sha256").notNull(),
    data: blob("data", { mode: "buffer" }).notNull(),
    updatedAt: ms("updated_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.appId, t.scope, t.path] })],
);

export const appLogs = sqliteTable(
  "app_logs",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    appId: text("app_id")
      .notNull()
      .references(() => apps.id, { onDelete: "cascade" }),
    level: text("level", { enum: ["debug", "info", "warn", "error"] }).notNull(),
    message: text("message").notNull(),
    requestId: text("request_id"),
    createdAt: ms("created_at").notNull(),
  },
  (t) => [index("app_logs_app_idx").on(t.appId, t.id)],
);

/** TLS certificates from ACME, one row per host name. */
export const certificates = sqliteTable("certificates", {
  name: text("name").primaryKey(),
  certPem: text("cert_pem").notNull(),
  keyPem: text("key_pem").notNull(),
  issuedAt: ms("issued_at").notNull(),
  expiresAt: ms("expires_at").notNull(),
});

/** Failed sign-in counters (per IP and per account), kept across restarts. */
export const loginAttempts = sqliteTable("login_attempts", {
  key: text("key").primaryKey(),
  failures: integer("failures").notNull(),
  windowStart: ms("window_start").notNull(),
  lockedUntil: ms("locked_until"),
});

/** Servers running on this database: where each listens, so the CLI finds it (cleared on stop; stale rows are detected by pid and heartbeat). */
export const runningServers = sqliteTable("running_servers", {
  id: text("id").primaryKey(),
  pid: integer("pid").notNull(),
  hostname: text("hostname").notNull(),
  listen: text("listen").notNull(),
  port: integer("port").notNull(),
  https: bool("https").notNull().default(false),
  startedAt: ms("started_at").notNull(),
  seenAt: ms("seen_at").notNull(),
});
