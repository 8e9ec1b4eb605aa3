/**
 * Re-encrypts every stored secret with the current key after a key rotation: the shops' access and refresh tokens,
 * and the API keys of keyed signal sources (SignalSourceSetting, decision 0057).
 * Safe to run while the app serves traffic: each row is updated only if it still holds the
 * ciphertext that was read (a concurrent token refresh wins), and running it twice is a no-op.
 */
import type { PrismaClient } from "@prisma/client";
import { decrypt, encrypt, keyIdOf, type KeyRing } from "./token-cipher.server";

export interface ReencryptResult {
  examined: number;
  reencrypted: number;
}

export async function reencryptSessions(prisma: PrismaClient, ring: KeyRing): Promise<ReencryptResult> {
  const rows = await prisma.session.findMany({ select: { id: true, accessToken: true, refreshToken: true } });
  let reencrypted = 0;
  for (const row of rows) {
    const access = rotate(row.accessToken, ring);
    const refresh = row.refreshToken ? rotate(row.refreshToken, ring) : undefined;
    if (access === undefined && refresh === undefined) continue;
    const { count } = await prisma.session.updateMany({
      where: { id: row.id, accessToken: row.accessToken, refreshToken: row.refreshToken },
      data: { accessToken: access ?? row.accessToken, refreshToken: refresh ?? row.refreshToken },
    });
    reencrypted += count;
  }
  return { examined: rows.length, reencrypted };
}

export async function reencryptSignalKeys(prisma: PrismaClient, ring: KeyRing): Promise<ReencryptResult> {
  const rows = await prisma.signalSourceSetting.findMany({
    where: { apiKeyCiphertext: { not: null } },
    select: { shopId: true, source: true, apiKeyCiphertext: true },
  });
  let reencrypted = 0;
  for (const row of rows) {
    const key = row.apiKeyCiphertext ? rotate(row.apiKeyCiphertext, ring) : undefined;
    if (key === undefined) continue;
    const { count } = await prisma.signalSourceSetting.updateMany({
      where: { shopId: row.shopId, source: row.source, apiKeyCiphertext: row.apiKeyCiphertext },
      data: { apiKeyCiphertext: key },
    });
    reencrypted += count;
  }
  return { examined: rows.length, reencrypted };
}

/** The value re-encrypted with the current key, or undefined when it already uses it. */
function rotate(ciphertext: string, ring: KeyRing): string | undefined {
  if (keyIdOf(ciphertext) === ring.currentKeyId) return undefined;
  return encrypt(decrypt(ciphertext, ring), ring);
}
