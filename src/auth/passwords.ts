import { randomToken } from "../core/index.ts";

/** argon2id with Bun's default parameters. */
export function hashPassword(password: string): Promise<string> {
  return Bun.password.hash(password, { algorithm: "argon2id" });
}

export function verifyPassword(password: string, hash: string): Promise<boolean> {
  return Bun.password.verify(password, hash);
}

/** A password printed once at first start: 20 base32 characters (~100 bits). */
export function generatePassword(): string {
  return randomToken(13).slice(0, 20);
}
