// The generated types (lib/wit.d.ts) name the same keys and cases as the
// bindings jco generated from the component itself (generated/), so a
// component built from another WIT than lib/wit.js fails this check.

import type * as events from '../generated/interfaces/github-runner-metrics-events.js';
import type * as promtail from '../generated/interfaces/github-runner-metrics-promtail.js';
import type * as wit from '../lib/wit.js';

type SameKeys<A, B> = [keyof A] extends [keyof B] ? ([keyof B] extends [keyof A] ? true : false) : false;
type Tags<T> = T extends { tag: infer K } ? K : never;
type SameTags<A, B> = [Tags<A>] extends [Tags<B>] ? ([Tags<B>] extends [Tags<A>] ? true : false) : false;
type SameMethods<A, B> = SameKeys<A, B>;

const checks: true[] = [
  true satisfies SameKeys<wit.RunnerInstalled, events.RunnerInstalled>,
  true satisfies SameKeys<wit.RunnerStart, events.RunnerStart>,
  true satisfies SameKeys<wit.RunnerStop, events.RunnerStop>,
  true satisfies SameKeys<wit.CodeInformation, events.CodeInformation>,
  true satisfies SameKeys<wit.Reconciliation, events.Reconciliation>,
  true satisfies SameKeys<wit.CustomEvent, events.CustomEvent>,
  true satisfies SameTags<wit.FieldValue, events.FieldValue>,
  true satisfies SameTags<wit.Event, events.Event>,
  true satisfies SameKeys<wit.Entry, promtail.Entry>,
  true satisfies SameKeys<wit.Stats, promtail.Stats>,
  true satisfies SameKeys<wit.Dropped, promtail.Dropped>,
  true satisfies SameKeys<wit.InvalidInput, promtail.InvalidInput>,
  true satisfies SameKeys<wit.TransportFailure, promtail.TransportFailure>,
  true satisfies SameKeys<wit.Rejection, promtail.Rejection>,
  true satisfies SameKeys<wit.StorageFailure, promtail.StorageFailure>,
  true satisfies SameKeys<wit.SpoolNotice, promtail.SpoolNotice>,
  true satisfies SameKeys<wit.ErrorPayloads, { [C in promtail.Error['tag']]: 0 }>,
  true satisfies SameKeys<wit.BasicAuth, promtail.BasicAuth>,
  true satisfies SameTags<wit.Auth, promtail.Auth>,
  true satisfies SameKeys<{ [K in wit.Encoding]: 0 }, { [K in promtail.Encoding]: 0 }>,
  true satisfies SameMethods<
    { [K in keyof wit.ClientOptions as `set${Capitalize<K & string>}`]: 0 },
    Omit<promtail.Options, never>
  >,
];
void checks;
