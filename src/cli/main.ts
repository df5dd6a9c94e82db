#!/usr/bin/env node
/**
 * The `typessl` command. Subcommands: `demo` (the in-process walkthrough `npm start` runs).
 * `s_client` and `s_server` come with the command-line issue.
 */
import '../index.js';
import { runDemo } from './demo.js';

const usage = 'usage: typessl demo';

function main(argv: string[]): number {
  const [command] = argv;
  switch (command) {
    case 'demo':
    case undefined:
      return runDemo();
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

process.exitCode = main(process.argv.slice(2));
