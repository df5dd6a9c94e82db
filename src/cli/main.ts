#!/usr/bin/env node
/**
 * The `typessl` command: `demo` (what `npm start` runs), `s_client` and `s_server` (OpenSSL's
 * debugging habits over typessl). Exit status 2 means a usage error.
 */
import '../index.js';
import { runDemo } from './demo.js';
import { runSClient, S_CLIENT_USAGE } from './s-client.js';
import { runSServer, S_SERVER_USAGE } from './s-server.js';

const usage = `usage: typessl demo | s_client [options] | s_server [options]\n\n${S_CLIENT_USAGE}\n\n${S_SERVER_USAGE}`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  const io = { stdin: process.stdin, stdout: process.stdout, print: (line: string) => console.error(line) };
  switch (command) {
    case 'demo':
    case undefined:
      return runDemo();
    case 's_client':
      return runSClient(rest, io);
    case 's_server':
      return runSServer(rest, io);
    case '-h':
    case '--help':
    case 'help':
      console.log(usage);
      return 0;
    default:
      console.error(`typessl: unknown command "${command}"\n${usage}`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (status) => {
    process.exitCode = status;
    // Sockets or stdin may still hold the event loop open after the work is done.
    if (process.argv[2] === 's_client' || process.argv[2] === 's_server') process.exit(status);
  },
  (e: unknown) => {
    console.error(`typessl: ${e instanceof Error ? e.stack : String(e)}`);
    process.exit(1);
  },
);
