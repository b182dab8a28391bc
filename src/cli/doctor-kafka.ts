// `switchyard doctor` on Kafka: the brokers answer, every API topic and dead-letter topic exists
// (partitions, leaders, records held), and the consumer groups of this KAFKA_CLIENT_ID (members,
// lag). Names follow src/bus/kafka-bus.ts: `<prefix><api>`, `<topic>.dlq`, `<clientId>.work.<api>`
// shared by all nodes, `<clientId>.fanout.<api>.<node>...` one per node and subscription.
import { logLevel, type Admin } from 'kafkajs';
import { kafkajsClient } from '../bus/kafkajs-idle-loop';
import type { Config } from '../config';
import { API_NAMES } from '../ports/bus';
import { errorText, fail, ok, warn, within, type Finding } from './findings';

type KafkaConfig = Pick<Config, 'kafkaTopicPrefix' | 'kafkaClientId' | 'kafkaPartitions'> & { kafkaBrokers: string[] };

interface TopicState {
  partitions: number;
  leaderless: number;
  /** Per partition: the next offset to be written, and the oldest still held. */
  high: Map<number, number>;
  low: Map<number, number>;
  /** Records held now (high - low, summed). */
  records: number;
}

async function topicStates(admin: Admin, topics: string[]): Promise<Map<string, TopicState>> {
  const states = new Map<string, TopicState>();
  if (topics.length === 0) return states;
  const metadata = await admin.fetchTopicMetadata({ topics });
  for (const topic of metadata.topics) {
    const offsets = await admin.fetchTopicOffsets(topic.name);
    states.set(topic.name, {
      partitions: topic.partitions.length,
      leaderless: topic.partitions.filter((p) => p.leader < 0).length,
      high: new Map(offsets.map((o) => [o.partition, Number(o.high)])),
      low: new Map(offsets.map((o) => [o.partition, Number(o.low)])),
      records: offsets.reduce((sum, o) => sum + Number(o.high) - Number(o.low), 0),
    });
  }
  return states;
}

function topicFindings(config: KafkaConfig, states: Map<string, TopicState>): Finding[] {
  const findings: Finding[] = [];
  for (const api of API_NAMES) {
    for (const topic of [config.kafkaTopicPrefix + api, `${config.kafkaTopicPrefix + api}.dlq`]) {
      const state = states.get(topic);
      const dlq = topic.endsWith('.dlq');
      if (state === undefined) {
        findings.push(warn('topic', `${topic} is missing (serve creates it with ${config.kafkaPartitions} partitions on start)`, { topic }));
        continue;
      }
      const data = { topic, partitions: state.partitions, leaderless: state.leaderless, records: state.records };
      const summary = `${topic}: ${state.partitions} partitions, ${state.records} records held`;
      if (state.leaderless > 0) findings.push(fail('topic', `${summary}; ${state.leaderless} partitions have no leader`, data));
      else if (dlq && state.records > 0) findings.push(warn('topic', `${summary}: dead letters (each carries its reason in the dlq-reason header)`, data));
      else findings.push(ok('topic', summary, data));
    }
  }
  return findings;
}

async function groupFindings(admin: Admin, config: KafkaConfig, states: Map<string, TopicState>): Promise<Finding[]> {
  const prefix = `${config.kafkaClientId}.`;
  const ids = (await admin.listGroups()).groups.map((g) => g.groupId).filter((id) => id.startsWith(prefix)).sort();
  if (ids.length === 0) return [ok('group', `no consumer groups of KAFKA_CLIENT_ID=${config.kafkaClientId} yet (serve creates them)`)];
  const described = new Map((await admin.describeGroups(ids)).groups.map((g) => [g.groupId, g]));
  const findings: Finding[] = [];
  let idleFanout = 0;
  for (const groupId of ids) {
    const group = described.get(groupId);
    const members = group?.members.length ?? 0;
    const api = API_NAMES.find((a) => groupId.startsWith(`${prefix}work.${a}`) || groupId.startsWith(`${prefix}fanout.${a}.`));
    const work = groupId.startsWith(`${prefix}work.`);
    if (!work && members === 0) {
      idleFanout += 1; // a stopped node's own group: nothing will read it again
      continue;
    }
    const topic = api === undefined ? undefined : config.kafkaTopicPrefix + api;
    const state = topic === undefined ? undefined : states.get(topic);
    let lag: number | undefined;
    if (topic !== undefined && state !== undefined) {
      const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
      // No committed offset (-1): a work group starts from the oldest record, a fanout group from now.
      lag = (committed?.partitions ?? []).reduce((sum, p) => {
        const high = state.high.get(p.partition) ?? 0;
        const from = Number(p.offset) >= 0 ? Number(p.offset) : work ? (state.low.get(p.partition) ?? high) : high;
        return sum + Math.max(0, high - from);
      }, 0);
    }
    const data = { group: groupId, state: group?.state, members, topic, lag };
    const summary = `${groupId}: ${group?.state ?? 'unknown'}, ${members} members, lag ${lag ?? 'unknown'}${topic ? ` on ${topic}` : ''}`;
    if (work && members === 0 && (lag ?? 0) > 0) findings.push(warn('group', `${summary}: no node is consuming, that work waits`, data));
    else findings.push(ok('group', summary, data));
  }
  if (idleFanout > 0) {
    findings.push(ok('group', `${idleFanout} empty fanout groups left by stopped nodes (Kafka expires them)`, { idleFanout }));
  }
  return findings;
}

export async function kafkaFindings(config: KafkaConfig, timeoutMs: number): Promise<Finding[]> {
  const brokers = config.kafkaBrokers.join(',');
  const kafka = kafkajsClient({
    clientId: `${config.kafkaClientId}.doctor`,
    brokers: config.kafkaBrokers,
    logLevel: logLevel.NOTHING,
    connectionTimeout: timeoutMs,
    requestTimeout: timeoutMs,
    retry: { retries: 1, initialRetryTime: 100 },
  });
  const admin = kafka.admin();
  let reached: Finding | undefined;
  try {
    await within(timeoutMs, `kafka at ${brokers}`, admin.connect());
    const cluster = await within(timeoutMs, 'kafka describeCluster', admin.describeCluster());
    reached = ok('kafka', `reached ${brokers}: ${cluster.brokers.length} brokers (controller ${cluster.controller ?? 'none'})`, {
      brokers: cluster.brokers.map((b) => `${b.host}:${b.port}`),
      controller: cluster.controller,
      clusterId: cluster.clusterId,
    });
    const existing = new Set(await within(timeoutMs, 'kafka listTopics', admin.listTopics()));
    const wanted = API_NAMES.flatMap((api) => [config.kafkaTopicPrefix + api, `${config.kafkaTopicPrefix + api}.dlq`]);
    const states = await within(timeoutMs, 'kafka topic metadata', topicStates(admin, wanted.filter((t) => existing.has(t))));
    const groups = await within(timeoutMs, 'kafka consumer groups', groupFindings(admin, config, states));
    return [reached, ...topicFindings(config, states), ...groups];
  } catch (err) {
    if (reached !== undefined) return [reached, fail('kafka', errorText(err))];
    return [fail('kafka', `cannot reach ${brokers}: ${errorText(err)}`, { brokers: config.kafkaBrokers })];
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}
