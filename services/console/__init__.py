"""The caseworker console: server-rendered pages in the browser over the orchestrator's gRPC API."""
