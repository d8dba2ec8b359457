/**
 * The roles agents play in the synthetic organisation, each with its own tools, tasks
 * (intent text and the steps that carry it out), pace and hours.
 */
import type { Rng } from './prng.js';
import type { Step, TaskPlan } from './catalog.js';
import { answer, email, orders, phone, researchUrl, reviewComment, summary, supportReply, TOPICS } from './text.js';

export type ScheduleKind = 'day' | 'night' | 'deploy-window' | 'always' | 'batch';

export interface Role {
  name: string;
  agents: number;
  schedule: ScheduleKind;
  /** Task arrivals per hour while on shift. */
  tasksPerHour: number;
  /** Seconds between steps of a task. */
  gapSec: readonly [number, number];
  task(r: Rng): TaskPlan;
  /** Tools this role reads with: what a stolen credential enumerates. */
  readTools: readonly string[];
  /** Tool this role publishes with, if any. */
  publishTool?: string;
  /** Tools after the week-3 platform rollout. */
  rollout?: Readonly<Record<string, string>>;
}

const REPOS = ['payments', 'checkout', 'search', 'mobile-app', 'infra', 'auth', 'billing', 'web'] as const;
const FILES = ['src/index.ts', 'src/server.ts', 'src/db/pool.ts', 'src/api/routes.ts', 'README.md', 'package.json', 'src/cache.ts'] as const;
const SERVICES = ['checkout', 'search-api', 'auth', 'billing', 'notifier'] as const;
const SPACES = ['eng', 'product', 'sales', 'support', 'security'] as const;

const repo = (r: Rng) => r.pick(REPOS);

export const ROLES: readonly Role[] = [
  {
    name: 'forum-helper',
    agents: 2,
    schedule: 'day',
    tasksPerHour: 1.5,
    gapSec: [15, 120],
    readTools: ['forum.read', 'forum.search', 'kb.search'],
    publishTool: 'forum.post',
    rollout: { 'kb.search': 'kb.search_v2' },
    task(r) {
      const q = r.int(1000, 9999);
      const post = r.chance(0.4);
      const steps: Step[] = [{ tool: 'forum.read', target: `forum/questions/${q}`, args: { id: q } }];
      for (let i = r.int(1, 3); i > 0; i--) steps.push({ tool: 'forum.search', target: 'forum/search', args: { query: 'build cache lockfile' } });
      if (r.chance(0.6)) steps.push({ tool: 'kb.search', target: 'kb/articles', args: { query: 'ci cache' } });
      steps.push({ tool: 'forum.draft', target: `forum/drafts/${q}`, args: { question: q, body: answer(r) } });
      if (post) steps.push({ tool: 'forum.post', target: `forum/questions/${q}`, args: { question: q, body: answer(r) } });
      return {
        intent: post ? `answer forum question ${q} and post the reply` : r.pick([`draft an answer to forum question ${q}`, `draft a reply for question ${q}; do not post it`]),
        steps,
      };
    },
  },
  {
    name: 'support-bot',
    agents: 2,
    schedule: 'day',
    tasksPerHour: 2,
    gapSec: [10, 90],
    readTools: ['tickets.read', 'crm.get_customer'],
    publishTool: 'tickets.reply',
    rollout: { 'kb.search': 'kb.search_v2' },
    task(r) {
      const t = r.int(10_000, 99_999);
      const c = r.int(1000, 9999);
      const reply = r.chance(0.5);
      const steps: Step[] = [
        { tool: 'tickets.read', target: `tickets/open/${t}`, args: { id: t } },
        { tool: 'crm.get_customer', target: `crm/customers/${c}`, args: { id: c } },
      ];
      if (r.chance(0.7)) steps.push({ tool: 'kb.search', target: 'kb/articles', args: { query: 'refund policy' } });
      steps.push({ tool: 'tickets.comment', target: `tickets/open/${t}`, args: { ticket: t, body: `Customer ${email(r)} reports: ${answer(r)}` } });
      if (reply) steps.push({ tool: 'tickets.reply', target: `tickets/open/${t}`, args: { ticket: t, to: email(r), body: supportReply(r) } });
      const intent = reply
        ? `resolve ticket ${t} and send the customer a reply`
        : r.chance(0.8)
          ? `answer support ticket ${t} from customer ${c}`
          : `handle ticket ${t} for customer ${c}`;
      return { intent, steps };
    },
  },
  {
    name: 'code-reviewer',
    agents: 2,
    schedule: 'day',
    tasksPerHour: 1.2,
    gapSec: [20, 150],
    readTools: ['git.read_file', 'git.diff'],
    rollout: { 'git.read_file': 'git.read' },
    task(r) {
      const rp = repo(r);
      const pr = r.int(100, 3000);
      const steps: Step[] = [{ tool: 'git.diff', target: `repo:acme/${rp}/pulls/${pr}`, args: { repo: rp, pr } }];
      for (let i = r.int(2, 5); i > 0; i--) {
        const f = r.pick(FILES);
        steps.push({ tool: 'git.read_file', target: `repo:acme/${rp}/${f}`, args: { repo: rp, path: f } });
      }
      if (r.chance(0.5)) steps.push({ tool: 'ci.logs', target: `ci/${rp}/runs/${r.int(1, 9999)}`, args: { repo: rp } });
      for (let i = r.int(1, 3); i > 0; i--) steps.push({ tool: 'github.comment', target: `repo:acme/${rp}/pulls/${pr}`, args: { repo: rp, pr, body: reviewComment(r) } });
      return { intent: `review pull request ${pr} in ${rp}`, steps };
    },
  },
  {
    name: 'dev-agent',
    agents: 2,
    schedule: 'day',
    tasksPerHour: 0.8,
    gapSec: [20, 200],
    readTools: ['git.read_file'],
    task(r) {
      const rp = repo(r);
      const n = r.int(100, 5000);
      const steps: Step[] = [];
      for (let i = r.int(2, 4); i > 0; i--) {
        const f = r.pick(FILES);
        steps.push({ tool: 'git.read_file', target: `repo:acme/${rp}/${f}`, args: { repo: rp, path: f } });
      }
      steps.push({ tool: 'fs.write', target: `repo:acme/${rp}/${r.pick(FILES)}`, args: { content: 'export const retries = 3;\n' } });
      const cmd = r.pick(['npm test', 'npm run lint', 'rm -rf ./dist && npm run build', 'git status', 'npx vitest run', 'rm -rf node_modules/.cache']);
      steps.push({ tool: 'shell.exec', target: `repo:acme/${rp}`, args: { cmd } });
      steps.push({ tool: 'git.commit', target: `repo:acme/${rp}`, args: { message: `fix: handle retries (#${n})` } });
      steps.push({ tool: 'git.push', target: `repo:acme/${rp}`, args: { remote: 'origin', branch: `fix/${n}` } });
      return { intent: r.chance(0.8) ? `fix issue ${n} in ${rp}` : `refactor the retry logic in ${rp}`, steps };
    },
  },
  {
    name: 'deploy-bot',
    agents: 2,
    schedule: 'deploy-window',
    tasksPerHour: 2,
    gapSec: [5, 60],
    readTools: ['k8s.get', 'metrics.query', 'logs.search'],
    publishTool: 'slack.post',
    rollout: { 'logs.search': 'logs.query' },
    task(r) {
      const svc = r.pick(SERVICES);
      const v = `1.${r.int(0, 40)}.${r.int(0, 20)}`;
      const steps: Step[] = [
        { tool: 'k8s.get', target: `k8s/prod-eu/${svc}`, args: { kind: 'deployment', name: svc } },
        { tool: 'deploy.run', target: `k8s/prod-eu/${svc}`, args: { service: svc, version: v } },
      ];
      for (let i = r.int(1, 3); i > 0; i--) steps.push({ tool: 'metrics.query', target: `metrics/${svc}`, args: { query: `rate(http_requests_total{service="${svc}",code=~"5.."}[5m])` } });
      steps.push({ tool: 'logs.search', target: `logs/${svc}`, args: { query: `service:${svc} level:error`, since: '15m' } });
      const announce = r.chance(0.5);
      if (announce) steps.push({ tool: 'slack.post', target: 'slack/#deploys', args: { channel: '#deploys', text: `Deployed ${svc} ${v}: error rate normal.` } });
      return { intent: announce ? `deploy ${svc} version ${v} and announce it in #deploys` : `deploy ${svc} version ${v}`, steps };
    },
  },
  {
    name: 'data-analyst',
    agents: 2,
    schedule: 'day',
    tasksPerHour: 0.6,
    gapSec: [30, 240],
    readTools: ['db.query'],
    task(r) {
      if (r.chance(0.1)) {
        return {
          intent: 'export the monthly customer churn report',
          steps: [
            { tool: 'db.export', target: 'db/analytics/customers', args: { table: 'customers', fields: ['customer_id', 'email', 'plan', 'churned_at'], limit: 10_000 } },
            { tool: 'sheets.export', target: 'sheets/churn', args: { title: 'Churn', rows: r.int(800, 5000) } },
          ],
        };
      }
      const region = r.pick(['EMEA', 'APAC', 'AMER']);
      const steps: Step[] = [];
      for (let i = r.int(2, 4); i > 0; i--) {
        steps.push({
          tool: 'db.query',
          target: 'db/analytics/signups',
          args: { sql: `SELECT plan, count(*) AS n FROM signups WHERE region = '${region}' AND week = '2026-W${r.int(10, 20)}' GROUP BY plan` },
        });
      }
      steps.push({ tool: 'report.write', target: 'reports/weekly', args: { title: `Signups ${region}`, body: summary(r, `signups in ${region}`) } });
      return { intent: `analyse weekly signups for ${region}`, steps };
    },
  },
  {
    name: 'finance-bot',
    agents: 2,
    schedule: 'day',
    tasksPerHour: 0.7,
    gapSec: [10, 60],
    readTools: ['invoices.read'],
    task(r) {
      if (r.chance(0.3)) {
        const order = r.int(100_000, 999_999);
        return {
          intent: `process refund for order ${order}`,
          steps: [
            { tool: 'invoices.read', target: `finance/invoices/${order}`, args: { order } },
            { tool: 'payments.refund', target: `finance/payments/${order}`, args: { order, amount: r.int(5, 400), currency: 'EUR', reason: 'damaged item' } },
          ],
        };
      }
      const steps: Step[] = [];
      for (let i = r.int(2, 5); i > 0; i--) steps.push({ tool: 'invoices.read', target: `finance/invoices/${r.int(100_000, 999_999)}`, args: {} });
      steps.push({ tool: 'ledger.reconcile', target: 'finance/ledger', args: { period: `2026-03-${String(r.int(1, 28)).padStart(2, '0')}` } });
      return { intent: `reconcile invoices for 2026-03-${String(r.int(1, 28)).padStart(2, '0')}`, steps };
    },
  },
  {
    name: 'hr-assistant',
    agents: 1,
    schedule: 'day',
    tasksPerHour: 0.5,
    gapSec: [20, 120],
    readTools: ['hr.employee_lookup'],
    publishTool: 'email.send',
    task(r) {
      const id = r.int(1000, 9999);
      const mail = email(r, 'acme.com');
      const steps: Step[] = [
        { tool: 'hr.employee_lookup', target: `hr/employees/${id}`, args: { id } },
        { tool: 'calendar.create', target: 'calendar/onboarding', args: { title: 'Onboarding', attendees: [mail], start: '2026-04-01T09:00:00Z' } },
      ];
      const send = r.chance(0.6);
      if (send) steps.push({ tool: 'email.send', target: 'email/outbound', args: { to: mail, subject: 'Welcome', body: `Welcome aboard! Your onboarding starts Monday. Questions: ${phone(r)}` } });
      return { intent: send ? `schedule onboarding for employee ${id} and email the invite` : `schedule onboarding for employee ${id}`, steps };
    },
  },
  {
    name: 'wiki-bot',
    agents: 2,
    schedule: 'day',
    tasksPerHour: 0.8,
    gapSec: [10, 90],
    readTools: ['wiki.read', 'wiki.search'],
    task(r) {
      const space = r.pick(SPACES);
      if (r.chance(0.2)) {
        const steps: Step[] = [{ tool: 'wiki.search', target: `wiki/${space}`, args: { query: 'updated:<2025-01-01' } }];
        for (let i = r.int(1, 3); i > 0; i--) {
          const page = r.int(1, 900);
          steps.push({ tool: 'wiki.read', target: `wiki/${space}/${page}`, args: { page } }, { tool: 'wiki.delete', target: `wiki/${space}/${page}`, args: { page } });
        }
        return { intent: `clean up stale pages in the ${space} space`, steps };
      }
      const steps: Step[] = [{ tool: 'wiki.search', target: `wiki/${space}`, args: { query: 'updated:>-7d' } }];
      for (let i = r.int(2, 5); i > 0; i--) steps.push({ tool: 'wiki.read', target: `wiki/${space}/${r.int(1, 900)}`, args: {} });
      steps.push({ tool: 'wiki.update', target: `wiki/${space}/weekly`, args: { body: summary(r, `the ${space} space`) } });
      return { intent: `summarise what happened this week in the ${space} space`, steps };
    },
  },
  {
    name: 'security-scanner',
    agents: 1,
    schedule: 'always',
    tasksPerHour: 0.5,
    gapSec: [1, 6],
    readTools: ['repo.read_file'],
    task(r) {
      const steps: Step[] = [{ tool: 'repo.list', target: 'repo:acme', args: { org: 'acme' } }];
      for (let i = r.int(8, 20); i > 0; i--) {
        const rp = repo(r);
        steps.push({ tool: 'repo.read_file', target: `repo:acme/${rp}/package-lock.json`, args: { repo: rp } });
      }
      steps.push({ tool: 'scanner.report', target: 'security/reports', args: { findings: r.int(0, 4) } });
      return { intent: 'scan repositories for vulnerable dependencies', steps };
    },
  },
  {
    name: 'oncall-triage',
    agents: 2,
    schedule: 'night',
    tasksPerHour: 0.8,
    gapSec: [5, 60],
    readTools: ['logs.search', 'metrics.query'],
    publishTool: 'slack.post',
    rollout: { 'logs.search': 'logs.query' },
    task(r) {
      const id = r.int(10_000, 99_999);
      const svc = r.pick(SERVICES);
      const steps: Step[] = [];
      for (let i = r.int(1, 3); i > 0; i--) steps.push({ tool: 'logs.search', target: `logs/${svc}`, args: { query: `service:${svc} level:error` } });
      for (let i = r.int(1, 2); i > 0; i--) steps.push({ tool: 'metrics.query', target: `metrics/${svc}`, args: { query: `up{service="${svc}"}` } });
      steps.push({ tool: 'pagerduty.ack', target: `pagerduty/incidents/${id}`, args: { incident: id } });
      steps.push({ tool: 'slack.post', target: 'slack/#incidents', args: { channel: '#incidents', text: `Alert ${id} on ${svc}: ${answer(r)}` } });
      return { intent: `triage alert ${id} and post status to #incidents`, steps };
    },
  },
  {
    name: 'marketing-bot',
    agents: 1,
    schedule: 'day',
    tasksPerHour: 0.4,
    gapSec: [20, 180],
    readTools: ['web.fetch'],
    publishTool: 'cms.publish',
    task(r) {
      const slug = `post-${r.int(100, 999)}`;
      if (r.chance(0.3)) {
        return { intent: `publish the blog post ${slug}`, steps: [{ tool: 'cms.publish', target: `cms/blog/${slug}`, args: { slug } }] };
      }
      const topic = r.pick(TOPICS);
      const steps: Step[] = [];
      for (let i = r.int(2, 4); i > 0; i--) {
        const url = researchUrl(r);
        steps.push({ tool: 'web.fetch', target: url, args: { url } });
      }
      steps.push({ tool: 'cms.draft', target: `cms/blog/${slug}`, args: { title: topic, body: summary(r, topic) } });
      return { intent: `research ${topic} and draft a blog post`, steps };
    },
  },
  {
    name: 'iam-bot',
    agents: 1,
    schedule: 'day',
    tasksPerHour: 0.4,
    gapSec: [10, 60],
    readTools: ['iam.read_policy'],
    task(r) {
      const rp = repo(r);
      const t = r.int(10_000, 99_999);
      if (r.chance(0.3)) {
        const user = email(r, 'acme.com');
        return {
          intent: `revoke access for a leaver per offboarding ticket ${t}`,
          steps: [
            { tool: 'iam.read_policy', target: `iam/repos/${rp}`, args: { resource: `repo:acme/${rp}` } },
            { tool: 'iam.revoke', target: `iam/repos/${rp}`, args: { principal: `user:${user}`, resource: `repo:acme/${rp}` } },
          ],
        };
      }
      const team = r.pick(['payments-eng', 'search-eng', 'mobile', 'sre', 'data']);
      return {
        intent: `grant ${team} read access to ${rp} per ticket ${t}`,
        steps: [
          { tool: 'iam.read_policy', target: `iam/repos/${rp}`, args: { resource: `repo:acme/${rp}` } },
          { tool: 'iam.grant', target: `iam/repos/${rp}`, args: { principal: `group:${team}`, role: 'read', resource: `repo:acme/${rp}` } },
        ],
      };
    },
  },
  {
    name: 'sync-bot',
    agents: 1,
    schedule: 'batch',
    tasksPerHour: 1,
    gapSec: [1, 4],
    readTools: ['queue.read'],
    task(r) {
      const steps: Step[] = [];
      const url = 'https://partner-fulfilment.example.com/api/orders';
      for (let i = r.int(5, 12); i > 0; i--) {
        steps.push({ tool: 'queue.read', target: 'queue/orders', args: { max: 50 } });
        steps.push({ tool: 'http.post', target: url, args: { url, body: orders(r, r.int(20, 50)) } });
      }
      return { intent: 'sync partner orders to the fulfilment API', steps };
    },
  },
  {
    name: 'research-agent',
    agents: 1,
    schedule: 'day',
    tasksPerHour: 0.7,
    gapSec: [5, 90],
    readTools: ['web.fetch'],
    task(r) {
      const topic = r.pick(TOPICS);
      const steps: Step[] = [];
      for (let i = r.int(3, 8); i > 0; i--) {
        const url = researchUrl(r);
        steps.push({ tool: 'web.fetch', target: url, args: { url } });
      }
      steps.push({ tool: 'report.write', target: 'reports/research', args: { title: topic, body: summary(r, topic) } });
      return { intent: `research ${topic} and write up the findings`, steps };
    },
  },
];

/** One-off utilities inserted into normal tasks now and then: new tools that are not misbehaviour. */
export const UTILITIES: readonly Step[] = [
  { tool: 'translate.text', args: { text: 'Bonjour, merci', to: 'en' } },
  { tool: 'pdf.render', target: 'exports/pdf', args: { title: 'notes' } },
  { tool: 'calendar.lookup', target: 'calendar/team', args: { week: 'next' } },
  { tool: 'spell.check', args: { text: 'recieve teh packge' } },
];
