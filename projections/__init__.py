"""The read side: relay to Kafka, projection runtime, read models, rebuild."""
