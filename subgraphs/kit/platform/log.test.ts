import { Writable } from 'node:stream';

import { createLogger, defaultLogLevel, requestLogger } from './log';

function capture() {
  const lines: Record<string, any>[] = [];
  const destination = new Writable({
    write(chunk, _encoding, callback) {
      for (const line of String(chunk).split('\n')) if (line) lines.push(JSON.parse(line));
      callback();
    },
  });
  return { lines, logger: createLogger({ level: 'info', destination }) };
}

const ID = '11010519491231002X';
const PHONE = '13812345678';

describe('logger', () => {
  it('writes one JSON object a line with level label, time and message', () => {
    const { lines, logger } = capture();
    logger.info({ durationMs: 1.5 }, 'hello');
    expect(lines).toEqual([
      expect.objectContaining({ level: 'info', msg: 'hello', durationMs: 1.5, time: expect.any(String) }),
    ]);
  });

  it('masks identity and phone numbers in the message, fields, errors and bindings', () => {
    const { lines, logger } = capture();
    logger.info(`申请人 ${ID} 手机 ${PHONE}`);
    logger.info({ person: { idNumber: ID, phones: [PHONE] }, count: 13812345678 }, 'fields %s', PHONE);
    logger.error(new Error(`duplicate key ${ID}`));
    logger.error({ err: new Error(`no route to ${PHONE}`) }, 'send failed');
    requestLogger('sichuan-panzhihua', PHONE, logger).info('child');
    const text = JSON.stringify(lines);
    expect(text).not.toContain(ID);
    expect(text).not.toContain(PHONE);
    expect(text).not.toContain('13812345678');
    expect(lines[0]!.msg).toBe('申请人 110105********002X 手机 138****5678');
    expect(lines[1]).toMatchObject({
      person: { idNumber: '110105********002X', phones: ['138****5678'] },
      count: '138****5678',
      msg: 'fields 138****5678',
    });
    expect(lines[2]).toMatchObject({ msg: 'duplicate key 110105********002X', err: { type: 'Error' } });
    expect(lines[2]!.err.stack).toContain('duplicate key 110105********002X');
    expect(lines[3]!.err.message).toBe('no route to 138****5678');
    expect(lines[4]).toMatchObject({ service: 'sichuan-panzhihua', requestId: '138****5678' });
  });

  it('is silent under jest unless LOG_LEVEL says otherwise', () => {
    expect(defaultLogLevel({ NODE_ENV: 'test' })).toBe('silent');
    expect(defaultLogLevel({ NODE_ENV: 'test', LOG_LEVEL: 'debug' })).toBe('debug');
    expect(defaultLogLevel({})).toBe('info');
  });
});
