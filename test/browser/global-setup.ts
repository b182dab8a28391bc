// The browser tests' Jest global setup: a throwaway Kafka for the dead-letter page (no Redis: the
// other pages run on the memory store). Stopped by test/services/global-teardown.ts.
import { startServices } from '../services/global-setup';

export default function globalSetup(): Promise<void> {
  return startServices(['kafka']);
}
