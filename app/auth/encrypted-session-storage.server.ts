/**
 * Wraps any SessionStorage (here the library's PrismaSessionStorage) so that access and refresh tokens
 * are encrypted before they are stored and decrypted when sessions are loaded. The wrapped storage
 * never sees a plaintext token.
 */
import { Session } from "@shopify/shopify-api";
import type { SessionStorage } from "@shopify/shopify-app-session-storage";
import { decrypt, encrypt, isCiphertext, type KeyRing } from "./token-cipher.server";

export class EncryptedSessionStorage implements SessionStorage {
  constructor(
    private readonly inner: SessionStorage,
    private readonly keyRing: () => KeyRing,
  ) {}

  async storeSession(session: Session): Promise<boolean> {
    const ring = this.keyRing();
    const sealed = new Session(session.toObject());
    if (session.accessToken) sealed.accessToken = sealField(session.accessToken, ring);
    if (session.refreshToken) sealed.refreshToken = sealField(session.refreshToken, ring);
    return this.inner.storeSession(sealed);
  }

  async loadSession(id: string): Promise<Session | undefined> {
    const session = await this.inner.loadSession(id);
    return session ? this.open(session) : undefined;
  }

  deleteSession(id: string): Promise<boolean> {
    return this.inner.deleteSession(id);
  }

  deleteSessions(ids: string[]): Promise<boolean> {
    return this.inner.deleteSessions(ids);
  }

  async findSessionsByShop(shop: string): Promise<Session[]> {
    return (await this.inner.findSessionsByShop(shop)).map((session) => this.open(session));
  }

  private open(session: Session): Session {
    const ring = this.keyRing();
    const opened = new Session(session.toObject());
    if (session.accessToken) opened.accessToken = decrypt(session.accessToken, ring);
    if (session.refreshToken) opened.refreshToken = decrypt(session.refreshToken, ring);
    return opened;
  }
}

function sealField(value: string, ring: KeyRing): string {
  // A value that is already ciphertext would be a bug upstream; never double-wrap it.
  return isCiphertext(value) ? value : encrypt(value, ring);
}
