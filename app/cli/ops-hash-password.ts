/**
 * `npm run ops:hash-password -- [--user <name>]`: prints the scrypt hash of an operator password for
 * `FLUXOR_OPS_USERS` (decision 0046), or the whole `name:hash` entry with --user. The password is read from
 * the terminal without echo, or from standard input when it is piped (`printf %s "$PW" | npm run -s …`);
 * never from the command line, where the shell history and `ps` would keep it.
 */
import { createInterface } from "node:readline";
import { OPS_USER_NAME } from "../ops/config.server";
import { hashPassword, MAX_PASSWORD_BYTES, MIN_PASSWORD_LENGTH } from "../ops/password.server";
import { failer, readFlags } from "./args";

const USAGE = "usage: npm run ops:hash-password -- [--user <name>]   (the password is asked for, or read from stdin)";
const fail = failer("ops:hash-password");
const flags = readFlags(["user"], USAGE, fail);
const user = flags.user?.toLowerCase();
if (user !== undefined && !OPS_USER_NAME.test(user)) fail(`--user must be letters, digits, . _ @ - (at most 64), got "${flags.user}"`);

async function readPiped(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks)
    .toString("utf8")
    .replace(/\r?\n$/, "");
}

/** Asks on the terminal, echoing nothing. */
function ask(prompt: string): Promise<string> {
  return new Promise((resolve) => {
    const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: true });
    const output = rl as unknown as { _writeToOutput: (text: string) => void };
    process.stderr.write(prompt);
    output._writeToOutput = () => {};
    rl.question("", (answer) => {
      rl.close();
      process.stderr.write("\n");
      resolve(answer);
    });
  });
}

let password: string;
if (process.stdin.isTTY) {
  password = await ask("Operator password: ");
  if ((await ask("Again: ")) !== password) fail("the two passwords differ");
} else {
  password = await readPiped();
}
if ([...password].length < MIN_PASSWORD_LENGTH) fail(`the password needs at least ${MIN_PASSWORD_LENGTH} characters`);
if (Buffer.byteLength(password) > MAX_PASSWORD_BYTES) fail(`the password is longer than ${MAX_PASSWORD_BYTES} bytes`);
const hash = await hashPassword(password);
process.stdout.write(`${user ? `${user}:` : ""}${hash}\n`);
