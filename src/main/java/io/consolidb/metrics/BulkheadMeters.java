package io.consolidb.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.IntSupplier;

/**
 * The meters of one HTTP route class's bulkhead, tagged {@code class}: requests in flight and
 * queued now ({@code consolidb.http.bulkhead.in_flight}, {@code .queued}), their limits
 * ({@code .limit}, {@code .queue_limit}) and the requests answered 429
 * ({@code consolidb.http.bulkhead.rejected}, tagged {@code reason}: {@code full} when both were
 * full, {@code waited} when a queued request waited too long). {@link #summary} reads them back
 * for {@code /metrics/summary}.
 */
public final class BulkheadMeters {

  static final String IN_FLIGHT = "consolidb.http.bulkhead.in_flight";
  static final String QUEUED = "consolidb.http.bulkhead.queued";
  static final String LIMIT = "consolidb.http.bulkhead.limit";
  static final String QUEUE_LIMIT = "consolidb.http.bulkhead.queue_limit";
  static final String REJECTED = "consolidb.http.bulkhead.rejected";

  private final Counter full;
  private final Counter waited;
  private final List<Meter> meters;
  private final MeterRegistry registry;

  /**
   * Registers the meters of {@code routeClass}; the suppliers are read by the scraping thread
   * (a plain int read: a value a moment old is fine for a gauge).
   */
  public BulkheadMeters(MeterRegistry registry, String routeClass, IntSupplier inFlight, IntSupplier queued,
      int limit, int queueLimit) {
    this.registry = registry;
    full = rejected(routeClass, "full");
    waited = rejected(routeClass, "waited");
    meters = List.of(full, waited,
        Gauge.builder(IN_FLIGHT, inFlight, IntSupplier::getAsInt).tag("class", routeClass)
            .description("requests of this route class being served").strongReference(true).register(registry),
        Gauge.builder(QUEUED, queued, IntSupplier::getAsInt).tag("class", routeClass)
            .description("requests of this route class waiting for a permit").strongReference(true).register(registry),
        Gauge.builder(LIMIT, () -> limit).tag("class", routeClass)
            .description("requests of this route class served at a time").register(registry),
        Gauge.builder(QUEUE_LIMIT, () -> queueLimit).tag("class", routeClass)
            .description("requests of this route class that may wait").register(registry));
  }

  private Counter rejected(String routeClass, String reason) {
    return Counter.builder(REJECTED).tag("class", routeClass).tag("reason", reason)
        .description("requests answered 429 by the route class's bulkhead").register(registry);
  }

  /** A request found the class and its queue full. */
  public void rejectedFull() {
    full.increment();
  }

  /** A queued request waited longer than the bound. */
  public void rejectedWaited() {
    waited.increment();
  }

  /** Removes the meters (the HTTP verticle stops; a new one registers its own). */
  public void remove() {
    meters.forEach(registry::remove);
  }

  /** Per class: {@code limit, queue_limit, in_flight, queued, rejected_full, rejected_waited}. */
  public static JsonObject summary(MeterRegistry registry) {
    Map<String, JsonObject> classes = new TreeMap<>();
    for (String name : new String[] {LIMIT, QUEUE_LIMIT, IN_FLIGHT, QUEUED}) {
      for (Gauge gauge : registry.find(name).gauges()) {
        classes.computeIfAbsent(gauge.getId().getTag("class"), c -> new JsonObject())
            .put(name.substring(name.lastIndexOf('.') + 1), (long) gauge.value());
      }
    }
    for (Counter counter : registry.find(REJECTED).counters()) {
      classes.computeIfAbsent(counter.getId().getTag("class"), c -> new JsonObject())
          .put("rejected_" + counter.getId().getTag("reason"), (long) counter.count());
    }
    JsonObject summary = new JsonObject();
    classes.forEach(summary::put);
    return summary;
  }
}
