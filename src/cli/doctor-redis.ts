// `switchyard doctor` on Redis: reachable, its version and role, and whether what Switchyard stores
// there survives a restart (AOF) and memory pressure (eviction policy).
import Redis from 'ioredis';
import { errorText, fail, ok, warn, within, type Finding } from './findings';

/** `INFO` text -> field map (`# Section` lines and blanks skipped). */
export function parseInfo(text: string): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const line of text.split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon > 0 && !line.startsWith('#')) fields[line.slice(0, colon)] = line.slice(colon + 1).trim();
  }
  return fields;
}

/** Findings on persistence and eviction from the INFO fields (kept apart from I/O for unit tests). */
export function persistenceFindings(info: Record<string, string>, appendfsync: string | undefined): Finding[] {
  const findings: Finding[] = [];
  const aof = info.aof_enabled === '1';
  const data = { aof, appendfsync, rdbLastSave: info.rdb_last_bgsave_status, aofLastWrite: info.aof_last_write_status };
  if (!aof) {
    findings.push(
      warn(
        'redis-persistence',
        'AOF is off (appendonly no): events, queues and tickets written since the last snapshot are lost if Redis restarts; run it with appendonly yes, appendfsync everysec',
        data,
      ),
    );
  } else if (info.aof_last_write_status !== undefined && info.aof_last_write_status !== 'ok') {
    findings.push(fail('redis-persistence', `AOF is on but its last write failed (aof_last_write_status:${info.aof_last_write_status})`, data));
  } else {
    findings.push(ok('redis-persistence', `AOF is on (appendfsync ${appendfsync ?? 'unknown: CONFIG GET refused'})`, data));
  }
  if (info.rdb_last_bgsave_status === 'err') findings.push(warn('redis-persistence', 'the last RDB snapshot failed (rdb_last_bgsave_status:err)', data));

  const maxmemory = Number(info.maxmemory ?? 0);
  const policy = info.maxmemory_policy ?? 'unknown';
  if (maxmemory > 0 && policy.startsWith('allkeys-')) {
    findings.push(
      warn('redis-memory', `maxmemory ${maxmemory} bytes with policy ${policy}: at the limit Redis evicts stored events and queued messages; use noeviction`, { maxmemory, policy }),
    );
  } else {
    findings.push(ok('redis-memory', maxmemory > 0 ? `maxmemory ${maxmemory} bytes, policy ${policy}` : 'no maxmemory limit', { maxmemory, policy }));
  }
  return findings;
}

export async function redisFindings(url: string, shownUrl: string, timeoutMs: number): Promise<Finding[]> {
  const redis = new Redis(url, {
    lazyConnect: true,
    connectTimeout: timeoutMs,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    retryStrategy: () => null, // one attempt: the doctor reports, it does not wait for recovery
  });
  redis.on('error', () => undefined); // the failed command reports it
  try {
    const started = Date.now();
    await within(timeoutMs, `redis at ${shownUrl}`, redis.connect().then(() => redis.ping()));
    const pingMs = Date.now() - started;
    const info = parseInfo(await within(timeoutMs, 'redis INFO', redis.info()));
    // Managed Redis services often refuse CONFIG; the INFO fields above are enough then.
    const appendfsync = await redis.config('GET', 'appendfsync').then(
      (pair) => (Array.isArray(pair) && typeof pair[1] === 'string' ? pair[1] : undefined),
      () => undefined,
    );
    const data = { url: shownUrl, version: info.redis_version, role: info.role, pingMs };
    const reached =
      info.role === 'master' || info.role === undefined
        ? ok('redis', `reached ${shownUrl} (Redis ${info.redis_version ?? '?'}, connect and PING ${pingMs} ms)`, data)
        : fail('redis', `${shownUrl} is a read-only ${info.role}: Switchyard writes, point REDIS_URL at the primary`, data);
    return [reached, ...persistenceFindings(info, appendfsync)];
  } catch (err) {
    return [fail('redis', `cannot reach ${shownUrl}: ${errorText(err)}`, { url: shownUrl })];
  } finally {
    redis.disconnect();
  }
}
