/** Accounts and credentials: the owner, passwords, API keys (sessions and OAuth come with the accounts issue). */
export {
  type ApiKeyInfo,
  createApiKey,
  createKeySchema,
  deleteApiKey,
  type KeyScope,
  listApiKeys,
  verifyApiKey,
} from "./api-keys.ts";
export {
  createOwner,
  findOwner,
  type Owner,
  passwordSchema,
  setOwnerCredentials,
  usernameSchema,
} from "./owner.ts";
export { generatePassword, hashPassword, verifyPassword } from "./passwords.ts";
