// Typed clients of Switchyard's APIs, as its consumers use them (and as the Pact consumer tests in
// contract/ exercise them). Each is generated-type driven; none validates more than it relies on.
export * from './events';
export * from './games';
export * from './messenger';
export * from './pizza';
export * from './publish';
export * from './workspace';
export { ProtocolError, type ClientOptions } from './http';
