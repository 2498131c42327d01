package io.consolidb.metrics;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import io.vertx.micrometer.backends.BackendRegistries;

/**
 * Where consolidb's own meters go: the Micrometer registry Vert.x created for the node
 * ({@code DB_ENABLE_METRICS=true}), or a registry that records nothing when metrics are off.
 * Meters are recorded on the hot path straight into the registry (thread-safe), never by sending
 * an event-bus message per query. All consolidb meter names start with {@code consolidb.}
 * (Prometheus: {@code consolidb_}).
 */
public final class Meters {

  /** A composite with no children: every meter is a no-op. */
  private static final MeterRegistry NONE = new CompositeMeterRegistry();

  private Meters() {
  }

  /** The node's registry, or a no-op one when metrics are disabled. */
  public static MeterRegistry registry() {
    MeterRegistry registry = BackendRegistries.getDefaultNow();
    return registry == null ? NONE : registry;
  }
}
