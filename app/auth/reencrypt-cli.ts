/** `npm run tokens:reencrypt`: re-encrypts stored tokens and signal API keys with the first key of FLUXOR_ENCRYPTION_KEYS. */
import { bootDatabase } from "../db/boot.server";
import { keyRingFromEnv } from "./token-cipher.server";
import { reencryptSessions, reencryptSignalKeys } from "./reencrypt.server";

const database = await bootDatabase();
const { disconnectPrisma, prisma } = await import("../db/prisma.server");
try {
  const result = await reencryptSessions(prisma(), keyRingFromEnv());
  console.log(`examined ${result.examined} sessions, re-encrypted ${result.reencrypted} with key ${keyRingFromEnv().currentKeyId}`);
  const keys = await reencryptSignalKeys(prisma(), keyRingFromEnv());
  console.log(`examined ${keys.examined} signal source API keys, re-encrypted ${keys.reencrypted}`);
} finally {
  await disconnectPrisma();
  await database.stop();
}
