import * as v from "valibot";
import type { PeerClient } from "./client.ts";

/** `/api/auth/providers` as the CLI uses it: the answers carry no secret, only `clientSecretSet`. */
export const providerSchema = v.looseObject({
  name: v.string(),
  label: v.optional(v.string()),
  kind: v.optional(v.string()),
  configured: v.boolean(),
  enabled: v.boolean(),
  clientId: v.nullable(v.string()),
  clientSecretSet: v.boolean(),
  issuer: v.nullable(v.string()),
  authorizeUrl: v.nullable(v.string()),
  tokenUrl: v.nullable(v.string()),
  userinfoUrl: v.nullable(v.string()),
  callbackUrl: v.string(),
  updatedAt: v.nullable(v.number()),
});
export type RemoteProvider = v.InferOutput<typeof providerSchema>;

export interface ProviderBody {
  clientId?: string;
  clientSecret?: string;
  issuer?: string | null;
  authorizeUrl?: string | null;
  tokenUrl?: string | null;
  userinfoUrl?: string | null;
  enabled?: boolean;
}

export const providersApi = {
  list: (c: PeerClient) => c.call("GET", "/api/auth/providers", v.array(providerSchema)),
  set: (c: PeerClient, name: string, body: ProviderBody) =>
    c.call("PUT", `/api/auth/providers/${encodeURIComponent(name)}`, providerSchema, { json: body }),
};
