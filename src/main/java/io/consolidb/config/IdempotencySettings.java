package io.consolidb.config;

/**
 * How long idempotency keys of writes are kept, and how the background purge removes older ones:
 * every {@code purgeIntervalSeconds}, batches of at most {@code purgeBatchSize} keys, at most
 * {@code purgeMaxBatches} batches a round (a backlog is worked off over several rounds instead of
 * holding a connection for long).
 */
public record IdempotencySettings(double retentionHours, double purgeIntervalSeconds, int purgeBatchSize,
    int purgeMaxBatches) {

  static IdempotencySettings fromJson(ConfigSection idempotency) {
    return new IdempotencySettings(
        idempotency.positive("retentionHours", 24),
        idempotency.positive("purgeIntervalSeconds", 300),
        idempotency.integer("purgeBatchSize", 1000, 1),
        idempotency.integer("purgeMaxBatches", 10, 1));
  }

  /** The retention in seconds (fractions of an hour allowed). */
  public double retentionSeconds() {
    return retentionHours * 3600;
  }
}
