/** Sign-in with OAuth / OpenID Connect providers (docs/security.md). */
export { finishSignIn, startSignIn } from "./flow.ts";
export { linkAccount } from "./link.ts";
export {
  allowedProviderUrl,
  callbackUrl,
  enabledProvider,
  listProviders,
  PROVIDERS,
  type ProviderConfig,
  type ProviderPatch,
  type ProviderView,
  providerPatchSchema,
  setProvider,
} from "./providers.ts";
export { PROVIDER_NAMES, type Profile, type ProviderName, STATE_TTL_MS } from "./types.ts";
