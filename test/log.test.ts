import { createLogger } from '../src/log';

function lineOf(write: (log: ReturnType<typeof createLogger>) => void): Record<string, unknown> {
  const lines: string[] = [];
  write(createLogger({ logLevel: 'info' }, { write: (s: string) => lines.push(s) }));
  expect(lines).toHaveLength(1);
  return JSON.parse(lines[0]);
}

describe('createLogger', () => {
  it('writes JSON lines with an ISO 8601 time and the service name', () => {
    const line = lineOf((log) => log.info('hello'));
    expect(line).toMatchObject({ msg: 'hello', service: 'switchyard', level: 30 });
    expect(line.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(new Date(String(line.time)).toISOString()).toBe(line.time);
  });

  it('redacts bearer tokens', () => {
    const line = lineOf((log) => log.info({ req: { headers: { authorization: 'Bearer abc' } }, token: 'abc' }, 'x'));
    expect(JSON.stringify(line)).not.toContain('abc');
  });
});
