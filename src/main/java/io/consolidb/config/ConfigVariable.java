package io.consolidb.config;

import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Locale;

/**
 * One environment variable (or system property of the same name) that overrides one key of the
 * YAML configuration. The seed's variable names are kept so existing deployments carry over. Each
 * can also be read from a file named by {@code NAME_FILE} ({@link #fileVariable()}).
 */
public record ConfigVariable(String name, String key, Type type) {

  /** How the text of a variable becomes a JSON value. */
  public enum Type { STRING, INT, DECIMAL, BOOLEAN }

  /** The suffix of a variable's file form: {@code API_TOKEN_FILE} names a file holding API_TOKEN's value. */
  public static final String FILE_SUFFIX = "_FILE";

  /** Every variable consolidb reads, in the order the README lists them. */
  public static final List<ConfigVariable> ALL = List.of(
      new ConfigVariable("HTTP_HOST", "http.host", Type.STRING),
      new ConfigVariable("HTTP_PORT", "http.port", Type.INT),
      new ConfigVariable("HTTP_MAX_BODY_BYTES", "http.maxBodyBytes", Type.INT),
      new ConfigVariable("API_TOKEN", "http.apiToken", Type.STRING),
      new ConfigVariable("ADMIN_TOKEN", "http.adminToken", Type.STRING),
      new ConfigVariable("HTTP_TOKENS", "http.tokens", Type.STRING),
      new ConfigVariable("HTTP_AUTH_MAX_FAILURES", "http.auth.maxFailures", Type.INT),
      new ConfigVariable("HTTP_AUTH_WINDOW_SECONDS", "http.auth.windowSeconds", Type.INT),
      new ConfigVariable("HTTP_AUTH_BLOCK_SECONDS", "http.auth.blockSeconds", Type.INT),
      new ConfigVariable("HTTP_AUTH_MAX_ADDRESSES", "http.auth.maxAddresses", Type.INT),
      new ConfigVariable("HTTP_CORS_ALLOWED_ORIGINS", "http.cors.allowedOrigins", Type.STRING),
      new ConfigVariable("HTTP_CORS_ALLOWED_METHODS", "http.cors.allowedMethods", Type.STRING),
      new ConfigVariable("HTTP_CORS_ALLOWED_HEADERS", "http.cors.allowedHeaders", Type.STRING),
      new ConfigVariable("HTTP_CORS_ALLOW_CREDENTIALS", "http.cors.allowCredentials", Type.BOOLEAN),
      new ConfigVariable("HTTP_CORS_MAX_AGE", "http.cors.maxAgeSeconds", Type.INT),
      new ConfigVariable("HTTP_COMPRESSION_THRESHOLD", "http.compressionThresholdBytes", Type.INT),
      new ConfigVariable("HTTP_CACHE_MAX_AGE", "http.cacheMaxAgeSeconds", Type.INT),
      new ConfigVariable("HTTP_IDLE_TIMEOUT_SECONDS", "http.idleTimeoutSeconds", Type.INT),
      new ConfigVariable("HTTP_MAX_CONNECTIONS", "http.maxConnections", Type.INT),
      new ConfigVariable("HTTP_QUEUE_WAIT_MS", "http.limits.queueWaitMs", Type.INT),
      new ConfigVariable("HTTP_LOOKUPS_CONCURRENCY", "http.limits.lookups.concurrency", Type.INT),
      new ConfigVariable("HTTP_LOOKUPS_QUEUE", "http.limits.lookups.queue", Type.INT),
      new ConfigVariable("HTTP_SEARCHES_CONCURRENCY", "http.limits.searches.concurrency", Type.INT),
      new ConfigVariable("HTTP_SEARCHES_QUEUE", "http.limits.searches.queue", Type.INT),
      new ConfigVariable("HTTP_REPORTS_CONCURRENCY", "http.limits.reports.concurrency", Type.INT),
      new ConfigVariable("HTTP_REPORTS_QUEUE", "http.limits.reports.queue", Type.INT),
      new ConfigVariable("HTTP_WRITES_CONCURRENCY", "http.limits.writes.concurrency", Type.INT),
      new ConfigVariable("HTTP_WRITES_QUEUE", "http.limits.writes.queue", Type.INT),
      new ConfigVariable("HTTP_ADMIN_CONCURRENCY", "http.limits.admin.concurrency", Type.INT),
      new ConfigVariable("HTTP_ADMIN_QUEUE", "http.limits.admin.queue", Type.INT),
      new ConfigVariable("DATABASE_URL", "database.url", Type.STRING),
      new ConfigVariable("DB_REQUIRE_TLS", "database.requireTls", Type.BOOLEAN),
      new ConfigVariable("DB_SSL_ROOT_CERT", "database.sslRootCert", Type.STRING),
      new ConfigVariable("DATABASE_READ_URL", "database.replicas.urls", Type.STRING),
      new ConfigVariable("DB_REPLICA_MAX_LAG_MS", "database.replicas.maxLagMs", Type.INT),
      new ConfigVariable("DB_REPLICA_POOL_SIZE", "database.replicas.poolSize", Type.INT),
      new ConfigVariable("DB_REPLICA_POLL_MS", "database.replicas.pollMs", Type.INT),
      new ConfigVariable("DB_POOL_SIZE", "database.pool.size", Type.INT),
      new ConfigVariable("DB_MAX_OVERFLOW", "database.pool.maxOverflow", Type.INT),
      new ConfigVariable("DB_POOL_TIMEOUT", "database.pool.timeoutSeconds", Type.DECIMAL),
      new ConfigVariable("DB_POOL_RECYCLE", "database.pool.recycleSeconds", Type.INT),
      new ConfigVariable("DB_POOL_MAX_WAIT_QUEUE", "database.pool.maxWaitQueue", Type.INT),
      new ConfigVariable("DB_POOL_PIPELINED", "database.pool.pipelined", Type.INT),
      new ConfigVariable("DB_POOL_VALIDATE_IDLE_MS", "database.pool.validateIdleMs", Type.INT),
      new ConfigVariable("DB_POOL_VALIDATION_TIMEOUT_MS", "database.pool.validationTimeoutMs", Type.INT),
      new ConfigVariable("DB_QUERY_TIMEOUT_MS", "database.queryTimeoutMs", Type.INT),
      new ConfigVariable("DB_TX_TIMEOUT_MS", "database.txTimeoutMs", Type.INT),
      new ConfigVariable("DB_BREAKER_FAILURES", "database.breaker.failures", Type.INT),
      new ConfigVariable("DB_BREAKER_OPEN_MS", "database.breaker.openMs", Type.INT),
      new ConfigVariable("DB_SLOW_QUERY_THRESHOLD", "database.slowQueryThresholdSeconds", Type.DECIMAL),
      new ConfigVariable("DB_ECHO", "database.echo", Type.BOOLEAN),
      new ConfigVariable("DB_MIGRATE", "database.migrate", Type.BOOLEAN),
      new ConfigVariable("DB_SEED_DEMO_DATA", "database.seedDemoData", Type.BOOLEAN),
      new ConfigVariable("DB_DEMO_RESTAURANTS", "database.demoRestaurants", Type.INT),
      new ConfigVariable("REDIS_ENABLED", "redis.enabled", Type.BOOLEAN),
      new ConfigVariable("REDIS_URL", "redis.url", Type.STRING),
      new ConfigVariable("REDIS_TLS_CA", "redis.tls.caPath", Type.STRING),
      new ConfigVariable("REDIS_ALLOW_PLAINTEXT", "redis.allowPlaintext", Type.BOOLEAN),
      new ConfigVariable("REDIS_TIMEOUT", "redis.timeoutSeconds", Type.DECIMAL),
      new ConfigVariable("REDIS_MAX_CONNECTIONS", "redis.maxConnections", Type.INT),
      new ConfigVariable("DB_CACHE_ENABLED", "cache.enabled", Type.BOOLEAN),
      new ConfigVariable("DB_CACHE_TTL", "cache.ttlSeconds", Type.INT),
      new ConfigVariable("DB_CACHE_MAX_MEMORY", "cache.maxEntries", Type.INT),
      new ConfigVariable("DB_CACHE_LOCAL_MAX_BYTES", "cache.maxLocalBytes", Type.INT),
      new ConfigVariable("DB_CACHE_LOCAL_ENABLED", "cache.localEnabled", Type.BOOLEAN),
      new ConfigVariable("DB_CACHE_COMPRESSION_THRESHOLD", "cache.compressThresholdBytes", Type.INT),
      new ConfigVariable("DB_CACHE_KEY_PREFIX", "cache.keyPrefix", Type.STRING),
      new ConfigVariable("DB_CACHE_MAX_STALE", "cache.maxStaleSeconds", Type.INT),
      new ConfigVariable("DB_CACHE_LEASE_MS", "cache.lease.ms", Type.INT),
      new ConfigVariable("DB_CACHE_LEASE_POLL_MS", "cache.lease.pollMs", Type.INT),
      new ConfigVariable("DB_CACHE_WARM_ENABLED", "cache.warm.enabled", Type.BOOLEAN),
      new ConfigVariable("DB_CACHE_WARM_KEYS", "cache.warm.keys", Type.INT),
      new ConfigVariable("DB_CACHE_WARM_CONCURRENCY", "cache.warm.concurrency", Type.INT),
      new ConfigVariable("DB_CACHE_WARM_BUDGET_MS", "cache.warm.budgetMs", Type.INT),
      new ConfigVariable("DB_CACHE_WARM_COOLDOWN_MS", "cache.warm.cooldownMs", Type.INT),
      new ConfigVariable("DB_CACHE_WARM_PUBLISH_SECONDS", "cache.warm.publishSeconds", Type.INT),
      new ConfigVariable("DB_CACHE_WARM_LIST_TTL", "cache.warm.listTtlSeconds", Type.INT),
      new ConfigVariable("DB_HEALTH_CHECK_INTERVAL", "health.intervalSeconds", Type.DECIMAL),
      new ConfigVariable("HEALTH_SLOW_RESPONSE_MS", "health.slowResponseMs", Type.INT),
      new ConfigVariable("HEALTH_POOL_UTILIZATION_PERCENT", "health.poolUtilizationPercent", Type.INT),
      new ConfigVariable("HEALTH_CRITICAL_AFTER_FAILURES", "health.criticalAfterFailures", Type.INT),
      new ConfigVariable("HEALTH_DB_TIMEOUT_MS", "health.databaseTimeoutMs", Type.INT),
      new ConfigVariable("HEALTH_REDIS_TIMEOUT_MS", "health.redisTimeoutMs", Type.INT),
      new ConfigVariable("HEALTH_CHECK_TIMEOUT_MS", "health.checkTimeoutMs", Type.INT),
      new ConfigVariable("HEALTH_EVENT_LOOP_DELAY_MS", "health.eventLoopDelayMs", Type.INT),
      new ConfigVariable("HEALTH_HISTORY_SIZE", "health.historySize", Type.INT),
      new ConfigVariable("HEALTH_WEBHOOK_URL", "health.webhook.url", Type.STRING),
      new ConfigVariable("HEALTH_WEBHOOK_TIMEOUT_MS", "health.webhook.timeoutMs", Type.INT),
      new ConfigVariable("BACKUP_MAX_AGE_HOURS", "health.backupMaxAgeHours", Type.DECIMAL),
      new ConfigVariable("DB_ENABLE_METRICS", "metrics.enabled", Type.BOOLEAN),
      new ConfigVariable("METRICS_PORT", "metrics.port", Type.INT),
      new ConfigVariable("CLUSTER_ENABLED", "cluster.enabled", Type.BOOLEAN),
      new ConfigVariable("CLUSTER_HOST", "cluster.host", Type.STRING),
      new ConfigVariable("CLUSTER_PORT", "cluster.port", Type.INT),
      new ConfigVariable("CLUSTER_MEMBERS", "cluster.members", Type.STRING),
      new ConfigVariable("CLUSTER_KUBERNETES_SERVICE_DNS", "cluster.kubernetesServiceDns", Type.STRING),
      new ConfigVariable("CLUSTER_EVENT_BUS_PORT", "cluster.eventBusPort", Type.INT),
      new ConfigVariable("CLUSTER_TLS_CERT", "cluster.tls.certPath", Type.STRING),
      new ConfigVariable("CLUSTER_TLS_KEY", "cluster.tls.keyPath", Type.STRING),
      new ConfigVariable("CLUSTER_TLS_CA", "cluster.tls.caPath", Type.STRING),
      new ConfigVariable("CLUSTER_SECRET", "cluster.secret", Type.STRING),
      new ConfigVariable("CLUSTER_EXPECTED_MEMBERS", "cluster.expectedMembers", Type.INT),
      new ConfigVariable("CLUSTER_FAILURE_DETECTION_SECONDS", "cluster.failureDetectionSeconds", Type.INT),
      new ConfigVariable("SHUTDOWN_DRAIN_SECONDS", "shutdown.drainSeconds", Type.DECIMAL),
      new ConfigVariable("SHUTDOWN_TIMEOUT_SECONDS", "shutdown.timeoutSeconds", Type.DECIMAL),
      new ConfigVariable("IDEMPOTENCY_RETENTION_HOURS", "idempotency.retentionHours", Type.DECIMAL),
      new ConfigVariable("IDEMPOTENCY_PURGE_INTERVAL_SECONDS", "idempotency.purgeIntervalSeconds", Type.DECIMAL),
      new ConfigVariable("IDEMPOTENCY_PURGE_BATCH_SIZE", "idempotency.purgeBatchSize", Type.INT),
      new ConfigVariable("IDEMPOTENCY_PURGE_MAX_BATCHES", "idempotency.purgeMaxBatches", Type.INT),
      new ConfigVariable("OTEL_EXPORTER_OTLP_ENDPOINT", "tracing.otlpEndpoint", Type.STRING),
      new ConfigVariable("TRACING_SAMPLE_RATIO", "tracing.sampleRatio", Type.DECIMAL),
      new ConfigVariable("OTEL_SERVICE_NAME", "tracing.serviceName", Type.STRING));

  /** Looks a variable up by the configuration key it sets (null when none does). */
  public static String variableFor(String key) {
    return ALL.stream().filter(v -> v.key.equals(key)).map(ConfigVariable::name).findFirst().orElse(null);
  }

  /**
   * Whether the node reads {@code envName}: a variable of {@link #ALL} or the file form
   * ({@code NAME_FILE}) of one. {@code CONSOLIDB_ENV} and {@code CONSOLIDB_CONF_DIR}, read before
   * the variables, are not among them.
   */
  public static boolean isKnown(String envName) {
    if (envName == null) {
      return false;
    }
    return ALL.stream().anyMatch(v -> v.name.equals(envName) || v.fileVariable().equals(envName));
  }

  /** The name of this variable's file form, {@code NAME_FILE}. */
  public String fileVariable() {
    return name + FILE_SUFFIX;
  }

  /** Converts {@code text} and writes it at this variable's key into {@code target}. */
  public void applyTo(JsonObject target, String text) {
    String[] path = key.split("\\.");
    JsonObject node = target;
    for (int i = 0; i < path.length - 1; i++) {
      JsonObject child = node.getJsonObject(path[i]);
      if (child == null) {
        child = new JsonObject();
        node.put(path[i], child);
      }
      node = child;
    }
    node.put(path[path.length - 1], convert(text));
  }

  private Object convert(String text) {
    String t = text.trim();
    try {
      return switch (type) {
        case STRING -> text;
        case INT -> Integer.parseInt(t);
        case DECIMAL -> Double.parseDouble(t);
        case BOOLEAN -> parseBoolean(t);
      };
    } catch (NumberFormatException e) {
      throw new InvalidConfigException(key, name, SecretMasker.isSecretKey(key) ? SecretMasker.MASK : text,
          type == Type.INT ? "must be an integer" : "must be a number");
    }
  }

  private Boolean parseBoolean(String t) {
    return switch (t.toLowerCase(Locale.ROOT)) {
      case "true", "1", "yes", "on" -> true;
      case "false", "0", "no", "off" -> false;
      default -> throw new InvalidConfigException(key, name, t, "must be true or false");
    };
  }
}
