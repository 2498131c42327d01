package io.consolidb.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

/**
 * The edges of every bounded setting (the last value accepted, the first refused, each refusal
 * naming its key), and the derived options and masked forms the node hands to its clients. The
 * cases mutation testing (scripts/mutation.sh config) found unpinned.
 */
class SettingsBoundariesTest {

  private static NodeSettings load(String... pairs) {
    return TestSettings.load(pairs);
  }

  private static void refused(String variable, String value, String key) {
    assertThatThrownBy(() -> load(variable, value)).isInstanceOf(InvalidConfigException.class)
        .hasMessageContaining(key);
  }

  @Test
  void ports_lastAcceptedAndFirstRefused() {
    assertThat(load("HTTP_PORT", "65535").http().port()).isEqualTo(65535);
    refused("HTTP_PORT", "65536", "http.port");
    assertThat(load("HTTP_PORT", "0").http().port()).isZero();
    refused("HTTP_PORT", "-1", "http.port");
    assertThat(load("METRICS_PORT", "65535").metrics().port()).isEqualTo(65535);
    refused("METRICS_PORT", "65536", "metrics.port");
    assertThat(load("CLUSTER_PORT", "65535", "CLUSTER_MEMBERS", "127.0.0.1:65535").cluster().port()).isEqualTo(65535);
    refused("CLUSTER_PORT", "65536", "cluster.port");
    refused("CLUSTER_PORT", "0", "cluster.port");
  }

  @Test
  void metricsPort_zeroMeansTheHttpPort() {
    assertThat(load().metrics().separatePort()).isFalse();
    assertThat(load("METRICS_PORT", "9100").metrics().separatePort()).isTrue();
    assertThat(load("DB_ENABLE_METRICS", "true").metricsEnabled()).isTrue();
    assertThat(load("DB_ENABLE_METRICS", "false").metricsEnabled()).isFalse();
  }

  @Test
  void integers_theMinimumIsAccepted() {
    assertThat(load("DB_POOL_SIZE", "1").database().poolSize()).isEqualTo(1);
    refused("DB_POOL_SIZE", "0", "database.pool.size");
    assertThat(load("HEALTH_HISTORY_SIZE", "10000").health().historySize()).isEqualTo(10_000);
    refused("HEALTH_HISTORY_SIZE", "10001", "health.historySize");
    assertThat(load("HEALTH_POOL_UTILIZATION_PERCENT", "100").health().poolUtilizationPercent()).isEqualTo(100);
    refused("HEALTH_POOL_UTILIZATION_PERCENT", "101", "health.poolUtilizationPercent");
  }

  @Test
  void breakerAndMaxStale_zeroTurnsThemOffAndNegativesAreRefused() {
    DatabaseSettings defaults = TestSettings.load("CONSOLIDB_ENV", "development").database();
    assertThat(defaults.breakerFailures()).isEqualTo(5);
    assertThat(defaults.breakerOpenMs()).isEqualTo(2000);
    assertThat(load("DB_BREAKER_FAILURES", "0").database().breakerFailures()).isZero();
    refused("DB_BREAKER_FAILURES", "-1", "database.breaker.failures");
    assertThat(load("DB_BREAKER_OPEN_MS", "1").database().breakerOpenMs()).isEqualTo(1);
    refused("DB_BREAKER_OPEN_MS", "0", "database.breaker.openMs");
    assertThat(load("DB_CACHE_MAX_STALE", "0").cache().maxStaleMs()).isZero();
    assertThat(load("DB_CACHE_MAX_STALE", "30").cache().maxStaleMs()).isEqualTo(30_000);
    refused("DB_CACHE_MAX_STALE", "-1", "cache.maxStaleSeconds");
  }

  @Test
  void cacheKeyPrefix_globCharactersRefused() {
    assertThat(load("DB_CACHE_KEY_PREFIX", "app:").cache().keyPrefix()).isEqualTo("app:");
    refused("DB_CACHE_KEY_PREFIX", "app*", "cache.keyPrefix");
    refused("DB_CACHE_KEY_PREFIX", "a b", "cache.keyPrefix");
  }

  @Test
  void cacheBreaker_openTimeInMilliseconds() {
    CacheSettings cache = load().cache();
    assertThat(cache.breakerOpenMs()).isEqualTo(Math.round(cache.breakerOpenSeconds() * 1000));
    assertThat(cache.breakerOpenMs()).isPositive();
  }

  @Test
  void database_statementTimeoutAndRecycleReachTheDriver() {
    DatabaseSettings db = load("DB_POOL_RECYCLE", "0").database();
    assertThat(db.connectOptions().getProperties()).containsEntry("statement_timeout",
        Integer.toString(db.statementTimeoutMs()));
    assertThat(db.poolOptions().getMaxLifetime()).isZero();
    assertThat(load("DB_POOL_RECYCLE", "60").database().poolOptions().getMaxLifetime()).isEqualTo(60);
    assertThat(db.netClientOptions()).isNotNull();
    assertThat(db.pipelinedOptions()).isNotNull();
    assertThat(db.pipelinedConnectOptions()).isNotNull();
  }

  @Test
  void redis_optionsFromTheSettings() {
    RedisSettings redis = load("REDIS_URL", "redis://:pw-123@127.0.0.1:6390", "REDIS_MAX_CONNECTIONS", "7").redis();
    assertThat(redis.redisOptions().getMaxPoolSize()).isEqualTo(7);
    assertThat(redis.redisOptions().getMaxPoolWaiting()).isEqualTo(7 * 32);
    assertThat(redis.redisOptions().getNetClientOptions().getConnectTimeout()).isEqualTo((int) redis.timeoutMs());
    assertThat(redis.maskedUrl()).contains("127.0.0.1:6390").doesNotContain("pw-123");
    assertThat(redis.toString()).contains("127.0.0.1:6390").doesNotContain("pw-123");
  }

  @Test
  void toStrings_showTheSettingsWithoutSecrets() {
    NodeSettings node = load("API_TOKEN", "tok-secret-1", "ADMIN_TOKEN", "adm-secret-2",
        "DATABASE_URL", "postgresql://u:db-secret-3@127.0.0.1:5432/db");
    assertThat(node.http().toString()).contains("port").doesNotContain("tok-secret-1").doesNotContain("adm-secret-2");
    assertThat(node.health().toString()).contains("interval");
    assertThat(node.toString()).contains("127.0.0.1:5432").doesNotContain("db-secret-3")
        .doesNotContain("tok-secret-1").doesNotContain("adm-secret-2");
    assertThat(node.database().maskedUrl()).contains("127.0.0.1:5432").doesNotContain("db-secret-3");
  }

  @Test
  void masker_webhookOriginKeepsThePort() {
    assertThat(SecretMasker.origin("https://hooks.example.com:8443/services/T0/B0/secret"))
        .isEqualTo("https://hooks.example.com:8443/****");
    assertThat(SecretMasker.origin("https://hooks.example.com/")).isEqualTo("https://hooks.example.com");
    assertThat(SecretMasker.mask(new JsonObject().put("health", new JsonObject()
        .put("webhook", new JsonObject().put("url", "https://h.example/hook?token=s3")))).encode())
        .doesNotContain("s3");
  }

  @Test
  void idempotency_defaultsAndBounds() {
    IdempotencySettings defaults = load().idempotency();
    assertThat(defaults.retentionHours()).isEqualTo(24);
    assertThat(defaults.retentionSeconds()).isEqualTo(86_400);
    assertThat(load("IDEMPOTENCY_RETENTION_HOURS", "0.5").idempotency().retentionSeconds()).isEqualTo(1800);
    assertThat(load("IDEMPOTENCY_PURGE_BATCH_SIZE", "1").idempotency().purgeBatchSize()).isEqualTo(1);
    refused("IDEMPOTENCY_RETENTION_HOURS", "0", "idempotency.retentionHours");
    refused("IDEMPOTENCY_PURGE_INTERVAL_SECONDS", "0", "idempotency.purgeIntervalSeconds");
    refused("IDEMPOTENCY_PURGE_BATCH_SIZE", "0", "idempotency.purgeBatchSize");
    refused("IDEMPOTENCY_PURGE_MAX_BATCHES", "0", "idempotency.purgeMaxBatches");
  }
}
