/**
 * One connection to an upstream MCP server: a child process spoken to over stdio, or a
 * streamable-HTTP URL. It turns every way an upstream can fail into one clear error for
 * the client (never a hang): a request that outlives its timeout, a connection that
 * closes under a request (the child crashed), a server that is no longer running, an
 * answer that is not valid MCP. Closing it ends the child (stdin closed, then SIGTERM,
 * then SIGKILL: the SDK transport's sequence).
 */
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { RequestOptions } from '@modelcontextprotocol/sdk/shared/protocol.js';
import { ErrorCode, McpError, type Implementation, type Progress, type ServerCapabilities } from '@modelcontextprotocol/sdk/types.js';
import type { z } from 'zod';
import { passOn, RpcError, upstreamError } from './errors.js';
import { firstLine as firstLineOf } from '../util.js';

/** One line of an error for a report; upstream messages can be long and multi-line. */
const firstLine = (err: unknown) => firstLineOf(err, 300, 'unknown error');

export interface UpstreamSpec {
  /** The upstream's name: the prefix of its governed tool names. */
  name: string;
  /** A command to spawn: the program and its arguments. */
  command?: readonly string[];
  /** Or the URL of a streamable-HTTP MCP server. */
  url?: string;
  /**
   * The child's environment. Laid over the SDK's short list of safe variables (`PATH`,
   * `HOME`, …); nothing else of the gateway's environment reaches the child unless put here.
   */
  env?: Record<string, string>;
  cwd?: string;
}

export interface ConnectOptions {
  /** How long the child may take to start and answer `initialize`. */
  connectTimeoutMs: number;
  /** The child's stderr: passed through (`inherit`, the stdio wrapper's), dropped, or read line by line. */
  stderr?: 'inherit' | 'ignore' | ((line: string) => void);
  /** Told when the upstream goes away without being closed (it crashed or exited). */
  onExit?: (reason: string) => void;
  /** Told of transport errors that do not end the connection (a line that is not JSON-RPC). */
  onError?: (err: Error) => void;
}

export interface UpstreamRequestOptions {
  timeoutMs: number;
  signal?: AbortSignal;
  onprogress?: (progress: Progress) => void;
}


export class Upstream {
  private exitReason: string | undefined;
  private closing = false;

  private constructor(
    readonly name: string,
    readonly client: Client,
    private readonly transport: Transport,
  ) {}

  /**
   * Starts (or reaches) the upstream and completes MCP's `initialize` with it.
   *
   * @example
   * const up = await Upstream.connect({ name: 'filesystem', command: ['npx', '-y', '@modelcontextprotocol/server-filesystem', '/data'] }, { connectTimeoutMs: 30_000 });
   */
  static async connect(spec: UpstreamSpec, options: ConnectOptions): Promise<Upstream> {
    if ((spec.command === undefined) === (spec.url === undefined)) throw new TypeError('an upstream needs exactly one of `command` or `url`');
    let transport: Transport;
    if (spec.command !== undefined) {
      const [command, ...args] = spec.command;
      if (command === undefined) throw new TypeError('an upstream command needs a program');
      const stderr = options.stderr ?? 'inherit';
      const stdio = new StdioClientTransport({
        command,
        args,
        ...(spec.env === undefined ? {} : { env: spec.env }),
        ...(spec.cwd === undefined ? {} : { cwd: spec.cwd }),
        stderr: typeof stderr === 'function' ? 'pipe' : stderr,
      });
      if (typeof stderr === 'function' && stdio.stderr) {
        createInterface({ input: stdio.stderr as Readable }).on('line', stderr);
      }
      transport = stdio;
    } else {
      transport = new StreamableHTTPClientTransport(new URL(spec.url as string));
    }
    // The gateway offers the upstream no client capabilities: no roots (a filesystem
    // server keeps the directories it was started with), no sampling, no elicitation.
    const client = new Client({ name: 'agent-warden-gateway', version: '0.1.0' }, { capabilities: {} });
    const upstream = new Upstream(spec.name, client, transport);
    client.onerror = (err) => options.onError?.(err);
    client.onclose = () => {
      if (upstream.closing) return;
      upstream.exitReason ??= 'it exited or closed the connection';
      options.onExit?.(upstream.exitReason);
    };
    try {
      await client.connect(transport, { timeout: options.connectTimeoutMs });
    } catch (err) {
      upstream.closing = true;
      await transport.close().catch(() => undefined);
      const why = err instanceof McpError && err.code === ErrorCode.RequestTimeout ? `it did not answer \`initialize\` within ${Math.round(options.connectTimeoutMs / 1000)} s` : firstLine(err);
      throw upstreamError(`could not start upstream \`${spec.name}\`: ${why}`);
    }
    return upstream;
  }

  /** The child's process id (stdio upstreams), while it runs. */
  get pid(): number | null {
    return this.transport instanceof StdioClientTransport ? this.transport.pid : null;
  }

  get running(): boolean {
    return this.exitReason === undefined && !this.closing;
  }

  get capabilities(): ServerCapabilities {
    return this.client.getServerCapabilities() ?? {};
  }

  get serverInfo(): Implementation | undefined {
    return this.client.getServerVersion();
  }

  get instructions(): string | undefined {
    return this.client.getInstructions();
  }

  /** Sends one request; every failure comes back as an `RpcError` that says what happened. */
  async request<S extends z.ZodType>(request: { method: string; params?: Record<string, unknown> }, schema: S, options: UpstreamRequestOptions): Promise<z.infer<S>> {
    if (!this.running) throw upstreamError(`upstream \`${this.name}\` is not running (${this.exitReason ?? 'it was closed'}); restart the MCP server`);
    const opts: RequestOptions = {
      timeout: options.timeoutMs,
      ...(options.signal ? { signal: options.signal } : {}),
      ...(options.onprogress ? { onprogress: options.onprogress, resetTimeoutOnProgress: true, maxTotalTimeout: options.timeoutMs * 10 } : {}),
    };
    try {
      return (await this.client.request(request as never, schema as never, opts)) as z.infer<S>;
    } catch (err) {
      throw this.explain(err, request.method, options);
    }
  }

  private explain(err: unknown, method: string, options: UpstreamRequestOptions): Error {
    if (err instanceof RpcError) return err;
    if (options.signal?.aborted) return err instanceof Error ? err : new Error(String(err));
    if (err instanceof McpError) {
      if (err.code === ErrorCode.RequestTimeout) {
        return upstreamError(`upstream \`${this.name}\` did not answer \`${method}\` within ${Math.round(options.timeoutMs / 100) / 10} s`, ErrorCode.RequestTimeout);
      }
      if (err.code === ErrorCode.ConnectionClosed) {
        return upstreamError(`upstream \`${this.name}\` closed the connection before answering \`${method}\` (${this.exitReason ?? 'it exited or crashed'})`);
      }
      return passOn(err);
    }
    if (/not connected/i.test(firstLine(err))) return upstreamError(`upstream \`${this.name}\` is not running (${this.exitReason ?? 'it was closed'}); restart the MCP server`);
    return upstreamError(`upstream \`${this.name}\` answered \`${method}\` with something that is not valid MCP: ${firstLine(err)}`);
  }

  /** Ends the connection and the child process; waits until the child is gone (at most ~4 s). */
  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    await this.client.close().catch(() => undefined);
  }
}
