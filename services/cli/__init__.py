import os

# gRPC core writes its own lines ("Got goaway", chttp2 ...) to stderr, which the stack's
# services share with their JSON logs. Set before grpc loads, here in the package every
# launcher imports first; the services it starts inherit it. GRPC_VERBOSITY set by the
# user (DEBUG when chasing a transport problem) wins.
os.environ.setdefault("GRPC_VERBOSITY", "ERROR")
