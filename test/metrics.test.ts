import { Metrics } from '../src/metrics';

describe('Metrics', () => {
  it('exposes every counter and gauge with its labels', async () => {
    const metrics = new Metrics({ defaultMetrics: false });
    metrics.httpRequestsTotal.inc({ route: '/publish/v1/:api', method: 'POST', status: '202' });
    metrics.httpRequestDuration.observe({ route: '/publish/v1/:api', method: 'POST', status: '202' }, 0.02);
    metrics.longPollsOpen.inc({ api: 'events' });
    metrics.eventsPublishedTotal.inc({ api: 'pizza', message: 'order-updated' }, 2);
    metrics.eventsDeliveredTotal.inc({ api: 'pizza', message: 'order-updated' }, 3);
    metrics.webhookAttemptsTotal.inc({ outcome: 'delivered' });
    metrics.slowConsumersClosedTotal.inc({ api: 'games' });
    metrics.dlqRecordsTotal.inc({ api: 'games', reason: 'validation' });
    metrics.connectionsOpen.set({ api: 'workspace' }, 4);
    metrics.badInputTotal.inc({ api: 'http', kind: 'malformed_request' });
    metrics.limitsHitTotal.inc({ api: 'games', limit: 'connections_per_ip' });
    metrics.outgoingInvalidTotal.inc({ api: 'games', message: 'joinReply' });

    const text = await metrics.text();
    expect(text).toContain('http_requests_total{route="/publish/v1/:api",method="POST",status="202"} 1');
    expect(text).toContain('http_request_duration_seconds_bucket{le="0.025",route="/publish/v1/:api",method="POST",status="202"} 1');
    expect(text).toContain('http_request_duration_seconds_bucket{le="30",route="/publish/v1/:api",method="POST",status="202"} 1');
    expect(text).toContain('long_polls_open{api="events"} 1');
    expect(text).toContain('events_published_total{api="pizza",message="order-updated"} 2');
    expect(text).toContain('events_delivered_total{api="pizza",message="order-updated"} 3');
    expect(text).toContain('webhook_attempts_total{outcome="delivered"} 1');
    expect(text).toContain('slow_consumers_closed_total{api="games"} 1');
    expect(text).toContain('dlq_records_total{api="games",reason="validation"} 1');
    expect(text).toContain('connections_open{api="workspace"} 4');
    expect(text).toContain('bad_input_total{api="http",kind="malformed_request"} 1');
    expect(text).toContain('limits_hit_total{api="games",limit="connections_per_ip"} 1');
    expect(text).toContain('outgoing_invalid_total{api="games",message="joinReply"} 1');
  });

  it('includes default process metrics unless turned off', async () => {
    expect(await new Metrics().text()).toContain('process_cpu_user_seconds_total');
    expect(await new Metrics({ defaultMetrics: false }).text()).not.toContain('process_cpu_user_seconds_total');
  });

  it('keeps separate instances apart', async () => {
    const a = new Metrics({ defaultMetrics: false });
    const b = new Metrics({ defaultMetrics: false });
    a.connectionsOpen.inc({ api: 'games' });
    expect(await a.text()).toContain('connections_open{api="games"} 1');
    expect(await b.text()).not.toContain('connections_open{api="games"}');
  });

  it('reports the Prometheus text content type', () => {
    expect(new Metrics({ defaultMetrics: false }).contentType).toMatch(/^text\/plain; version=0\.0\.4/);
  });
});
