package io.consolidb.http;

import io.consolidb.config.HttpLimits;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Vertx;
import java.util.EnumMap;
import java.util.Map;

/** One {@link Bulkhead} per {@link RouteClass}, built from the node's limits on the HTTP verticle's context. */
final class Bulkheads {

  private final Map<RouteClass, Bulkhead> bulkheads = new EnumMap<>(RouteClass.class);

  Bulkheads(Vertx vertx, HttpLimits limits, MeterRegistry registry) {
    for (RouteClass routeClass : RouteClass.values()) {
      bulkheads.put(routeClass, new Bulkhead(vertx, routeClass, routeClass.limit(limits), limits.queueWaitMs(),
          registry));
    }
  }

  Bulkhead of(RouteClass routeClass) {
    return bulkheads.get(routeClass);
  }

  /** Drops the meters of every class. */
  void close() {
    bulkheads.values().forEach(Bulkhead::close);
  }
}
