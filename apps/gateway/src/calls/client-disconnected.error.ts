/** The abort reason when the client goes away; distinguishes it from upstream timeouts. */
export class ClientDisconnectedError extends Error {
  constructor() {
    super('client disconnected');
    this.name = 'ClientDisconnectedError';
  }
}
