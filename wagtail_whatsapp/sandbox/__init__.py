"""The sandbox: an offline stand-in for Meta (backend, kept media, simulated citizens, the chat page). It sits above
both roads, feeding statuses back through the inbound one; no road imports it."""
