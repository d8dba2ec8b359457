#!/usr/bin/env node
// The `warden` command. The CLI is compiled to dist/ by `npm install` (the root `prepare`).
import { main } from '../dist/cli/main.js';

main(process.argv).then(
  (code) => {
    if (typeof code === 'number') process.exitCode = code;
  },
  (err) => {
    process.stderr.write(`warden: ${err && err.message ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
