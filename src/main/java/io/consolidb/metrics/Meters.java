package io.consolidb.metrics;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.micrometer.Label;
import io.vertx.micrometer.MicrometerMetricsOptions;
import io.vertx.micrometer.VertxPrometheusOptions;
import io.vertx.micrometer.backends.BackendRegistries;
import java.util.EnumSet;

/**
 * Where consolidb's own meters go: the Micrometer registry Vert.x created for the node
 * ({@code DB_ENABLE_METRICS=true}), or a registry that records nothing when metrics are off.
 * Meters are recorded on the hot path straight into the registry (thread-safe), never by sending
 * an event-bus message per query. All consolidb meter names start with {@code consolidb.}
 * (Prometheus: {@code consolidb_}).
 */
public final class Meters {

  /**
   * The name the node's registry is kept under in {@link BackendRegistries}: consolidb's own, so a
   * library using Vert.x's default registry name cannot replace it.
   */
  public static final String REGISTRY_NAME = "consolidb";

  /** A composite with no children: every meter is a no-op. */
  private static final MeterRegistry NONE = new CompositeMeterRegistry();

  private Meters() {
  }

  /**
   * The metrics options a node runs with: Prometheus registry {@link #REGISTRY_NAME}, JVM metrics,
   * and only labels whose values are bounded. {@link Label#REMOTE} (client ports) and
   * {@link Label#HTTP_PATH} (ids in URLs) are left out; the HTTP route template
   * ({@code /api/v1/restaurants/:id}) and the event-bus address are kept because consolidb's
   * routes and addresses are a fixed set.
   */
  public static MicrometerMetricsOptions vertxOptions() {
    return new MicrometerMetricsOptions()
        .setEnabled(true)
        .setRegistryName(REGISTRY_NAME)
        .setJvmMetricsEnabled(true)
        .setLabels(EnumSet.of(Label.HTTP_METHOD, Label.HTTP_CODE, Label.HTTP_ROUTE,
            Label.POOL_TYPE, Label.POOL_NAME, Label.EB_ADDRESS, Label.EB_SIDE, Label.EB_FAILURE))
        .setPrometheusOptions(new VertxPrometheusOptions().setEnabled(true));
  }

  /** The node's registry, or a no-op one when metrics are disabled. */
  public static MeterRegistry registry() {
    MeterRegistry registry = BackendRegistries.getNow(REGISTRY_NAME);
    return registry == null ? NONE : registry;
  }

  /**
   * The registry for meters of {@code vertx}: the node's registry when this Vert.x instance runs
   * with metrics, else a no-op one (another instance in the same JVM may have metrics on).
   */
  public static MeterRegistry registry(Vertx vertx) {
    return vertx.isMetricsEnabled() ? registry() : NONE;
  }

  /** Whether {@code registry} records anything. */
  public static boolean recording(MeterRegistry registry) {
    return registry != NONE;
  }
}
