package io.consolidb.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.consolidb.http.TestNode;
import io.consolidb.node.ConsolidbNode.Component;
import io.consolidb.testsupport.TestServices;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

/**
 * The Grafana dashboard and the Prometheus alert rules in docs/ only use metric names a node
 * exports on {@code /metrics}.
 */
class MetricsDashboardTest {

  /**
   * Names the dashboard and rules may use before the component that registers their meters
   * exists; they are then allowed to be missing. Empty: every name is registered today.
   */
  static final Set<String> PENDING = Set.of();

  private static final Path DASHBOARD = Path.of("docs/grafana/consolidb-dashboard.json");
  private static final Path RULES = Path.of("docs/prometheus/consolidb-alerts.yml");
  private static final Pattern METRIC = Pattern.compile("\\b((?:consolidb|vertx|jvm|process|system)_[a-z0-9_]+)\\b");

  private static TestNode schema;
  private static Set<String> exported;

  @BeforeAll
  static void scrapeALoadedNode() throws Exception {
    schema = TestNode.create("metrics_dash");
    schema.reseed();
    // Caching on, with Redis, so the cache meters (hit rate panel, fallback alert) exist too; the
    // backup check on, so its age gauge (backup alert) does.
    JsonObject caching = new JsonObject()
        .put("health", new JsonObject().put("backupMaxAgeHours", 24))
        .put("cache", new JsonObject().put("enabled", true).put("keyPrefix", "consolidb-test-dash:"))
        .put("redis", new JsonObject().put("enabled", true).put("url", TestServices.redisUrl()));
    try (MeteredNode node = MeteredNode.start(schema, caching,
        EnumSet.of(Component.QUERY, Component.HEALTH, Component.METRICS, Component.CACHE, Component.RESTAURANTS, Component.HTTP))) {
      node.get("/api/v1/restaurants/1");
      node.get("/api/v1/restaurants/1");
      node.get("/api/v1/restaurants/search?q=pizza");
      assertThatThrownBy(() -> node.queries.read("test.error", "SELECT 1 / 0", null).await(30, TimeUnit.SECONDS));
      exported = MeteredNode.names(node.scrape());
    }
  }

  @AfterAll
  static void drop() throws Exception {
    schema.close();
  }

  @Test
  @DisplayName("every metric the Grafana dashboard queries is exported on /metrics")
  void dashboard_usesExportedMetrics() throws Exception {
    JsonObject dashboard = new JsonObject(Files.readString(DASHBOARD));
    List<String> expressions = new ArrayList<>();
    List<String> titles = new ArrayList<>();
    JsonArray panels = dashboard.getJsonArray("panels");
    for (int i = 0; i < panels.size(); i++) {
      JsonObject panel = panels.getJsonObject(i);
      titles.add(panel.getString("title"));
      JsonArray targets = panel.getJsonArray("targets");
      for (int j = 0; j < targets.size(); j++) {
        expressions.add(targets.getJsonObject(j).getString("expr"));
      }
    }
    assertThat(titles).contains("Query throughput by operation", "Query latency quantiles", "Error rate",
        "Slow queries", "Connection pool", "Cache hit rate", "Health level");
    assertExported(expressions);
  }

  @Test
  @DisplayName("every metric the Prometheus alert rules use is exported on /metrics")
  @SuppressWarnings("unchecked")
  void alertRules_useExportedMetrics() throws Exception {
    Map<String, Object> document = new Yaml().load(Files.readString(RULES));
    List<String> expressions = new ArrayList<>();
    List<String> alerts = new ArrayList<>();
    for (Map<String, Object> group : (List<Map<String, Object>>) document.get("groups")) {
      for (Map<String, Object> rule : (List<Map<String, Object>>) group.get("rules")) {
        alerts.add((String) rule.get("alert"));
        expressions.add(String.valueOf(rule.get("expr")));
      }
    }
    assertThat(alerts).contains("ConsolidbHealthCritical", "ConsolidbHighQueryErrorRate", "ConsolidbPoolSaturated",
        "ConsolidbCacheFallback", "ConsolidbBackupTooOld");
    assertExported(expressions);
  }

  private static void assertExported(List<String> expressions) {
    Set<String> used = new TreeSet<>();
    for (String expression : expressions) {
      Matcher m = METRIC.matcher(expression);
      while (m.find()) {
        used.add(m.group(1));
      }
    }
    assertThat(used).isNotEmpty();
    Set<String> missing = new TreeSet<>(used);
    missing.removeAll(exported);
    missing.removeAll(PENDING);
    assertThat(missing).as("metric names used but not exported on /metrics").isEmpty();
  }
}
