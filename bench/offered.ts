/**
 * An open-loop HTTP load: requests go out `rate` per second, issued on each 1 ms tick of a
 * timer, over at most `connections` keep-alive sockets, whatever the answers do. A request
 * due while every socket waits for an answer waits for a socket, and that wait counts in
 * its latency: a stalled server is charged for the requests it held up. autocannon's
 * `overallRate` sends each connection's share in bursts instead: a bare Fastify route
 * showed a p99 of 16 ms at 5,000 req/s offered with it.
 *
 * Runs on a worker thread of its own, as autocannon does, so it does not share the event
 * loop of the server it measures (both still share this machine's two cores).
 */
import { Worker } from 'node:worker_threads';
import { percentile } from './util.js';

export interface OfferedResult {
  /** Answers per second over the whole run. */
  rps: number;
  p50ms: number;
  p99ms: number;
  errors: number;
  non2xx: number;
}

// Plain JavaScript, evaluated in the worker: no loader needed there. Requests are written
// as prepared bytes on raw sockets and answers parsed only as far as their status and
// length, as autocannon does: Node's own HTTP client costs too much CPU on two cores.
const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const net = require('node:net');
const { url, method, headers, body, rate, seconds, connections } = workerData;
const target = new URL(url);
const head = [method + ' ' + target.pathname + ' HTTP/1.1', 'host: ' + target.host, 'content-length: ' + Buffer.byteLength(body)]
  .concat(Object.entries(headers).map(([k, v]) => k + ': ' + v)).join('\\r\\n');
const request = Buffer.from(head + '\\r\\n\\r\\n' + body);
const CRLF2 = Buffer.from('\\r\\n\\r\\n');
const LENGTH = Buffer.from('\\r\\ncontent-length: ');
const total = Math.round(rate * seconds);
const latencies = new Float64Array(total);
let answered = 0, errors = 0, non2xx = 0, done = 0, issued = 0, finished = false;
const waiting = [];
const idle = [];
const start = process.hrtime.bigint();
function finish() {
  if (finished) return;
  finished = true;
  clearTimeout(deadline);
  for (const c of all) c.socket.destroy();
  // What never came back by the deadline counts as failed.
  errors += total - done;
  parentPort.postMessage({ latencies: latencies.subarray(0, answered), errors, non2xx, elapsed: Number(process.hrtime.bigint() - start) / 1e9 });
}
function settled() {
  if (++done === total) finish();
}
function record(sent, ok2xx) {
  latencies[answered++] = Number(process.hrtime.bigint() - sent) / 1e6;
  if (!ok2xx) non2xx++;
  settled();
}
// A socket that fails or closes fails its request in flight and is used no more.
function lost(c) {
  if (c.dead) return;
  c.dead = true;
  const at = idle.indexOf(c);
  if (at >= 0) idle.splice(at, 1);
  if (c.sent !== undefined) {
    c.sent = undefined;
    errors++;
    settled();
  }
  if (all.every((x) => x.dead)) finish();
}
// Never waits for ever: a run that has not settled 30 s after its last request is due ends there.
const deadline = setTimeout(finish, seconds * 1000 + 30000);
function send(c, sent) {
  c.sent = sent;
  c.socket.write(request);
}
function next(c) {
  c.sent = undefined;
  if (waiting.length > 0) send(c, waiting.shift());
  else idle.push(c);
}
const all = [];
for (let i = 0; i < connections; i++) {
  const c = { socket: net.connect(Number(target.port), target.hostname), buffer: Buffer.alloc(0), sent: undefined, dead: false };
  c.socket.setNoDelay(true);
  c.socket.on('data', (chunk) => {
    c.buffer = c.buffer.length === 0 ? chunk : Buffer.concat([c.buffer, chunk]);
    for (;;) {
      const end = c.buffer.indexOf(CRLF2);
      if (end < 0) return;
      const at = c.buffer.indexOf(LENGTH);
      if (at < 0 || at > end) throw new Error('an answer without content-length: ' + c.buffer.subarray(0, 40).toString('latin1'));
      let length = 0;
      for (let i = at + LENGTH.length; c.buffer[i] >= 48 && c.buffer[i] <= 57; i++) length = length * 10 + c.buffer[i] - 48;
      const size = end + 4 + length;
      if (c.buffer.length < size) return;
      // 'HTTP/1.1 200': the status's first digit.
      const ok = c.buffer[9] === 50;
      c.buffer = c.buffer.subarray(size);
      const sent = c.sent;
      next(c);
      if (sent !== undefined) record(sent, ok);
    }
  });
  c.socket.on('error', () => lost(c));
  c.socket.on('close', () => lost(c));
  all.push(c);
  idle.push(c);
}
(function tick() {
  const now = process.hrtime.bigint();
  const due = Math.min(total, Math.floor((Number(now - start) / 1e9) * rate));
  for (; issued < due; issued++) {
    // Counted from this tick, not from when the request fell due: the timer's own lateness
    // is this thread's, not the server's. A wait for a free connection does count.
    const at = now;
    const c = idle.pop();
    if (c === undefined) waiting.push(at);
    else send(c, at);
  }
  if (issued < total && !finished) setTimeout(tick, 1);
})();
`;

/** Offers `rate` requests per second for `seconds` and reports what came back. */
export async function offered(opts: {
  url: string;
  method: 'GET' | 'POST';
  headers: Record<string, string>;
  body: string;
  rate: number;
  seconds: number;
  connections: number;
}): Promise<OfferedResult> {
  const worker = new Worker(WORKER, { eval: true, workerData: opts });
  const result = await new Promise<{ latencies: Float64Array; errors: number; non2xx: number; elapsed: number }>((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`the load generator exited with code ${code} before it reported`)));
  });
  await worker.terminate();
  const sorted = Array.from(result.latencies).sort((a, b) => a - b);
  return {
    rps: sorted.length / result.elapsed,
    p50ms: percentile(sorted, 50),
    p99ms: percentile(sorted, 99),
    errors: result.errors,
    non2xx: result.non2xx,
  };
}
