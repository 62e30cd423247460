/**
 * The live-connection context: one LiveClient per signed-in page, topic state
 * kept once per topic (however many views read it) and hooks to read it.
 */
import { createContext, type ReactNode, useContext, useEffect, useMemo, useSyncExternalStore } from "react";
import { useAuth } from "../auth/AuthProvider";
import { Observable } from "../store";
import { defaultWebSocketUrl, type LinkInfo, LiveClient, type TopicStatus } from "./LiveClient";
import type { TopicName } from "./protocol";
import { TOPICS, type TopicStates } from "./topics";

/** A topic's reduced state, shared by the views that read it. */
class TopicFeed<K extends TopicName> {
  readonly state: Observable<TopicStates[K]>;
  private holders = 0;
  private release: (() => void) | null = null;

  constructor(
    private readonly client: LiveClient,
    private readonly name: K,
  ) {
    this.state = new Observable(TOPICS[name].initial());
  }

  retain(): () => void {
    this.holders += 1;
    if (this.release === null) {
      this.release = this.client.subscribe(this.name, (message) => {
        this.state.update((current) => TOPICS[this.name].reduce(current, message));
      });
    }
    return () => {
      this.holders -= 1;
      if (this.holders === 0 && this.release !== null) {
        this.release();
        this.release = null;
        this.state.set(TOPICS[this.name].initial());
      }
    };
  }
}

export class LiveService {
  private readonly feeds = new Map<TopicName, TopicFeed<TopicName>>();

  constructor(readonly client: LiveClient) {}

  feed<K extends TopicName>(name: K): TopicFeed<K> {
    let feed = this.feeds.get(name);
    if (feed === undefined) {
      feed = new TopicFeed(this.client, name) as TopicFeed<TopicName>;
      this.feeds.set(name, feed);
    }
    return feed as unknown as TopicFeed<K>;
  }
}

const LiveContext = createContext<LiveService | null>(null);

export interface LiveProviderProps {
  children: ReactNode;
  /** A client of its own (tests); the default opens /ws on this page's host. */
  client?: LiveClient;
}

export function LiveProvider({ children, client: given }: LiveProviderProps) {
  const auth = useAuth();
  const session = auth.session;
  const service = useMemo(
    () =>
      new LiveService(
        given ??
          new LiveClient({
            url: defaultWebSocketUrl,
            token: () => session.accessToken(),
            reauthenticate: () => session.afterUnauthorized(),
          }),
      ),
    [given, session],
  );
  const signedIn = auth.state.status === "authenticated";

  useEffect(() => {
    if (!signedIn) return;
    service.client.start();
    return () => service.client.stop("signed out");
  }, [service, signedIn]);

  return <LiveContext.Provider value={service}>{children}</LiveContext.Provider>;
}

export function useLive(): LiveService {
  const service = useContext(LiveContext);
  if (service === null) throw new Error("useLive outside <LiveProvider>");
  return service;
}

/** The connection's state (live / reconnecting / stale / ...). */
export function useLink(): LinkInfo {
  const { client } = useLive();
  return useSyncExternalStore(client.link.subscribe, client.link.get);
}

/** A topic's state and its delivery status; subscribes while mounted. */
export function useTopic<K extends TopicName>(name: K): { data: TopicStates[K]; status: TopicStatus } {
  const live = useLive();
  const feed = live.feed(name);
  useEffect(() => feed.retain(), [feed]);
  const data = useSyncExternalStore(feed.state.subscribe, feed.state.get);
  const statusStore = live.client.topicStatus(name);
  const status = useSyncExternalStore(statusStore.subscribe, statusStore.get);
  return { data, status };
}
