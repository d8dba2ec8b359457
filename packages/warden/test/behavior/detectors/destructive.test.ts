import { describe, expect, it } from 'vitest';
import { detectDestructive } from '../../../src/behavior/detectors/destructive.js';
import { run } from './helpers.js';

describe('detectDestructive', () => {
  it.each([
    'rm -rf /',
    'rm -rf / --no-preserve-root',
    'sudo rm -fr /var/lib/postgresql/*',
    'rm -r -f ~',
    'rm --recursive --force $HOME/projects',
    'DROP TABLE customers;',
    'drop database if exists analytics',
    'TRUNCATE TABLE ledger_entries',
    'DELETE FROM invoices;',
    'delete from users',
    'git push --force origin main',
    'git push -f',
    'git push origin +main',
    'terraform destroy -auto-approve',
    'kubectl delete namespace prod',
    'mkfs.ext4 /dev/sda1',
    'dd if=/dev/zero of=/dev/sda bs=1M',
    'aws s3 rm s3://backups --recursive',
    'redis-cli FLUSHALL',
  ])('finds severe "%s" and weighs it more when run', (cmd) => {
    expect(run(detectDestructive, { sql: cmd }, { categories: ['write'] })[0]?.points).toBe(60);
    const [f] = run(detectDestructive, { cmd }, { tool: 'shell.exec', categories: ['execute'] });
    expect(f?.code).toBe('DESTRUCTIVE_COMMAND');
    expect(f?.points).toBe(70);
    expect(f?.message).toMatch(/^`cmd` holds a destructive command: `.+`, and `shell.exec` runs it$/);
  });

  it.each(['rm -rf ./dist && npm run build', 'rm -rf node_modules/.cache', 'rm -rf /tmp/build-123', 'git reset --hard HEAD~1', 'kubectl delete pod web-7f9c'])(
    'finds routine "%s" and weighs it less',
    (cmd) => {
      expect(run(detectDestructive, { cmd }, { tool: 'shell.exec', categories: ['execute'] })[0]?.points).toBe(45);
    },
  );

  it('names the missing WHERE', () => {
    expect(run(detectDestructive, { sql: 'DELETE FROM orders;' })[0]?.message).toBe(
      '`sql` holds a destructive command: `DELETE FROM orders (no WHERE)`',
    );
  });

  it.each([
    'DELETE FROM orders WHERE id = 42;',
    'rm build.log',
    'rm -r old-dir',
    'SELECT * FROM drop_table_log',
    'git push origin feature/x',
    'please drop me a line about the table',
    'truncate the message to 80 characters',
    'kubectl get pods',
  ])('stays quiet on "%s"', (cmd) => {
    expect(run(detectDestructive, { cmd }, { categories: ['execute'] })).toEqual([]);
  });
});
