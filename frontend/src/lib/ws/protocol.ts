/**
 * The gateway's /ws protocol (gateway/ws/protocol.py), as types. Every server
 * message carries `ts`, the server's Unix time in ms.
 */

export type TopicName = "status" | "opportunities" | "prices" | "trades" | "predictions";

export interface WelcomeMessage {
  type: "welcome";
  ts: number;
  client_id: string;
  role: string;
  topics: Record<string, string>;
  heartbeat_s: number;
}

export interface SubscribedMessage {
  type: "subscribed";
  ts: number;
  topic: string;
  epoch: string;
  seq: number;
  replayed: number;
  resync: boolean;
}

export interface DataMessage {
  type: "event" | "snapshot";
  ts: number;
  topic: string;
  epoch: string;
  seq: number;
  data: unknown;
  dropped?: number;
}

export interface ErrorMessage {
  type: "error";
  ts: number;
  code: string;
  message: string;
  topic?: string;
}

export type ServerMessage =
  | WelcomeMessage
  | SubscribedMessage
  | DataMessage
  | ErrorMessage
  | { type: "unsubscribed"; ts: number; topic: string }
  | { type: "heartbeat"; ts: number }
  | { type: "pong"; ts: number };

export type ClientMessage =
  | { type: "auth"; token: string }
  | { type: "subscribe"; topics: string[]; resume?: Record<string, { epoch: string; seq: number }> }
  | { type: "unsubscribe"; topics: string[] }
  | { type: "ping" };

/** Close codes the gateway uses. */
export const CLOSE = {
  unauthenticated: 4001,
  forbiddenOrigin: 4003,
  slowConsumer: 4008,
  tooMany: 4029,
  protocol: 1008,
  goingAway: 1001,
} as const;

export function parseServerMessage(raw: string): ServerMessage | null {
  try {
    const value = JSON.parse(raw) as unknown;
    if (value === null || typeof value !== "object" || typeof (value as { type?: unknown }).type !== "string") return null;
    return value as ServerMessage;
  } catch {
    return null;
  }
}
