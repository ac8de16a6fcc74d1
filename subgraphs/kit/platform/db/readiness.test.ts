import { databaseCheck, databaseReadiness } from './readiness';

// The deadline and the one-ping-in-flight rule of readiness's database check. The database is a
// stand-in here (a query that answers, fails or never answers when told); test/health.int.test.ts
// hangs a real MariaDB connection.

function database() {
  const pending: ((value: unknown) => void)[] = [];
  let mode: 'answer' | 'fail' | 'hang' = 'answer';
  const db = {
    calls: 0,
    set mode(m: typeof mode) {
      mode = m;
    },
    release: () => pending.splice(0).forEach((resolve) => resolve([{ 1: 1 }])),
    query: async () => {
      db.calls++;
      if (mode === 'fail') throw new Error('connection refused');
      if (mode === 'hang') return new Promise((resolve) => pending.push(resolve));
      return [{ 1: 1 }];
    },
  };
  return db;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('databaseCheck', () => {
  it('up, down, and timeout after the deadline', async () => {
    const db = database();
    const check = databaseCheck(db as never, 50);
    expect(await check()).toBe('up');
    db.mode = 'fail';
    expect(await check()).toBe('down');
    db.mode = 'hang';
    const started = Date.now();
    expect(await check()).toBe('timeout');
    expect(Date.now() - started).toBeGreaterThanOrEqual(45);
    expect(Date.now() - started).toBeLessThan(500);
    db.release();
  });

  it('a hung database gets one ping at a time; ready again when it answers', async () => {
    const db = database();
    db.mode = 'hang';
    const check = databaseCheck(db as never, 30);
    expect(await Promise.all([check(), check(), check()])).toEqual(['timeout', 'timeout', 'timeout']);
    expect(await check()).toBe('timeout');
    expect(db.calls).toBe(1);
    db.mode = 'answer';
    db.release();
    expect(await check()).toBe('up');
  });

  it('gives up a ping older than ten deadlines and sends a new one', async () => {
    const db = database();
    db.mode = 'hang';
    const check = databaseCheck(db as never, 10);
    expect(await check()).toBe('timeout');
    await sleep(120);
    db.mode = 'answer';
    expect(await check()).toBe('up');
    expect(db.calls).toBe(2);
    db.release();
  });

  it('leaves no timer behind', async () => {
    jest.useFakeTimers();
    try {
      const check = databaseCheck(database() as never, 1000);
      expect(await check()).toBe('up');
      expect(jest.getTimerCount()).toBe(0);
    } finally {
      jest.useRealTimers();
    }
  });
});

describe('databaseReadiness', () => {
  it('ok with the database up, degraded with why otherwise, plus the subgraph’s own fields', async () => {
    const db = database();
    const ready = databaseReadiness(db as never, 30, { region: '510400' });
    expect(await ready()).toEqual({ status: 'ok', database: 'up', region: '510400' });
    db.mode = 'hang';
    expect(await ready()).toEqual({ status: 'degraded', database: 'timeout', region: '510400' });
    db.release();
    db.mode = 'fail';
    await sleep(5);
    expect(await ready()).toEqual({ status: 'degraded', database: 'down', region: '510400' });
  });
});
