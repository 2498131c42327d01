package io.consolidb.config;

/**
 * The health monitor: how often it checks, how long each check may take, and the thresholds that
 * turn observations into a level (README "Health", docs/HEALTH.md).
 *
 * @param intervalSeconds time between two rounds of checks (fractions allowed)
 * @param slowResponseMs a database round trip slower than this makes the node DEGRADED
 * @param poolUtilizationPercent connections in use at or above this share of the pool's maximum
 *     make the node DEGRADED
 * @param criticalAfterFailures this many consecutive failed database checks make it CRITICAL
 * @param databaseTimeoutMs how long the database round trip may take before it counts as failed
 * @param redisTimeoutMs how long the Redis PING may take
 * @param checkTimeoutMs how long the node-local checks (pool state, cache state, event loop) may take
 * @param eventLoopDelayMs a timer firing later than this makes the node DEGRADED
 * @param historySize how many rounds of checks, and how many level changes, are kept
 * @param webhookUrl where level changes are POSTed as JSON; empty for none
 * @param webhookTimeoutMs how long a webhook POST may take
 * @param backupMaxAgeHours the last good backup recorded in {@code backup_runs} older than this (or
 *     none at all) makes the node DEGRADED; 0 turns the backup check and its gauge off
 */
public record HealthSettings(
    double intervalSeconds,
    int slowResponseMs,
    int poolUtilizationPercent,
    int criticalAfterFailures,
    int databaseTimeoutMs,
    int redisTimeoutMs,
    int checkTimeoutMs,
    int eventLoopDelayMs,
    int historySize,
    String webhookUrl,
    int webhookTimeoutMs,
    double backupMaxAgeHours) {

  /** Settings without the backup check. */
  public HealthSettings(double intervalSeconds, int slowResponseMs, int poolUtilizationPercent,
      int criticalAfterFailures, int databaseTimeoutMs, int redisTimeoutMs, int checkTimeoutMs,
      int eventLoopDelayMs, int historySize, String webhookUrl, int webhookTimeoutMs) {
    this(intervalSeconds, slowResponseMs, poolUtilizationPercent, criticalAfterFailures, databaseTimeoutMs,
        redisTimeoutMs, checkTimeoutMs, eventLoopDelayMs, historySize, webhookUrl, webhookTimeoutMs, 0);
  }

  static HealthSettings fromJson(ConfigSection health) {
    ConfigSection webhook = health.section("webhook");
    HealthSettings settings = new HealthSettings(
        health.positive("intervalSeconds", 30),
        health.integer("slowResponseMs", 500, 1),
        health.integer("poolUtilizationPercent", 80, 1),
        health.integer("criticalAfterFailures", 3, 1),
        health.integer("databaseTimeoutMs", 2000, 1),
        health.integer("redisTimeoutMs", 1000, 1),
        health.integer("checkTimeoutMs", 1000, 1),
        health.integer("eventLoopDelayMs", 200, 1),
        health.integer("historySize", 100, 1),
        webhook.string("url", "").strip(),
        webhook.integer("timeoutMs", 2000, 1),
        health.nonNegative("backupMaxAgeHours", 0));
    if (settings.poolUtilizationPercent > 100) {
      throw health.invalid("poolUtilizationPercent", settings.poolUtilizationPercent, "must be between 1 and 100");
    }
    if (settings.historySize > 10_000) {
      throw health.invalid("historySize", settings.historySize, "must be at most 10000");
    }
    String url = settings.webhookUrl;
    if (!url.isEmpty() && !url.startsWith("http://") && !url.startsWith("https://")) {
      throw webhook.invalid("url", SecretMasker.origin(url), "must be empty or start with http:// or https://");
    }
    return settings;
  }

  /** The interval in milliseconds (at least 1). */
  public long intervalMs() {
    return Math.max(1, Math.round(intervalSeconds * 1000));
  }

  /** Whether the node checks the age of the last good backup. */
  public boolean backupCheckEnabled() {
    return backupMaxAgeHours > 0;
  }

  public boolean webhookEnabled() {
    return !webhookUrl.isEmpty();
  }

  @Override
  public String toString() {
    // a webhook URL may carry a token in its query string
    return "HealthSettings[intervalSeconds=" + intervalSeconds + ", slowResponseMs=" + slowResponseMs
        + ", poolUtilizationPercent=" + poolUtilizationPercent + ", criticalAfterFailures=" + criticalAfterFailures
        + ", databaseTimeoutMs=" + databaseTimeoutMs + ", redisTimeoutMs=" + redisTimeoutMs
        + ", checkTimeoutMs=" + checkTimeoutMs + ", eventLoopDelayMs=" + eventLoopDelayMs
        + ", historySize=" + historySize + ", webhookUrl=" + SecretMasker.origin(webhookUrl)
        + ", webhookTimeoutMs=" + webhookTimeoutMs + ", backupMaxAgeHours=" + backupMaxAgeHours + "]";
  }
}
