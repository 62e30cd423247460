/**
 * A WebSocket stand-in for component tests (jsdom has no server to talk to): it
 * records what the client sends and lets the test play the gateway's part with
 * the gateway's own message shapes (gateway/ws/protocol.py).
 */
export class FakeWebSocket {
  static instances: FakeWebSocket[] = [];
  static readonly CONNECTING = 0;
  static readonly OPEN = 1;
  static readonly CLOSING = 2;
  static readonly CLOSED = 3;

  readyState = 0;
  sent: Record<string, unknown>[] = [];
  onopen: ((event: Event) => void) | null = null;
  onmessage: ((event: MessageEvent) => void) | null = null;
  onclose: ((event: CloseEvent) => void) | null = null;
  onerror: ((event: Event) => void) | null = null;

  constructor(readonly url: string) {
    FakeWebSocket.instances.push(this);
  }

  static reset(): void {
    FakeWebSocket.instances = [];
  }

  static latest(): FakeWebSocket {
    const socket = FakeWebSocket.instances[FakeWebSocket.instances.length - 1];
    if (socket === undefined) throw new Error("no WebSocket opened");
    return socket;
  }

  send(text: string): void {
    this.sent.push(JSON.parse(text) as Record<string, unknown>);
  }

  close(code = 1000, reason = ""): void {
    if (this.readyState === 3) return;
    this.readyState = 3;
    this.onclose?.({ code, reason } as CloseEvent);
  }

  // --- the gateway's side -------------------------------------------------------

  open(): void {
    this.readyState = 1;
    this.onopen?.(new Event("open"));
  }

  receive(message: Record<string, unknown>): void {
    this.onmessage?.({ data: JSON.stringify({ ts: Date.now(), ...message }) } as MessageEvent);
  }

  /** Open, and answer the auth message with a welcome. */
  accept(heartbeatS = 15): void {
    this.open();
    this.receive({ type: "welcome", client_id: "c1", role: "viewer", topics: {}, heartbeat_s: heartbeatS });
  }

  /** The server drops the connection (code 1006: no close frame). */
  drop(code = 1006, reason = ""): void {
    this.close(code, reason);
  }

  sentOfType(type: string): Record<string, unknown>[] {
    return this.sent.filter((m) => m.type === type);
  }
}
