package io.consolidb.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** {@code DATABASE_READ_URL} and the replica settings. */
class ReplicaSettingsTest {

  private static final String PASSWORD = "pw-never-shown";

  private static ReplicaSettings load(String... pairs) {
    return TestSettings.load(pairs).database().replicas();
  }

  @Test
  @DisplayName("without DATABASE_READ_URL there is no replica")
  void unset_none() {
    ReplicaSettings replicas = load();
    assertThat(replicas.enabled()).isFalse();
    assertThat(replicas.replicas()).isEmpty();
  }

  @Test
  @DisplayName("several comma-separated replicas, each named host:port, never with its password")
  void commaSeparated_namedByHostAndPort() {
    ReplicaSettings replicas = load("DATABASE_READ_URL",
        "postgresql://u:" + PASSWORD + "@r1:5442/consolidb, postgresql://u:" + PASSWORD + "@r2/consolidb",
        "DB_REPLICA_MAX_LAG_MS", "250", "DB_REPLICA_POOL_SIZE", "3", "DB_REPLICA_POLL_MS", "40");
    assertThat(replicas.replicas()).extracting(ReplicaSettings.Replica::name).containsExactly("r1:5442", "r2:5432");
    assertThat(replicas.replicas().get(0).maskedUrl()).doesNotContain(PASSWORD).contains("r1:5442");
    assertThat(replicas.maxLagMs()).isEqualTo(250);
    assertThat(replicas.poolSize()).isEqualTo(3);
    assertThat(replicas.pollMs()).isEqualTo(40);
  }

  @Test
  @DisplayName("a replica URL that is not one is refused naming the key, its password masked")
  void badUrl_refused() {
    InvalidConfigException e = assertThrows(InvalidConfigException.class,
        () -> load("DATABASE_READ_URL", "mysql://u:" + PASSWORD + "@h/db"));
    assertThat(e).hasMessageContaining("database.replicas.urls (DATABASE_READ_URL)").hasMessageNotContaining(PASSWORD);
    assertThat(assertThrows(InvalidConfigException.class, () -> load("DATABASE_READ_URL", "postgresql://u:p@h/db?sslmode=sometimes")))
        .hasMessageContaining("database.replicas.urls").hasMessageContaining("sslmode");
    assertThat(assertThrows(InvalidConfigException.class,
        () -> load("DATABASE_READ_URL", "postgresql://u:p@h/consolidb,postgresql://u:p@h/consolidb")))
        .hasMessageContaining("the same replica twice");
  }

  @Test
  @DisplayName("a replica URL naming another database than DATABASE_URL's is refused, naming both")
  void otherDatabase_refused() {
    InvalidConfigException e = assertThrows(InvalidConfigException.class, () -> load("DATABASE_URL",
        "postgresql://u:p@primary/consolidb_bench", "DATABASE_READ_URL", "postgresql://u:" + PASSWORD + "@r1/consolidb"));
    assertThat(e).hasMessageContaining("database.replicas.urls (DATABASE_READ_URL)")
        .hasMessageContaining("\"consolidb\"").hasMessageContaining("\"consolidb_bench\"").hasMessageNotContaining(PASSWORD);
    assertThat(load("DATABASE_URL", "postgresql://u:p@primary/consolidb_bench", "DATABASE_READ_URL",
        "postgresql://u:p@r1/consolidb_bench").replicas()).hasSize(1);
  }

  @Test
  @DisplayName("impossible lag bound, pool size or poll interval are refused by name")
  void bounds_refused() {
    String url = "postgresql://u:p@h/consolidb";
    assertThat(assertThrows(InvalidConfigException.class,
        () -> load("DATABASE_READ_URL", url, "DB_REPLICA_MAX_LAG_MS", "0"))).hasMessageContaining("DB_REPLICA_MAX_LAG_MS");
    assertThat(assertThrows(InvalidConfigException.class,
        () -> load("DATABASE_READ_URL", url, "DB_REPLICA_POOL_SIZE", "0"))).hasMessageContaining("DB_REPLICA_POOL_SIZE");
    assertThat(assertThrows(InvalidConfigException.class,
        () -> load("DATABASE_READ_URL", url, "DB_REPLICA_POLL_MS", "5"))).hasMessageContaining("DB_REPLICA_POLL_MS");
  }

  @Test
  @DisplayName("when TLS is required, every replica URL must ask for it too")
  void requireTls_appliesToReplicas() {
    assertThat(assertThrows(InvalidConfigException.class, () -> load(
        "DATABASE_URL", "postgresql://u:p@h/db?sslmode=require", "DB_REQUIRE_TLS", "true",
        "DATABASE_READ_URL", "postgresql://u:p@r/db"))).hasMessageContaining("every replica URL");
  }
}
