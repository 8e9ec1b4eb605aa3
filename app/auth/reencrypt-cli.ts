/** `npm run tokens:reencrypt`: re-encrypts stored tokens with the first key of FLUXOR_ENCRYPTION_KEYS. */
import { bootDatabase } from "../db/boot.server";
import { keyRingFromEnv } from "./token-cipher.server";
import { reencryptSessions } from "./reencrypt.server";

const database = await bootDatabase();
const { disconnectPrisma, prisma } = await import("../db/prisma.server");
try {
  const result = await reencryptSessions(prisma(), keyRingFromEnv());
  console.log(`examined ${result.examined} sessions, re-encrypted ${result.reencrypted} with key ${keyRingFromEnv().currentKeyId}`);
} finally {
  await disconnectPrisma();
  await database.stop();
}
