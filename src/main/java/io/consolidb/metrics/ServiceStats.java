package io.consolidb.metrics;

import io.consolidb.FailureCodes;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.distribution.CountAtBucket;
import io.micrometer.core.instrument.distribution.HistogramSnapshot;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.serviceproxy.ServiceException;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Per-service call statistics, recorded straight into the node's registry:
 *
 * <ul>
 *   <li>{@code consolidb.service.calls} {service, method, outcome}: a counter per call, where
 *       outcome is {@code success}, {@code rejected} (the caller's fault: 400, 404, 409, 413) or
 *       {@code failed} (anything else: 429, 503, 504, bugs);
 *   <li>{@code consolidb.service.duration} {service, method}: a timer with a percentile
 *       histogram, so Prometheus can compute quantiles per service across methods.
 * </ul>
 *
 * Tags are low-cardinality by construction: service and method names are constants, never
 * arguments (no ids, no e-mail addresses). {@link #summary(MeterRegistry)} folds the meters into
 * the {@code services} section of {@code /metrics/summary}.
 */
public final class ServiceStats {

  public static final String CALLS = "consolidb.service.calls";
  public static final String DURATION = "consolidb.service.duration";

  private final String service;
  private final MeterRegistry registry;
  /**
   * Meters by method (and outcome), built once: a builder's register() is a registry lookup with
   * its own allocations on every call, on the event loop. Methods are constants, so these stay
   * small; concurrent because in-process callers record from their own threads.
   */
  private final Map<String, Counter> calls = new ConcurrentHashMap<>();
  private final Map<String, Timer> durations = new ConcurrentHashMap<>();

  public ServiceStats(String service, MeterRegistry registry) {
    this.service = service;
    this.registry = registry;
  }

  /** Runs a call and records its outcome and latency once it completes. */
  public <T> Future<T> track(String method, Supplier<Future<T>> call) {
    long started = System.nanoTime();
    return call.get().andThen(done -> record(method, done.failed() ? done.cause() : null,
        System.nanoTime() - started));
  }

  /** Records one completed call ({@code failure} null when it succeeded). */
  public void record(String method, Throwable failure, long nanos) {
    String outcome = outcome(failure);
    calls.computeIfAbsent(method + '\n' + outcome, key -> Counter.builder(CALLS)
        .description("Service calls by service, method and outcome")
        .tags("service", service, "method", method, "outcome", outcome)
        .register(registry)).increment();
    durations.computeIfAbsent(method, key -> Timer.builder(DURATION)
        .description("Service call latency")
        .tags("service", service, "method", method)
        .publishPercentileHistogram()
        .minimumExpectedValue(Duration.ofMillis(1))
        .maximumExpectedValue(Duration.ofSeconds(30))
        .register(registry)).record(nanos, TimeUnit.NANOSECONDS);
  }

  /** {@code success}, {@code rejected} for a caller's mistake, {@code failed} otherwise. */
  static String outcome(Throwable failure) {
    if (failure == null) {
      return "success";
    }
    if (failure instanceof ServiceException e) {
      int code = e.failureCode();
      if (code == FailureCodes.INVALID_INPUT || code == FailureCodes.NOT_FOUND
          || code == FailureCodes.CONFLICT || code == FailureCodes.PAYLOAD_TOO_LARGE) {
        return "rejected";
      }
    }
    return "failed";
  }

  /**
   * {@code {service: {calls, errors, rejected, avg_ms, p95_ms}}} since the node started:
   * {@code errors} counts the failed calls (the service's fault), {@code rejected} the calls
   * refused for the caller's input; {@code p95_ms} is read from the merged latency histograms of
   * the service's methods (an upper bucket bound, so accurate to the bucket width, ~10%).
   */
  public static JsonObject summary(MeterRegistry registry) {
    Map<String, long[]> counts = new TreeMap<>(); // service -> {calls, errors, rejected}
    for (Counter counter : registry.find(CALLS).counters()) {
      long[] c = counts.computeIfAbsent(counter.getId().getTag("service"), s -> new long[3]);
      long n = (long) counter.count();
      c[0] += n;
      String outcome = counter.getId().getTag("outcome");
      if ("failed".equals(outcome)) {
        c[1] += n;
      } else if ("rejected".equals(outcome)) {
        c[2] += n;
      }
    }
    Map<String, Latency> latencies = new TreeMap<>();
    for (Timer timer : registry.find(DURATION).timers()) {
      latencies.computeIfAbsent(timer.getId().getTag("service"), s -> new Latency()).add(timer);
    }
    JsonObject summary = new JsonObject();
    for (Map.Entry<String, long[]> entry : counts.entrySet()) {
      Latency latency = latencies.getOrDefault(entry.getKey(), new Latency());
      summary.put(entry.getKey(), new JsonObject()
          .put("calls", entry.getValue()[0])
          .put("errors", entry.getValue()[1])
          .put("rejected", entry.getValue()[2])
          .put("avg_ms", round(latency.count == 0 ? 0 : latency.totalMs / latency.count))
          .put("p95_ms", round(latency.percentileMs(0.95))));
    }
    return summary;
  }

  private static double round(double ms) {
    return Math.round(ms * 1000.0) / 1000.0;
  }

  /** The latency histograms of one service's methods, merged bucket by bucket. */
  private static final class Latency {
    long count;
    double totalMs;
    double maxMs;
    /** bucket upper bound in ms -> cumulative count of calls at most that long */
    final TreeMap<Double, Double> buckets = new TreeMap<>();

    void add(Timer timer) {
      HistogramSnapshot snapshot = timer.takeSnapshot();
      count += snapshot.count();
      totalMs += snapshot.total(TimeUnit.MILLISECONDS);
      maxMs = Math.max(maxMs, snapshot.max(TimeUnit.MILLISECONDS));
      for (CountAtBucket bucket : snapshot.histogramCounts()) {
        buckets.merge(bucket.bucket(TimeUnit.MILLISECONDS), bucket.count(), Double::sum);
      }
    }

    double percentileMs(double quantile) {
      if (count == 0) {
        return 0;
      }
      double wanted = quantile * count;
      for (Map.Entry<Double, Double> bucket : buckets.entrySet()) {
        if (bucket.getValue() >= wanted) {
          // a bucket bound above the slowest recent call says less than that call itself
          // (the max decays after a while: 0 then means "unknown")
          return maxMs > 0 ? Math.min(bucket.getKey(), maxMs) : bucket.getKey();
        }
      }
      return maxMs > 0 || buckets.isEmpty() ? maxMs : buckets.lastKey();
    }
  }
}
