package io.consolidb.bench;

import io.consolidb.config.NodeSettings;
import io.consolidb.metrics.Meters;
import io.consolidb.node.ConsolidbNode;
import io.consolidb.node.ConsolidbNode.Component;
import io.micrometer.core.instrument.Counter;
import io.vertx.core.json.JsonObject;
import java.util.EnumSet;
import java.util.concurrent.TimeUnit;

/**
 * What recording metrics costs on the query path, shared by the harness ({@code metrics_on_vs_off})
 * and {@code MetricsOverheadBenchmark}: two nodes in this JVM from the same settings, one with
 * metrics on (all Vert.x built-ins plus consolidb's meters, {@code Meters.registry(vertx)} per
 * instance) and one with metrics off, each with the query verticle, the metrics verticle and the
 * restaurant service, caching off. Closed-loop uncached get-by-id through the node's in-process client on
 * each, in alternating rounds over several pairs of fresh nodes ({@link NodePairs}); the ratio is
 * on ÷ off.
 */
public final class MetricsOverhead {

  private static final int PAIRS = 3;

  private MetricsOverhead() {
  }

  /**
   * Runs the comparison over restaurant ids 1..{@code ids} with {@code concurrency} requests in
   * flight for {@code millis} per round, {@code rounds} counted rounds of each side spread over
   * up to three pairs of fresh nodes ({@link NodePairs}). Fails if an "on" node recorded no query
   * or an "off" node recorded anything: then the ratio would not mean what it says.
   */
  public static Comparison compare(NodeSettings settings, int concurrency, long millis, int rounds, int ids)
      throws Exception {
    NodePairs<ConsolidbNode> pairs = NodePairs.of("metrics_on", () -> start(settings, true), "metrics_off",
        () -> start(settings, false));
    return pairs.compare("metrics_on_vs_off", "lookups/s", NodePairs.lookups(concurrency, millis, ids), PAIRS, rounds,
        0, 0, null, MetricsOverhead::verify);
  }

  private static void verify(ConsolidbNode onNode, ConsolidbNode offNode) {
    if (!Meters.exported(onNode.registry()) || Meters.exported(offNode.registry())) {
      throw new IllegalStateException("metrics were not on for one node and off for the other");
    }
    Counter queries = onNode.registry().find("consolidb.db.queries").tag("operation", "restaurants.get")
        .tag("outcome", "success").counter();
    if (queries == null || queries.count() == 0) {
      throw new IllegalStateException("the node with metrics on recorded no restaurants.get query");
    }
  }

  private static ConsolidbNode start(NodeSettings settings, boolean metrics) throws Exception {
    JsonObject json = settings.json().copy();
    json.put("metrics", json.getJsonObject("metrics", new JsonObject()).copy().put("enabled", metrics));
    json.put("cache", json.getJsonObject("cache", new JsonObject()).copy().put("enabled", false));
    NodeSettings node = NodeSettings.fromJson(settings.environment(), json);
    return ConsolidbNode.start(node, EnumSet.of(Component.QUERY, Component.METRICS, Component.RESTAURANTS))
        .await(60, TimeUnit.SECONDS);
  }
}
