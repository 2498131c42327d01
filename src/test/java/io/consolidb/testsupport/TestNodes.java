package io.consolidb.testsupport;

import io.consolidb.config.NodeSettings;
import io.consolidb.metrics.Meters;
import io.consolidb.node.ConsolidbNode;
import io.consolidb.node.ConsolidbNode.Component;
import io.consolidb.service.CachedRead;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.util.EnumSet;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The one way tests deploy consolidb components: through the node's own wiring
 * ({@link ConsolidbNode#deploy}), on the test's Vert.x, so a test runs the components exactly as
 * a node wires them. Meters go to a registry of the deployment's own (Vert.x's built-in meters
 * are not in it: for those, start a whole node with {@link ConsolidbNode#start}).
 */
public final class TestNodes {

  private TestNodes() {
  }

  /** Deploys {@code components} with the node settings {@code config}; completes once all started. */
  public static Future<ConsolidbNode> deployAsync(Vertx vertx, JsonObject config, Component... components) {
    NodeSettings settings;
    try {
      settings = NodeSettings.fromJson(config);
    } catch (RuntimeException invalid) {
      return Future.failedFuture(invalid);
    }
    return ConsolidbNode.deploy(vertx, Meters.registry(settings.metricsEnabled()), settings,
        EnumSet.copyOf(List.of(components)));
  }

  /** {@code HIT} or {@code MISS} for a read served through the node's cache in-process; null otherwise. */
  public static String cacheOutcome(JsonObject result) {
    CachedRead.Outcome outcome = CachedRead.outcome(result);
    return outcome == null ? null : outcome.name();
  }

  /** {@link #deployAsync}, waited for (not on an event loop). */
  public static ConsolidbNode deploy(Vertx vertx, JsonObject config, Component... components) {
    try {
      return deployAsync(vertx, config, components).await(60, TimeUnit.SECONDS);
    } catch (TimeoutException e) {
      throw new AssertionError("the components did not start within 60 s", e);
    }
  }
}
