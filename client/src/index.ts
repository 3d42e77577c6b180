// Tandem browser client: public API.
export { connect, TandemClient, defaultTransportFactory } from './client.js';
export type { ConnectOptions, ClientStatus, ConnectionState, Diagnostics, NegotiationRecord, TransportOption } from './client.js';
export { TandemDocument } from './document.js';
export type { ChangeEvent, DocumentError, DocumentStatus, Peer } from './document.js';
export { negotiate, DEFAULT_DEADLINES, NegotiationFailed } from './negotiate.js';
export type { Deadlines } from './negotiate.js';
export { backoffDelay, DEFAULT_BACKOFF } from './backoff.js';
export { TransportFailure } from './transport.js';
export type { Transport, TransportContext, TransportFactory, Subscription } from './transport.js';
export { MemoryOutbox, IndexedDbOutbox } from './outbox.js';
export type { Outbox, OutboxRecord } from './outbox.js';
export * from './unicode.js';
export * as ot from './ot.js';
export type { TextOp, TextOpComponent } from './ot.js';
export type { Attempt, ClientMessage, Negotiation, Outcome, Selection, ServerMessage, TransportName, Welcome } from './protocol.js';
export { bindTextarea } from './bindings/textarea.js';
export type { TextareaBinding } from './bindings/textarea.js';
