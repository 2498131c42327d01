package io.consolidb.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.TimeUnit;

/**
 * The node's recent HTTP traffic, sampled from its own registry into a bounded ring: each
 * {@link #sample} turns the growth of Vert.x's {@code vertx.http.server.requests} counter and
 * {@code vertx.http.server.response.time} timer since the previous sample into a request rate and
 * a mean latency over that interval. One ring per node, filled on a timer, so every viewer of the
 * status page sees the same history whenever it opened the page.
 *
 * <p>The mean, not a percentile: the node's Vert.x timers publish no histogram (buckets for every
 * route × method × code would multiply the series Prometheus stores), and a per-interval mean
 * needs only their count and total. Requests of the routes starting with {@code excludedRoutes}
 * are left out (the status page's own polling would otherwise draw a floor under the graph).
 * Not thread-safe: call from one context.
 */
public final class TrafficSeries {

  static final String REQUESTS = "vertx.http.server.requests";
  static final String RESPONSE_TIME = "vertx.http.server.response.time";

  private record Totals(double requests, long timed, double totalMs) {
  }

  private final MeterRegistry registry;
  private final int capacity;
  private final String excludedRoutes;
  private final Deque<JsonObject> samples = new ArrayDeque<>();
  private Totals previous;
  private Instant previousAt;

  /**
   * @param capacity how many samples the ring keeps
   * @param excludedRoutes requests whose route template starts with this are not counted
   */
  public TrafficSeries(MeterRegistry registry, int capacity, String excludedRoutes) {
    if (capacity < 2) {
      throw new IllegalArgumentException("capacity must be at least 2, got " + capacity);
    }
    this.registry = registry;
    this.capacity = capacity;
    this.excludedRoutes = excludedRoutes;
  }

  /** Whether the registry holds Vert.x's HTTP meters at all (metrics on). */
  public boolean available() {
    return Meters.exported(registry);
  }

  /** Reads the meters; from the second call on, adds one sample for the interval since the last. */
  public void sample(Instant now) {
    Totals totals = totals();
    if (previous != null) {
      double seconds = Math.max(0.001, (now.toEpochMilli() - previousAt.toEpochMilli()) / 1000.0);
      double requests = Math.max(0, totals.requests - previous.requests);
      long timed = Math.max(0, totals.timed - previous.timed);
      double totalMs = Math.max(0, totals.totalMs - previous.totalMs);
      JsonObject sample = new JsonObject()
          .put("at", now.toString())
          .put("requests_per_second", round(requests / seconds))
          .put("mean_ms", timed == 0 ? null : round(totalMs / timed));
      if (samples.size() == capacity) {
        samples.removeFirst();
      }
      samples.addLast(sample);
    }
    previous = totals;
    previousAt = now;
  }

  /** The samples, oldest first. */
  public JsonArray toJson() {
    JsonArray out = new JsonArray();
    samples.forEach(s -> out.add(s.copy()));
    return out;
  }

  private Totals totals() {
    double requests = 0;
    for (Counter counter : registry.find(REQUESTS).counters()) {
      if (counted(counter.getId().getTag("route"))) {
        requests += counter.count();
      }
    }
    long timed = 0;
    double totalMs = 0;
    for (Timer timer : registry.find(RESPONSE_TIME).timers()) {
      if (counted(timer.getId().getTag("route"))) {
        timed += timer.count();
        totalMs += timer.totalTime(TimeUnit.MILLISECONDS);
      }
    }
    return new Totals(requests, timed, totalMs);
  }

  private boolean counted(String route) {
    return route == null || !route.startsWith(excludedRoutes);
  }

  private static double round(double value) {
    return Math.round(value * 100) / 100.0;
  }
}
