/**
 * Runs the CLI from source, for development and for tests that need a real process
 * (`node --import tsx packages/warden/src/cli/entry.ts serve …`). The installed command
 * is `bin/warden.js`, which runs the compiled `dist/`.
 */
import { main } from './main.js';

main(process.argv).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`warden: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
