// Issue GitHub self-hosted runner metric events to Loki's push API through
// the runner-metrics WebAssembly component (wit/: the contract).
//
// Every call is synchronous: preview2-shim performs the component's HTTP in a
// worker thread and blocks this thread until it is done, retries and backoff
// included. Call from a worker thread if the event loop must stay free.

import { Guest } from './lib/guest.js';
import { lowerArgument } from './lib/values.js';

export { Client } from './lib/client.js';
export { ComponentTrap, MetricsError } from './lib/errors.js';
export { LogFile } from './lib/log-file.js';

/** The instance behind `issueEvent`, made on first use (and again after a trap). */
const shared = new Guest([], () => null);

/**
 * Issue one event to Promtail's default endpoint with one attempt, as the
 * Python original's `issue_event` (WIT `issue-event`).
 */
export function issueEvent(event) {
  const wit = lowerArgument('issue-event', 'invalid-event', event);
  shared.call((promtail) => promtail.issueEvent(wit));
}
