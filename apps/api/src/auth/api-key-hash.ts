import { createHash, randomBytes } from 'node:crypto';

/** A new secret: "mt_" and 32 random bytes. Only its hash is ever stored. */
export const generateApiKey = (): string => `mt_${randomBytes(32).toString('base64url')}`;

/** SHA-256 is enough here: keys are long random secrets, not passwords. */
export const hashApiKey = (key: string): string => createHash('sha256').update(key).digest('hex');
