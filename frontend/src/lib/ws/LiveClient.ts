/**
 * The one WebSocket of the dashboard, shared by every view.
 *
 * - Authenticates with the first message, subscribes to the topics views ask for
 *   (one wire subscription per topic, however many views listen).
 * - Tracks each topic's (epoch, seq); events must come in order: a duplicate is
 *   dropped, a gap or another epoch asks for a fresh snapshot.
 * - Reconnects with capped, jittered exponential backoff and resumes every topic
 *   from its last sequence number (the gateway replays what was missed, or sends
 *   a snapshot when its replay buffer no longer reaches back).
 * - Link state, always visible in the UI: connecting, live, reconnecting, stale
 *   (open but silent past the heartbeat), closed (signed out / stopped).
 */
import { Observable } from "../store";
import { CLOSE, type ClientMessage, type DataMessage, parseServerMessage, type ServerMessage } from "./protocol";

export type LinkState = "connecting" | "live" | "reconnecting" | "stale" | "closed";

export interface LinkInfo {
  state: LinkState;
  /** Failed attempts since the last good connection. */
  attempt: number;
  /** When the next attempt starts (ms since epoch), while reconnecting. */
  retryAt: number | null;
  /** Last message of any kind from the gateway (ms since epoch). */
  lastMessageAt: number | null;
  /** Why the last connection ended, in words. */
  reason: string | null;
}

/**
 * waiting: nothing yet; ok: subscribed or data seen; unavailable: the gateway has no
 * stream for it (not_implemented); forbidden: the role is too low; refused: the engine
 * refuses the stream (upstream_refused, e.g. no execution configured) while the gateway
 * keeps the subscription and retries; error: any other error.
 */
export type TopicAvailability = "waiting" | "ok" | "unavailable" | "forbidden" | "refused" | "error";

export interface TopicStatus {
  availability: TopicAvailability;
  message: string | null;
  epoch: string | null;
  seq: number;
  /** Server time (ms) of the last snapshot or event. */
  lastTs: number | null;
  /** Snapshots taken because events could not be resumed in order. */
  resyncs: number;
}

export type TopicListener = (message: DataMessage) => void;

export interface LiveClientOptions {
  url: string | (() => string);
  /** The bearer token for the auth message; null: stay closed. */
  token: () => Promise<string | null>;
  /** After close 4001: a new token, or null (signed out). */
  reauthenticate?: () => Promise<string | null>;
  webSocket?: typeof WebSocket;
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  /** Silent this long (default: 2.5 heartbeats) and the link is stale. */
  staleAfterMs?: number;
  random?: () => number;
}

interface TopicEntry {
  listeners: Set<TopicListener>;
  status: Observable<TopicStatus>;
  /** Subscribed on the current socket. */
  wired: boolean;
}

const freshStatus = (): TopicStatus => ({
  availability: "waiting",
  message: null,
  epoch: null,
  seq: 0,
  lastTs: null,
  resyncs: 0,
});

export class LiveClient {
  readonly link = new Observable<LinkInfo>({ state: "closed", attempt: 0, retryAt: null, lastMessageAt: null, reason: null });
  private readonly topics = new Map<string, TopicEntry>();
  private socket: WebSocket | null = null;
  private authenticated = false;
  private running = false;
  private heartbeatMs = 15_000;
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  private staleTimer: ReturnType<typeof setInterval> | null = null;
  private readonly opts: Required<Omit<LiveClientOptions, "staleAfterMs" | "reauthenticate">> &
    Pick<LiveClientOptions, "staleAfterMs" | "reauthenticate">;

  constructor(options: LiveClientOptions) {
    this.opts = {
      webSocket: globalThis.WebSocket,
      initialBackoffMs: 500,
      maxBackoffMs: 15_000,
      random: Math.random,
      ...options,
    };
  }

  // --- life ----------------------------------------------------------------------

  start(): void {
    if (this.running) return;
    this.running = true;
    this.setLink({ state: "connecting", attempt: 0, retryAt: null, reason: null });
    this.staleTimer = setInterval(() => this.checkStale(), 1_000);
    void this.connect();
  }

  /** Close and forget every position (sign-out). Listeners stay registered. */
  stop(reason = "stopped"): void {
    this.running = false;
    if (this.retryTimer !== null) clearTimeout(this.retryTimer);
    if (this.staleTimer !== null) clearInterval(this.staleTimer);
    this.retryTimer = null;
    this.staleTimer = null;
    this.dropSocket(1000, reason);
    for (const entry of this.topics.values()) entry.status.set(freshStatus());
    this.setLink({ state: "closed", retryAt: null, reason });
  }

  /** Reconnect now instead of waiting for the backoff (the user asked). */
  retryNow(): void {
    if (!this.running || this.socket !== null) return;
    if (this.retryTimer !== null) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    void this.connect();
  }

  // --- topics ----------------------------------------------------------------------

  subscribe(topic: string, listener: TopicListener): () => void {
    const entry = this.entry(topic);
    entry.listeners.add(listener);
    if (!entry.wired) this.wire([topic]);
    return () => {
      entry.listeners.delete(listener);
      if (entry.listeners.size === 0) {
        if (entry.wired) this.send({ type: "unsubscribe", topics: [topic] });
        entry.wired = false;
        entry.status.set(freshStatus()); // the entry stays: views hold its status store

      }
    };
  }

  topicStatus(topic: string): Observable<TopicStatus> {
    return this.entry(topic).status;
  }

  private entry(topic: string): TopicEntry {
    let entry = this.topics.get(topic);
    if (entry === undefined) {
      entry = { listeners: new Set(), status: new Observable(freshStatus()), wired: false };
      this.topics.set(topic, entry);
    }
    return entry;
  }

  /** Subscribe `names` on the open socket, resuming where each left off. */
  private wire(names: string[], resume = true): void {
    if (!this.authenticated || names.length === 0) return;
    const points: Record<string, { epoch: string; seq: number }> = {};
    for (const name of names) {
      const entry = this.topics.get(name);
      if (entry === undefined || entry.listeners.size === 0) continue;
      entry.wired = true;
      const status = entry.status.get();
      if (resume && status.epoch !== null) points[name] = { epoch: status.epoch, seq: status.seq };
    }
    const wanted = names.filter((name) => this.topics.get(name)?.wired === true);
    if (wanted.length === 0) return;
    const message: ClientMessage = { type: "subscribe", topics: wanted };
    if (Object.keys(points).length > 0) message.resume = points;
    this.send(message);
  }

  /** Events cannot continue in order: forget the position and take a snapshot. */
  private resync(topic: string): void {
    const entry = this.topics.get(topic);
    if (entry === undefined) return;
    const status = entry.status.get();
    entry.status.set({ ...status, epoch: null, seq: 0, resyncs: status.resyncs + 1 });
    this.send({ type: "unsubscribe", topics: [topic] });
    this.wire([topic], false);
  }

  // --- socket ------------------------------------------------------------------------

  private async connect(): Promise<void> {
    if (!this.running) return;
    let token: string | null;
    try {
      token = await this.opts.token();
    } catch {
      token = null;
    }
    if (!this.running) return;
    if (token === null) {
      this.scheduleRetry("no session token yet");
      return;
    }
    const url = typeof this.opts.url === "function" ? this.opts.url() : this.opts.url;
    let socket: WebSocket;
    try {
      socket = new this.opts.webSocket(url);
    } catch (error) {
      this.scheduleRetry(error instanceof Error ? error.message : "cannot open the WebSocket");
      return;
    }
    this.socket = socket;
    this.authenticated = false;
    socket.onopen = () => {
      if (this.socket === socket) this.sendOn(socket, { type: "auth", token });
    };
    socket.onmessage = (event: MessageEvent) => {
      if (this.socket !== socket || typeof event.data !== "string") return;
      const message = parseServerMessage(event.data);
      if (message !== null) this.handle(message);
    };
    socket.onclose = (event: CloseEvent) => {
      if (this.socket !== socket) return;
      this.socket = null;
      this.authenticated = false;
      for (const entry of this.topics.values()) entry.wired = false;
      void this.onClosed(event.code, event.reason);
    };
    socket.onerror = () => {
      // onclose follows with the code; nothing to add here
    };
  }

  private async onClosed(code: number, reason: string): Promise<void> {
    if (!this.running) return;
    if (code === CLOSE.unauthenticated && this.opts.reauthenticate) {
      const token = await this.opts.reauthenticate().catch(() => null);
      if (token === null) {
        this.stop("signed out");
        return;
      }
    }
    const why =
      code === CLOSE.slowConsumer
        ? "the dashboard fell behind the stream"
        : code === CLOSE.tooMany
          ? "the gateway has too many connections"
          : code === CLOSE.forbiddenOrigin
            ? "the gateway refused this page's origin"
            : reason || (code === 1006 ? "the gateway does not answer" : `closed (${code})`);
    this.scheduleRetry(why);
  }

  private scheduleRetry(reason: string): void {
    if (!this.running) return;
    const attempt = this.link.get().attempt + 1;
    const base = Math.min(this.opts.maxBackoffMs, this.opts.initialBackoffMs * 2 ** (attempt - 1));
    const delay = Math.round(base * (0.5 + this.opts.random() * 0.5));
    this.setLink({ state: "reconnecting", attempt, retryAt: Date.now() + delay, reason });
    if (this.retryTimer !== null) clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      void this.connect();
    }, delay);
  }

  private dropSocket(code: number, reason: string): void {
    const socket = this.socket;
    this.socket = null;
    this.authenticated = false;
    for (const entry of this.topics.values()) entry.wired = false;
    if (socket !== null) {
      socket.onopen = socket.onmessage = socket.onclose = socket.onerror = null;
      try {
        socket.close(code, reason);
      } catch {
        // already closed
      }
    }
  }

  private send(message: ClientMessage): void {
    if (this.socket !== null && this.authenticated) this.sendOn(this.socket, message);
  }

  private sendOn(socket: WebSocket, message: ClientMessage): void {
    if (socket.readyState === 1) socket.send(JSON.stringify(message));
  }

  // --- messages ----------------------------------------------------------------------

  private handle(message: ServerMessage): void {
    const now = Date.now();
    if (this.authenticated && this.link.get().state !== "live") this.setLink({ state: "live", reason: null });
    this.link.update((l) => ({ ...l, lastMessageAt: now }));
    switch (message.type) {
      case "welcome":
        this.authenticated = true;
        this.heartbeatMs = Math.max(1, message.heartbeat_s) * 1000;
        this.setLink({ state: "live", attempt: 0, retryAt: null, reason: null });
        this.wire([...this.topics.keys()]);
        return;
      case "subscribed": {
        const entry = this.topics.get(message.topic);
        if (entry === undefined) return;
        const status = entry.status.get();
        // a resume of another epoch or too far back: a snapshot follows
        const resynced = message.resync || (status.epoch !== null && status.epoch !== message.epoch);
        entry.status.set({
          ...status,
          availability: "ok",
          message: null,
          epoch: message.epoch,
          // fresh or resynced: the snapshot at message.seq follows; resumed: replays follow
          seq: resynced || status.epoch === null ? message.seq : status.seq,
          resyncs: status.resyncs + (resynced ? 1 : 0),
        });
        return;
      }
      case "snapshot":
      case "event":
        this.onData(message);
        return;
      case "error": {
        if (message.topic === undefined) return;
        const entry = this.topics.get(message.topic);
        if (entry === undefined) return;
        if (message.code === "upstream_refused") {
          // still subscribed: the gateway retries the engine and the events follow once it accepts
          entry.status.set({ ...entry.status.get(), availability: "refused", message: message.message });
          return;
        }
        const availability: TopicAvailability =
          message.code === "not_implemented" ? "unavailable" : message.code === "forbidden" ? "forbidden" : "error";
        entry.wired = false;
        entry.status.set({ ...entry.status.get(), availability, message: message.message });
        return;
      }
      default:
        return;
    }
  }

  private onData(message: DataMessage): void {
    const entry = this.topics.get(message.topic);
    if (entry === undefined) return;
    const status = entry.status.get();
    if (message.type === "event") {
      if (status.epoch !== null && message.epoch !== status.epoch) {
        this.resync(message.topic);
        return;
      }
      if (message.seq <= status.seq) return; // replayed twice: already applied
      if (status.epoch !== null && message.seq > status.seq + 1) {
        this.resync(message.topic);
        return;
      }
    }
    // an event means the upstream flows again; a snapshot is only the gateway's last state
    const refused = message.type === "snapshot" && status.availability === "refused";
    entry.status.set({
      ...status,
      availability: refused ? "refused" : "ok",
      message: refused ? status.message : null,
      epoch: message.epoch,
      seq: message.seq,
      lastTs: message.ts,
    });
    for (const listener of [...entry.listeners]) listener(message);
  }

  private checkStale(): void {
    const link = this.link.get();
    if (link.state !== "live" && link.state !== "stale") return;
    const limit = this.opts.staleAfterMs ?? this.heartbeatMs * 2.5;
    const silent = link.lastMessageAt !== null && Date.now() - link.lastMessageAt > limit;
    if (silent && link.state === "live") this.setLink({ state: "stale", reason: "no message from the gateway in time" });
  }

  private setLink(change: Partial<LinkInfo>): void {
    this.link.update((l) => ({ ...l, ...change }));
  }
}

export function defaultWebSocketUrl(): string {
  const { protocol, host } = window.location;
  return `${protocol === "https:" ? "wss" : "ws"}://${host}/ws`;
}
