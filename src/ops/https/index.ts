export {
  ACCOUNT_ROW,
  ChallengeTokens,
  certInfo,
  issueCertificate,
  loadCert,
  type StoredCert,
} from "./acme.ts";
export { HttpsManager } from "./manager.ts";
export { certNames, isCertifiableDomain } from "./names.ts";
export { type HttpsServeOptions, type HttpsServing, type ListenOptions, startHttps } from "./serve.ts";
