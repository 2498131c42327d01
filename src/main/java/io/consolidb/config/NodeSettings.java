package io.consolidb.config;

import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.SslMode;

/**
 * The validated configuration of one node. Built once per start (the node parses it and hands each
 * component its typed section); {@link #json()} keeps the merged source for the masked start-up
 * log.
 */
public record NodeSettings(
    Environment environment,
    HttpSettings http,
    DatabaseSettings database,
    RedisSettings redis,
    CacheSettings cache,
    HealthSettings health,
    MetricsSettings metrics,
    ClusterSettings cluster,
    TracingSettings tracing,
    ShutdownSettings shutdown,
    IdempotencySettings idempotency,
    JsonObject json) {

  /** Validates every section; throws {@link InvalidConfigException} naming the first bad key. */
  public static NodeSettings fromJson(Environment environment, JsonObject json) {
    // first: its production rule must not depend on the sections parsed before it
    RedisSettings redis = RedisSettings.fromJson(environment, ConfigSection.of(json, "redis"));
    HttpSettings http = HttpSettings.fromJson(ConfigSection.of(json, "http"), environment);
    MetricsSettings metrics = MetricsSettings.fromJson(json);
    if (metrics.separatePort() && metrics.port() == http.port()) {
      throw ConfigSection.of(json, "metrics").invalid("port", metrics.port(), "must differ from http.port");
    }
    ClusterSettings cluster = ClusterSettings.fromJson(ConfigSection.of(json, "cluster"));
    if (environment == Environment.PRODUCTION && cluster.enabled() && !cluster.secured()) {
      // an open event bus lets any process that reaches it join and write (docs/CLUSTER.md)
      throw ConfigSection.of(json, "cluster").invalid(cluster.tls().enabled() ? "secret" : "tls.certPath", "",
          "must be set: production runs clustered only with mutual TLS and a cluster secret");
    }
    DatabaseSettings database = DatabaseSettings.fromJson(ConfigSection.of(json, "database"));
    if (environment == Environment.PRODUCTION && database.tls().mode() != SslMode.VERIFY_FULL) {
      // anything weaker lets whoever is on the path pose as the database (docs/SECURITY.md)
      throw ConfigSection.of(json, "database").invalid("url", database.maskedUrl(),
          "production connects to PostgreSQL only with sslmode=verify-full (and the CA in DB_SSL_ROOT_CERT)");
    }
    return new NodeSettings(
        environment,
        http,
        database,
        redis,
        CacheSettings.fromJson(ConfigSection.of(json, "cache")),
        HealthSettings.fromJson(ConfigSection.of(json, "health")),
        metrics,
        cluster,
        TracingSettings.fromJson(ConfigSection.of(json, "tracing")),
        ShutdownSettings.fromJson(ConfigSection.of(json, "shutdown")),
        IdempotencySettings.fromJson(ConfigSection.of(json, "idempotency")),
        json.copy());
  }

  /** Whether the node records and exports metrics ({@code DB_ENABLE_METRICS}). */
  public boolean metricsEnabled() {
    return metrics.enabled();
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
