package io.consolidb.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.consolidb.config.HttpLimits.RouteLimit;
import org.junit.jupiter.api.Test;

/** The HTTP API's limits: the defaults of conf/default.yaml, each variable, and the refused values. */
class HttpLimitsTest {

  @Test
  void defaults_matchTheDocumentedOnes() {
    HttpLimits limits = TestSettings.load().http().limits();
    assertThat(limits.lookups()).isEqualTo(new RouteLimit(128, 256));
    assertThat(limits.searches()).isEqualTo(new RouteLimit(2, 4));
    assertThat(limits.reports()).isEqualTo(new RouteLimit(2, 4));
    assertThat(limits.writes()).isEqualTo(new RouteLimit(16, 32));
    assertThat(limits.admin()).isEqualTo(new RouteLimit(2, 4));
    assertThat(limits.queueWaitMs()).isEqualTo(25);
    assertThat(limits.idleTimeoutSeconds()).isEqualTo(60);
    assertThat(limits.maxConnections()).isEqualTo(1024);
  }

  @Test
  void variables_setEachClass() {
    HttpLimits limits = TestSettings.load("HTTP_LOOKUPS_CONCURRENCY", "1", "HTTP_LOOKUPS_QUEUE", "2",
        "HTTP_SEARCHES_CONCURRENCY", "3", "HTTP_SEARCHES_QUEUE", "0", "HTTP_REPORTS_CONCURRENCY", "5",
        "HTTP_REPORTS_QUEUE", "6", "HTTP_WRITES_CONCURRENCY", "7", "HTTP_WRITES_QUEUE", "8",
        "HTTP_ADMIN_CONCURRENCY", "9", "HTTP_ADMIN_QUEUE", "10", "HTTP_QUEUE_WAIT_MS", "11",
        "HTTP_IDLE_TIMEOUT_SECONDS", "0", "HTTP_MAX_CONNECTIONS", "12").http().limits();
    assertThat(limits).isEqualTo(new HttpLimits(new RouteLimit(1, 2), new RouteLimit(3, 0), new RouteLimit(5, 6),
        new RouteLimit(7, 8), new RouteLimit(9, 10), 11, 0, 12));
  }

  @Test
  void impossibleValues_areRefusedNamingTheVariable() {
    refused("HTTP_SEARCHES_CONCURRENCY", "0", "http.limits.searches.concurrency (HTTP_SEARCHES_CONCURRENCY)");
    refused("HTTP_WRITES_QUEUE", "-1", "http.limits.writes.queue (HTTP_WRITES_QUEUE)");
    refused("HTTP_QUEUE_WAIT_MS", "0", "http.limits.queueWaitMs (HTTP_QUEUE_WAIT_MS)");
    refused("HTTP_IDLE_TIMEOUT_SECONDS", "-1", "http.idleTimeoutSeconds (HTTP_IDLE_TIMEOUT_SECONDS)");
    refused("HTTP_MAX_CONNECTIONS", "0", "http.maxConnections (HTTP_MAX_CONNECTIONS)");
    refused("HTTP_LOOKUPS_CONCURRENCY", "many", "HTTP_LOOKUPS_CONCURRENCY");
  }

  private static void refused(String variable, String value, String named) {
    assertThatThrownBy(() -> TestSettings.load(variable, value)).isInstanceOf(InvalidConfigException.class)
        .hasMessageContaining(named);
  }
}
