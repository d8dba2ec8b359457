/**
 * `warden` run from source, as `bin/warden.js` runs it from dist/: the script the CLI tests
 * spawn (with tsx) when a command must run in its own process, like `serve`.
 */
import { main } from '../../src/cli/main.js';

main(process.argv).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`warden: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
