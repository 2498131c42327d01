package io.consolidb.config;

import io.vertx.core.json.JsonObject;

/**
 * The validated configuration of one node. Built once at start; verticles receive {@link #json()}
 * as their deployment config and read their own section back with {@link #fromJson}.
 */
public record NodeSettings(
    Environment environment,
    HttpSettings http,
    DatabaseSettings database,
    RedisSettings redis,
    CacheSettings cache,
    HealthSettings health,
    boolean metricsEnabled,
    ClusterSettings cluster,
    JsonObject json) {

  /** Validates every section; throws {@link InvalidConfigException} naming the first bad key. */
  public static NodeSettings fromJson(Environment environment, JsonObject json) {
    return new NodeSettings(
        environment,
        HttpSettings.fromJson(ConfigSection.of(json, "http")),
        DatabaseSettings.fromJson(ConfigSection.of(json, "database")),
        RedisSettings.fromJson(ConfigSection.of(json, "redis")),
        CacheSettings.fromJson(ConfigSection.of(json, "cache")),
        HealthSettings.fromJson(ConfigSection.of(json, "health")),
        ConfigSection.of(json, "metrics").bool("enabled", true),
        ClusterSettings.fromJson(ConfigSection.of(json, "cluster")),
        json.copy());
  }

  /** Seconds between two rounds of health checks ({@code DB_HEALTH_CHECK_INTERVAL}). */
  public double healthIntervalSeconds() {
    return health.intervalSeconds();
  }

  /** Reads the settings back from a verticle's deployment config. */
  public static NodeSettings fromJson(JsonObject json) {
    return fromJson(Environment.parse(json.getString("environment")), json);
  }

  /** The effective configuration with every secret masked: what the start-up log shows. */
  public JsonObject masked() {
    return SecretMasker.mask(json);
  }

  @Override
  public String toString() {
    return "NodeSettings" + masked().encode();
  }
}
