"""The edges: KuaiLive reader, synthetic world, Kafka replay and tail, the local broker."""
