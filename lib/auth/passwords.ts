// argon2id at OWASP's minimum (m = 19 MiB, t = 2, p = 1). The clear password never leaves this
// module: it is not stored, logged or returned.
import argon2 from 'argon2';

const OPTIONS = { type: argon2.argon2id, memoryCost: 19 * 1024, timeCost: 2, parallelism: 1 } as const;

export function hashPassword(password: string): Promise<string> {
  return argon2.hash(password, OPTIONS);
}

// A fixed hash to verify against when the account does not exist, so "no such user" costs the
// same time as "wrong password" and the two answers cannot be told apart.
let decoyHash: Promise<string> | undefined;

/** argon2.verify compares in constant time; a missing account still pays for one verification. */
export async function verifyPassword(hash: string | null | undefined, password: string): Promise<boolean> {
  if (!hash) {
    decoyHash ??= hashPassword('decoy-password-for-timing');
    await argon2.verify(await decoyHash, password);
    return false;
  }
  try {
    return await argon2.verify(hash, password);
  } catch {
    return false;
  }
}
