"""WebSocket fan-out of the engine's streams.

- ``topics``:     one topic per stream, with ONE upstream gRPC stream shared by every
                  client, sequence numbers, a replay buffer and the current state
- ``client``:     one connection: a bounded queue and the task that drains it
                  (slow clients are conflated to a snapshot, or closed)
- ``hub``:        the topics and the connected clients
- ``endpoint``:   the ``/ws`` protocol (auth, subscribe with resume, ping, heartbeats)
"""
