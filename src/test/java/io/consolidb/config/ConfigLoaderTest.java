package io.consolidb.config;

import static org.assertj.core.api.Assertions.assertThat;

import io.consolidb.testsupport.Await;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(VertxExtension.class)
class ConfigLoaderTest {

  private static NodeSettings load(Vertx vertx, Map<String, String> variables) {
    return Await.result(ConfigLoader.load(vertx, variables));
  }

  private static Throwable failure(Vertx vertx, Map<String, String> variables) {
    try {
      ConfigLoader.load(vertx, variables).await(30, TimeUnit.SECONDS);
    } catch (Throwable e) {
      return e;
    }
    throw new AssertionError("configuration was accepted: " + variables);
  }

  private static Map<String, String> vars(String... pairs) {
    Map<String, String> map = new HashMap<>();
    for (int i = 0; i < pairs.length; i += 2) {
      map.put(pairs[i], pairs[i + 1]);
    }
    return map;
  }

  @Test
  @DisplayName("without CONSOLIDB_ENV the node runs as development with its documented values")
  void load_defaultsToDevelopment(Vertx vertx) {
    NodeSettings settings = load(vertx, vars());
    assertThat(settings.environment()).isEqualTo(Environment.DEVELOPMENT);
    assertThat(settings.http().port()).isEqualTo(8080);
    assertThat(settings.cache().ttlSeconds()).isEqualTo(60);
    assertThat(settings.database().slowQueryThresholdSeconds()).isEqualTo(0.5);
    assertThat(settings.database().echo()).isTrue();
    assertThat(settings.database().seedDemoData()).isTrue();
  }

  @Test
  @DisplayName("each environment file sets its own TTL, slow-query threshold and cache switch")
  void load_perEnvironmentValues(Vertx vertx) throws java.io.IOException {
    java.nio.file.Path ca = java.nio.file.Files.createTempFile("ca", ".pem"); // production verifies the database's CA
    ca.toFile().deleteOnExit();
    NodeSettings staging = load(vertx, vars("CONSOLIDB_ENV", "staging"));
    assertThat(staging.cache().ttlSeconds()).isEqualTo(300);
    assertThat(staging.database().slowQueryThresholdSeconds()).isEqualTo(1.0);

    NodeSettings production = load(vertx, vars("CONSOLIDB_ENV", "production",
        "DATABASE_URL", "postgresql://app:pw@db.internal:5432/app?sslmode=verify-full",
        "DB_SSL_ROOT_CERT", ca.toString(),
        "REDIS_URL", "rediss://app:pw@cache.internal:6379"));
    assertThat(production.cache().ttlSeconds()).isEqualTo(600);
    assertThat(production.database().slowQueryThresholdSeconds()).isEqualTo(2.0);

    NodeSettings testing = load(vertx, vars("CONSOLIDB_ENV", "testing"));
    assertThat(testing.cache().enabled()).isFalse();
    assertThat(testing.database().poolSize()).isEqualTo(4);
  }

  @Test
  @DisplayName("the seed's environment variables override the YAML keys they name")
  void load_environmentVariablesOverride(Vertx vertx) {
    NodeSettings settings = load(vertx, vars(
        "HTTP_PORT", "9091", "DB_POOL_SIZE", "12", "DB_MAX_OVERFLOW", "3", "DB_POOL_TIMEOUT", "7.5",
        "DB_POOL_RECYCLE", "600", "DB_CACHE_TTL", "42", "DB_CACHE_MAX_MEMORY", "500",
        "DB_SLOW_QUERY_THRESHOLD", "0.25", "REDIS_URL", "redis://10.1.2.3:6380", "REDIS_TIMEOUT", "0.1",
        "REDIS_MAX_CONNECTIONS", "4", "DB_ENABLE_METRICS", "false", "DB_HEALTH_CHECK_INTERVAL", "5",
        "DB_ECHO", "false", "DATABASE_URL", "postgresql://u:p@h:6543/d"));
    assertThat(settings.http().port()).isEqualTo(9091);
    assertThat(settings.database().poolOptions().getMaxSize()).isEqualTo(15);
    assertThat(settings.database().poolOptions().getConnectionTimeout()).isEqualTo(7500);
    assertThat(settings.database().poolOptions().getMaxLifetime()).isEqualTo(600);
    assertThat(settings.cache().ttlSeconds()).isEqualTo(42);
    assertThat(settings.cache().maxEntries()).isEqualTo(500);
    assertThat(settings.database().slowQueryThresholdMs()).isEqualTo(250);
    assertThat(settings.redis().url()).isEqualTo("redis://10.1.2.3:6380");
    assertThat(settings.redis().timeoutMs()).isEqualTo(100);
    assertThat(settings.redis().maxConnections()).isEqualTo(4);
    assertThat(settings.metricsEnabled()).isFalse();
    assertThat(settings.healthIntervalSeconds()).isEqualTo(5.0);
    assertThat(settings.database().echo()).isFalse();
    assertThat(settings.database().connectOptions().getPort()).isEqualTo(6543);
    assertThat(settings.database().connectOptions().getCachePreparedStatements()).isTrue();
  }

  @Test
  @DisplayName("a metrics port out of range, or equal to the HTTP port, is refused at load")
  void load_badMetricsPort(Vertx vertx) {
    assertThat(failure(vertx, vars("METRICS_PORT", "70000")))
        .isInstanceOf(InvalidConfigException.class)
        .hasMessageContaining("metrics.port (METRICS_PORT) = 70000");
    assertThat(failure(vertx, vars("METRICS_PORT", "8080", "HTTP_PORT", "8080")))
        .isInstanceOf(InvalidConfigException.class)
        .hasMessageContaining("must differ from http.port");
  }

  @Test
  @DisplayName("a pool size of 0 is refused with a message naming the key, variable and value")
  void load_poolSizeZero(Vertx vertx) {
    assertThat(failure(vertx, vars("DB_POOL_SIZE", "0")))
        .isInstanceOf(InvalidConfigException.class)
        .hasMessage("invalid configuration: database.pool.size (DB_POOL_SIZE) = 0: must be at least 1");
  }

  @Test
  @DisplayName("negative timeouts, non-numbers and bad booleans are refused")
  void load_badNumbers(Vertx vertx) {
    assertThat(failure(vertx, vars("DB_POOL_TIMEOUT", "-1")))
        .hasMessageContaining("database.pool.timeoutSeconds (DB_POOL_TIMEOUT) = -1.0");
    assertThat(failure(vertx, vars("REDIS_TIMEOUT", "0")))
        .hasMessageContaining("redis.timeoutSeconds (REDIS_TIMEOUT)");
    assertThat(failure(vertx, vars("HTTP_PORT", "eighty")))
        .hasMessage("invalid configuration: http.port (HTTP_PORT) = 'eighty': must be an integer");
    assertThat(failure(vertx, vars("HTTP_PORT", "70000"))).hasMessageContaining("http.port");
    assertThat(failure(vertx, vars("DB_ECHO", "maybe"))).hasMessageContaining("database.echo (DB_ECHO)");
  }

  @Test
  @DisplayName("a malformed DATABASE_URL is refused without echoing its password")
  void load_malformedDatabaseUrl(Vertx vertx) {
    Throwable notUri = failure(vertx, vars("DATABASE_URL", "mysql://root:hunter2@db/app"));
    assertThat(notUri).hasMessageContaining("database.url (DATABASE_URL)").hasMessageNotContaining("hunter2");
    Throwable garbage = failure(vertx, vars("DATABASE_URL", "postgresql://user:hunter2@:notaport/"));
    assertThat(garbage).isInstanceOf(InvalidConfigException.class).hasMessageNotContaining("hunter2");
  }

  @Test
  @DisplayName("an unknown environment is refused naming CONSOLIDB_ENV")
  void load_unknownEnvironment(Vertx vertx) {
    assertThat(failure(vertx, vars("CONSOLIDB_ENV", "prod")))
        .hasMessage("invalid configuration: environment (CONSOLIDB_ENV) = 'prod': "
            + "must be one of development, staging, production, testing");
  }

  @Test
  @DisplayName("production refuses a PostgreSQL connection that does not require TLS")
  void load_productionRequiresTls(Vertx vertx) {
    Throwable plain = failure(vertx, vars("CONSOLIDB_ENV", "production", "REDIS_URL", "rediss://cache:6379",
        "DATABASE_URL", "postgresql://app:s3cret@db:5432/app"));
    assertThat(plain).hasMessageContaining("database.url (DATABASE_URL)").hasMessageContaining("TLS")
        .hasMessageNotContaining("s3cret");
    Throwable prefer = failure(vertx, vars("CONSOLIDB_ENV", "production", "REDIS_URL", "rediss://cache:6379",
        "DATABASE_URL", "postgresql://app:s3cret@db:5432/app?sslmode=prefer"));
    assertThat(prefer).hasMessageContaining("TLS");
  }

  @Test
  @DisplayName("the effective configuration shown at start masks every password and token")
  void masked_hidesSecrets(Vertx vertx) {
    NodeSettings settings = load(vertx, vars("DATABASE_URL", "postgresql://app:s3cret@db:5432/app",
        "REDIS_URL", "redis://:r3dis@cache:6379", "API_TOKEN", "tok-123", "ADMIN_TOKEN", "adm-456"));
    String shown = settings.masked().encode() + settings + settings.http() + settings.redis();
    assertThat(shown).doesNotContain("s3cret", "r3dis", "tok-123", "adm-456")
        .contains("postgresql://app:****@db:5432/app");
  }
}
