import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';

/**
 * An SMTP server on 127.0.0.1 for tests (the `smtp-server` package): it offers STARTTLS with a test
 * certificate for localhost and 127.0.0.1 (tls/, valid to 2126, a test key and nothing else), can require
 * authentication, refuses chosen recipients with 550, and can fail every message after the first K (451),
 * as a server going away mid-run. Every accepted message is parsed with mailparser.
 */

const TLS_DIR = new URL('./tls/', import.meta.url);
export const TEST_CA_FILE = new URL('cert.pem', TLS_DIR).pathname;

/** The notify action's `email` options for a test server on `port`: STARTTLS with the test CA, credentials from SMTP_USER and SMTP_PASSWORD. */
export function emailOptions(port: number) {
  return {
    host: '127.0.0.1',
    port,
    ca_file: TEST_CA_FILE,
    user_env: 'SMTP_USER',
    password_env: 'SMTP_PASSWORD',
    from: 'lapse <lapse@corp.example>',
    reply_to: 'security@corp.example',
    summary_to: ['security@corp.example'],
  };
}

export interface Received {
  from: string;
  to: string[];
  /** Whether the session had switched to TLS when the message was sent. */
  secure: boolean;
  user: string | null;
  mail: ParsedMail;
}

export interface SmtpTestServer {
  port: number;
  received: Received[];
  /** Accept this many messages, then answer 451 to every DATA (a server failing mid-run). */
  failAfter: number | null;
  refuse: Set<string>;
  close(): Promise<void>;
}

export async function startSmtpServer(opts: { auth?: { user: string; pass: string } } = {}): Promise<SmtpTestServer> {
  const state: SmtpTestServer = { port: 0, received: [], failAfter: null, refuse: new Set(), close: async () => {} };
  const server = new SMTPServer({
    key: readFileSync(new URL('key.pem', TLS_DIR)),
    cert: readFileSync(new URL('cert.pem', TLS_DIR)),
    authOptional: !opts.auth,
    // Authentication only over TLS, as a real relay insists.
    allowInsecureAuth: false,
    logger: false,
    disableReverseLookup: true,
    onAuth(auth, _session, cb) {
      if (opts.auth && auth.username === opts.auth.user && auth.password === opts.auth.pass) return cb(null, { user: auth.username });
      cb(new Error('Invalid username or password'));
    },
    onRcptTo(address, _session, cb) {
      if (state.refuse.has(address.address.toLowerCase())) return cb(Object.assign(new Error('no such user here'), { responseCode: 550 }));
      cb();
    },
    onData(stream, session, cb) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        if (state.failAfter !== null && state.received.length >= state.failAfter) {
          return cb(Object.assign(new Error('mailbox unavailable: try again later'), { responseCode: 451 }));
        }
        void simpleParser(Buffer.concat(chunks)).then((mail) => {
          state.received.push({
            from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
            to: session.envelope.rcptTo.map((r) => r.address),
            secure: session.secure,
            user: (session.user as string | undefined) ?? null,
            mail,
          });
          cb();
        }, cb);
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.port = (server.server.address() as AddressInfo).port;
  state.close = () => new Promise<void>((resolve) => server.close(() => resolve()));
  return state;
}
