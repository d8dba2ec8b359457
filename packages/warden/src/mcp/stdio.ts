/**
 * The stdio wrapper: speaks MCP to the client on this process's stdin and stdout, and
 * to the real server, spawned as a child, on its stdio. Every call goes through the
 * governed proxy.
 *
 * - stdout carries MCP JSON and nothing else: diagnostics go to stderr, and so does
 *   anything a library prints with `console.log`.
 * - The child is ended when the client goes away (stdin closes, stdout breaks, SIGTERM,
 *   SIGINT, SIGHUP); outcomes still being recorded are written first.
 * - A child that crashes does not take the wrapper down: calls in flight fail with a
 *   clear error, and so does every later call, until the client restarts the server.
 */
import type { Readable, Writable } from 'node:stream';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { GovernedProxy } from './proxy.js';
import type { GatewayDecider, GatewayTimeouts } from './types.js';
import { Upstream } from './upstream.js';

export interface StdioGatewayOptions {
  name: string;
  /** The real server: program and arguments. */
  command: readonly string[];
  decider: GatewayDecider;
  /** The agent's current token (read from the token file per call). */
  token: () => Promise<string>;
  timeouts: GatewayTimeouts;
  /** The child's environment (default: the wrapper's own, as MCP clients expect). */
  env?: Record<string, string>;
  stdin?: Readable;
  stdout?: Writable;
  /** Diagnostics; never stdout. */
  log: (message: string, detail?: Record<string, unknown>) => void;
}

export interface StdioGateway {
  upstream: Upstream;
  proxy: GovernedProxy;
  /** Resolves once the client has gone and everything is cleaned up. */
  closed: Promise<void>;
  close(): Promise<void>;
}

/**
 * Starts the child and serves MCP on stdio until the client goes away.
 *
 * @example
 * const gw = await startStdioGateway({ name: 'filesystem', command: ['npx', '-y', '@modelcontextprotocol/server-filesystem', '/data'], decider, token: () => file.read(), timeouts: DEFAULT_TIMEOUTS, log });
 * await gw.closed;
 */
export async function startStdioGateway(options: StdioGatewayOptions): Promise<StdioGateway> {
  const stdin = options.stdin ?? process.stdin;
  const stdout = options.stdout ?? process.stdout;
  const { log } = options;
  const upstream = await Upstream.connect(
    { name: options.name, command: options.command, ...(options.env === undefined ? {} : { env: options.env }) },
    {
      connectTimeoutMs: options.timeouts.connectTimeoutMs,
      // The child's diagnostics reach the client's log through ours.
      stderr: 'inherit',
      onExit: (reason) => log(`upstream \`${options.name}\` stopped (${reason}); calls fail until the MCP client restarts this server`),
      onError: (err) => log(`upstream \`${options.name}\`: ${err.message.split('\n')[0] ?? ''}`),
    },
  );
  const proxy = new GovernedProxy({ upstream, decider: options.decider, token: () => options.token(), timeouts: options.timeouts, log: (m, d) => log(m, d) });
  const transport = new StdioServerTransport(stdin, stdout);

  let resolveClosed!: () => void;
  const closed = new Promise<void>((resolve) => {
    resolveClosed = resolve;
  });
  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      detach();
      await proxy.close();
      await upstream.close();
      resolveClosed();
    })();
    return closing;
  };
  const onGone = () => void close();
  const onSignal = (signal: NodeJS.Signals) => {
    log(`received ${signal}: stopping`);
    void close();
  };
  const signals: NodeJS.Signals[] = ['SIGTERM', 'SIGINT', 'SIGHUP'];
  const detach = () => {
    stdin.off('end', onGone);
    stdin.off('close', onGone);
    stdout.off('error', onGone);
    for (const s of signals) process.off(s, onSignal);
  };
  stdin.on('end', onGone);
  stdin.on('close', onGone);
  // A client that stops reading (EPIPE) has gone as surely as one that closed stdin.
  stdout.on('error', onGone);
  for (const s of signals) process.on(s, onSignal);
  proxy.server.onclose = onGone;
  await proxy.server.connect(transport);
  return { upstream, proxy, closed, close };
}
