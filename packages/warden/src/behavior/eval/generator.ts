/**
 * Normal synthetic activity: agents with roles, time zones and shifts doing their tasks
 * over several weeks.
 *
 * Normal is not clean: shifts run over, people work the odd weekend, daylight saving
 * time moves North American and European shifts by an hour in March, busy days bring
 * three times the work, an emergency deploy happens outside the window, a platform
 * rollout renames tools in week three, two agents are reassigned to a second role's
 * work part-way through, agents reach for one-off utilities, new agents join mid-way,
 * answers link to outside documentation and carry e-mail addresses and phone numbers.
 */
import type { Category } from '../types.js';
import { Rng } from './prng.js';
import type { Step } from './catalog.js';
import { CATALOG } from './catalog.js';
import type { Role } from './roles.js';
import { ROLES, UTILITIES } from './roles.js';

export interface EvalEvent {
  time: number;
  agent: string;
  tool: string;
  categories: readonly Category[];
  target?: string;
  args?: unknown;
  intent?: string;
  /** `normal`, or the kind of injected misbehaviour. */
  label: string;
  /** Injected events of one incident share it. */
  incident?: number;
}

export interface AgentProfile {
  id: string;
  role: Role;
  /** Hours east of UTC. */
  tz: number;
  /** Shift start, local hour; length in hours. */
  start: number;
  length: number;
  /** Day (from the start of the run) the agent begins work. */
  joinDay: number;
  /** A second role whose tasks the agent also takes on from `extraFromDay` (a reassignment). */
  extra?: Role;
  extraFromDay?: number;
}

export interface TaskRecord {
  agent: string;
  intent?: string;
  start: number;
  end: number;
}

export interface World {
  start: number;
  days: number;
  agents: AgentProfile[];
  events: EvalEvent[];
  tasks: TaskRecord[];
}

export const HOUR = 3_600_000;
export const DAY = 24 * HOUR;
/** Monday 2 March 2026, 00:00 UTC. */
export const EPOCH = Date.UTC(2026, 2, 2);
const ROLLOUT_DAY = 21;
const TZS = [-8, -5, -3, 0, 1, 2, 5.5, 8, 9] as const;
/** Days (from EPOCH) daylight saving time starts: 8 March in North America, 29 March in Europe. */
const DST_US = 6;
const DST_EU = 27;

/** The agent's UTC offset on `day`: North American and European zones move an hour in March. */
function offset(a: AgentProfile, day: number): number {
  if ((a.tz === -8 || a.tz === -5) && day >= DST_US) return a.tz + 1;
  if ((a.tz === 0 || a.tz === 1 || a.tz === 2) && day >= DST_EU) return a.tz + 1;
  return a.tz;
}

export interface GenerateOptions {
  seed: number;
  weeks: number;
}

/**
 * Generates the agents and their normal activity (unsorted).
 *
 * @example
 * const world = generateWorld({ seed: 1, weeks: 4 });
 */
export function generateWorld(options: GenerateOptions): World {
  const r = new Rng(options.seed);
  const days = options.weeks * 7;
  const agents: AgentProfile[] = [];
  for (const role of ROLES) {
    for (let i = 0; i < role.agents; i++) {
      const tz = role.schedule === 'night' ? r.pick([-5, 1, 8]) : r.pick(TZS);
      agents.push({
        id: `${role.name}-${i + 1}`,
        role,
        tz,
        start: role.schedule === 'night' ? r.int(20, 22) : r.int(8, 10),
        length: role.schedule === 'night' ? 9 : r.int(8, 9),
        // Most agents are there from day one; a few join later and learn in the open.
        joinDay: r.chance(0.12) ? r.int(5, Math.max(6, days - 10)) : 0,
      });
    }
  }
  // Two reassignments: an agent takes on a second role's work part-way through.
  for (let k = 0; k < 2; k++) {
    const a = r.pick(agents.filter((x) => x.role.schedule === 'day' && x.extra === undefined));
    a.extra = r.pick(ROLES.filter((x) => x.schedule === 'day' && x !== a.role));
    a.extraFromDay = r.int(Math.floor(days / 3), Math.max(Math.floor(days / 3), days - 7));
  }
  const events: EvalEvent[] = [];
  const tasks: TaskRecord[] = [];
  for (const a of agents) simulateAgent(a, r.fork(agents.indexOf(a) + 1), days, events, tasks);
  return { start: EPOCH, days, agents, events, tasks };
}

/** Working windows of one agent on one day, as [start, end] in epoch ms (may be none). */
function windows(a: AgentProfile, day: number, r: Rng): [number, number][] {
  const base = EPOCH + day * DAY;
  const dow = day % 7; // 0 = Monday
  const weekend = dow >= 5;
  switch (a.role.schedule) {
    case 'always':
      return [[base, base + DAY]];
    case 'batch': {
      const s = base + 2 * HOUR + r.range(-10, 10) * 60_000;
      return [[s, s + 20 * 60_000]];
    }
    case 'deploy-window': {
      const out: [number, number][] = weekend ? [] : [[base + HOUR, base + 4 * HOUR]];
      // Emergency deploys happen at any hour, now and then.
      if (r.chance(0.04)) {
        const s = base + r.range(0, 23) * HOUR;
        out.push([s, s + 0.5 * HOUR]);
      }
      return out;
    }
    case 'night': {
      if (r.chance(0.15)) return [];
      const s = base + (a.start - offset(a, day)) * HOUR + r.range(-0.5, 0.5) * HOUR;
      // Incident nights run long.
      return [[s, s + a.length * HOUR * (r.chance(0.1) ? 1.3 : 1)]];
    }
    case 'day': {
      const s = base + (a.start - offset(a, day)) * HOUR + r.range(-0.5, 0.5) * HOUR;
      if (weekend) {
        // The odd weekend: a short session in normal local hours.
        return r.chance(0.04) ? [[s + HOUR, s + r.range(2, 3) * HOUR]] : [];
      }
      const overtime = r.chance(0.06) ? r.range(1, 2.5) * HOUR : 0;
      return [[s, s + a.length * HOUR + overtime]];
    }
  }
}

function simulateAgent(a: AgentProfile, r: Rng, days: number, events: EvalEvent[], tasks: TaskRecord[]): void {
  for (let day = a.joinDay; day < days; day++) {
    for (const [ws, we] of windows(a, day, r)) {
      let t = ws + r.exp(HOUR / a.role.tasksPerHour) * (a.role.schedule === 'batch' ? 0 : 1);
      // Busy days: on about one day in ten the agent gets three times the work.
      const load = r.chance(0.1) ? 3 : 1;
      while (t < we) {
        const role = a.extra !== undefined && day >= (a.extraFromDay ?? Infinity) && r.chance(0.3) ? a.extra : a.role;
        const plan = role.task(r);
        let steps: Step[] = plan.steps;
        if (r.chance(0.015)) {
          const at = r.int(0, steps.length);
          steps = [...steps.slice(0, at), r.pick(UTILITIES), ...steps.slice(at)];
        }
        const start = t;
        for (const s of steps) {
          const tool = day >= ROLLOUT_DAY && role.rollout?.[s.tool] ? (role.rollout[s.tool] as string) : s.tool;
          const ev: EvalEvent = { time: Math.round(t), agent: a.id, tool, categories: CATALOG[tool] ?? ['unknown'], label: 'normal' };
          if (s.target !== undefined) ev.target = s.target;
          if (s.args !== undefined) ev.args = s.args;
          if (plan.intent !== undefined) ev.intent = plan.intent;
          events.push(ev);
          t += r.range(role.gapSec[0], role.gapSec[1]) * 1000;
        }
        const rec: TaskRecord = { agent: a.id, start, end: t };
        if (plan.intent !== undefined) rec.intent = plan.intent;
        tasks.push(rec);
        if (a.role.schedule === 'batch') break;
        t += r.exp(HOUR / (a.role.tasksPerHour * load));
      }
    }
  }
}
