/**
 * Helpers for the server tests: a settable clock, a snapshot of everything a request could
 * change (so a rejected request can be shown to have changed nothing), and the audit
 * entries written since a point.
 */
import type { LightMyRequestResponse } from 'fastify';
import { expect } from 'vitest';
import type { AuditEntry } from '../../src/store/audit-types.js';
import type { Agent, ApiKeyRecord, Tool } from '../../src/store/types.js';
import type { TestWarden } from '../helpers.js';

/** 2026-01-05T10:00:00.000Z: a fixed start so times in responses are exact. */
export const T0 = Date.UTC(2026, 0, 5, 10, 0, 0);
export const DAY = 86_400_000;

export interface Clock {
  now: () => Date;
  advance(ms: number): void;
  iso(): string;
}

export function fixedClock(start = T0): Clock {
  let at = start;
  return {
    now: () => new Date(at),
    advance(ms) {
      at += ms;
    },
    iso: () => new Date(at).toISOString(),
  };
}

export interface Snapshot {
  agents: Agent[];
  tools: Tool[];
  keys: ApiKeyRecord[];
  logSize: number;
}

export async function snapshot(t: TestWarden): Promise<Snapshot> {
  const store = t.warden.store;
  return { agents: await store.agents.list(), tools: await store.tools.list(), keys: await store.keys.list(), logSize: await store.log.size() };
}

/** Asserts that no agent, tool, key or audit entry changed since `before`. */
export async function expectUnchanged(t: TestWarden, before: Snapshot): Promise<void> {
  expect(await snapshot(t)).toEqual(before);
}

/** The audit entries appended at or after index `from`. */
export async function entriesSince(t: TestWarden, from: number): Promise<AuditEntry[]> {
  const size = await t.warden.store.log.size();
  return (await t.warden.store.log.entries(from, size)).map((s) => s.entry);
}

/** Every audit entry, as the JSON text that is hashed. */
export async function allEntriesText(t: TestWarden): Promise<string> {
  return JSON.stringify(await entriesSince(t, 0));
}

export const ADMIN_ACTOR = 'human:admin-user';

/** Asserts the DESIGN.md error shape: exact status and code, and the field it names (if any). */
export function expectError(res: LightMyRequestResponse, status: number, code: string, field?: string): void {
  expect({ status: res.statusCode, code: res.json().error?.code }).toEqual({ status, code });
  expect(res.headers['content-type']).toMatch(/^application\/json/);
  const error = res.json().error as { code: string; message: string; details?: unknown };
  expect(typeof error.message).toBe('string');
  if (field !== undefined) {
    expect(error.details).toEqual({ field });
    expect(error.message).toContain(`\`${field}\``);
  }
}
