package io.consolidb.metrics;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.VertxBuilder;
import io.vertx.core.VertxOptions;
import io.vertx.micrometer.Label;
import io.vertx.micrometer.MicrometerMetricsFactory;
import io.vertx.micrometer.MicrometerMetricsOptions;
import io.vertx.micrometer.VertxPrometheusOptions;
import java.util.EnumSet;

/**
 * The node's meter registry and how Vert.x is told to use it. The node builds one registry
 * ({@link #registry}) and hands it to every component that records; nothing looks a registry up
 * globally. Meters are recorded on the hot path straight into it (thread-safe), never by sending
 * an event-bus message per query. All consolidb meter names start with {@code consolidb.}
 * (Prometheus: {@code consolidb_}).
 */
public final class Meters {

  private Meters() {
  }

  /**
   * A Prometheus registry when metrics are on ({@code DB_ENABLE_METRICS=true}); otherwise a simple
   * in-memory one that nobody scrapes, which still backs the counts the node itself shows (cache
   * stats).
   */
  public static MeterRegistry registry(boolean metricsEnabled) {
    return metricsEnabled ? new PrometheusMeterRegistry(PrometheusConfig.DEFAULT) : new SimpleMeterRegistry();
  }

  /** True when {@code registry} is scraped: metrics are on. */
  public static boolean exported(MeterRegistry registry) {
    return registry instanceof PrometheusMeterRegistry;
  }

  /**
   * A Vert.x builder whose built-in metrics (pools, HTTP server, event bus, JVM) go to
   * {@code registry} when it is exported; without metrics, Vert.x records none.
   */
  public static VertxBuilder vertxBuilder(VertxOptions options, MeterRegistry registry) {
    if (!exported(registry)) {
      return io.vertx.core.Vertx.builder().with(options);
    }
    // Vert.x keeps backends in a JVM-wide map by registry name: a name of this registry's own
    // keeps two nodes in one JVM (tests) from sharing the first one's registry
    MicrometerMetricsOptions metrics = vertxOptions()
        .setRegistryName("consolidb-" + Integer.toHexString(System.identityHashCode(registry)));
    return io.vertx.core.Vertx.builder().with(options.setMetricsOptions(metrics))
        .withMetrics(new MicrometerMetricsFactory(registry));
  }

  /**
   * The metrics options a node runs with: JVM metrics, and only labels whose values are bounded.
   * {@link Label#REMOTE} (client ports) and {@link Label#HTTP_PATH} (ids in URLs) are left out;
   * the HTTP route template ({@code /api/v1/restaurants/:id}) and the event-bus address are kept
   * because consolidb's routes and addresses are a fixed set.
   */
  static MicrometerMetricsOptions vertxOptions() {
    return new MicrometerMetricsOptions()
        .setEnabled(true)
        .setJvmMetricsEnabled(true)
        .setLabels(EnumSet.of(Label.HTTP_METHOD, Label.HTTP_CODE, Label.HTTP_ROUTE,
            Label.POOL_TYPE, Label.POOL_NAME, Label.EB_ADDRESS, Label.EB_SIDE, Label.EB_FAILURE))
        .setPrometheusOptions(new VertxPrometheusOptions().setEnabled(true));
  }
}
