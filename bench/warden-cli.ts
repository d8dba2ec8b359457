/** `warden` run from source (with tsx), for benchmarks that spawn the CLI as a client would. */
import { main } from '../packages/warden/src/cli/main.js';

main(process.argv).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`warden: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
