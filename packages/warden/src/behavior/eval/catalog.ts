/**
 * The synthetic organisation's tool catalog (tool → categories, as an administrator
 * would configure it) and the shapes of the tasks its agents carry out.
 */
import type { Category } from '../types.js';

export const CATALOG: Readonly<Record<string, readonly Category[]>> = {
  'forum.read': ['read'],
  'forum.search': ['read'],
  'forum.draft': ['write'],
  'forum.post': ['publish', 'write'],
  'kb.search': ['read'],
  'kb.search_v2': ['read'],
  'tickets.read': ['read'],
  'tickets.comment': ['write'],
  'tickets.reply': ['publish'],
  'crm.get_customer': ['read', 'pii'],
  'crm.search': ['read', 'pii'],
  'git.diff': ['read'],
  'git.read_file': ['read'],
  'git.read': ['read'],
  'ci.logs': ['read'],
  'github.comment': ['write'],
  'fs.write': ['write'],
  'shell.exec': ['execute'],
  'git.commit': ['write'],
  'git.push': ['write'],
  'repo.delete_branch': ['delete'],
  'k8s.get': ['read'],
  'deploy.run': ['execute'],
  'metrics.query': ['read'],
  'logs.search': ['read'],
  'logs.query': ['read'],
  'slack.post': ['publish'],
  'db.query': ['read'],
  'db.export': ['read', 'pii'],
  'db.execute': ['execute', 'write'],
  'report.write': ['write'],
  'sheets.export': ['write'],
  'invoices.read': ['read', 'financial'],
  'ledger.reconcile': ['write', 'financial'],
  'payments.refund': ['financial'],
  'hr.employee_lookup': ['read', 'pii'],
  'calendar.create': ['write'],
  'email.send': ['publish'],
  'wiki.search': ['read'],
  'wiki.read': ['read'],
  'wiki.update': ['write'],
  'wiki.delete': ['delete'],
  'repo.list': ['read'],
  'repo.read_file': ['read'],
  'scanner.report': ['write'],
  'pagerduty.ack': ['write'],
  'cms.draft': ['write'],
  'cms.publish': ['publish'],
  'web.fetch': ['network', 'read'],
  'iam.read_policy': ['read'],
  'iam.grant': ['permissions'],
  'iam.revoke': ['permissions'],
  'queue.read': ['read'],
  'http.post': ['network'],
  // One-off utilities any agent reaches for now and then.
  'translate.text': ['read'],
  'pdf.render': ['write'],
  'calendar.lookup': ['read'],
  'spell.check': ['read'],
};

export interface Step {
  tool: string;
  target?: string;
  args?: unknown;
}

export interface TaskPlan {
  intent?: string;
  steps: Step[];
}
