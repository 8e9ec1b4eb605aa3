import "@remix-run/node";

declare module "@remix-run/node" {
  interface AppLoadContext {
    /** The client's IP as Express resolved it (honouring TRUST_PROXY); feeds the auth rate limiter. */
    clientIp: string;
  }
}
