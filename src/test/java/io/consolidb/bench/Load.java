package io.consolidb.bench;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

/** Closed-loop load inside one JVM: a fixed number of requests in flight, each replaced as it ends. */
public final class Load {

  private Load() {
  }

  /** Completed operations per second with {@code concurrency} in flight for {@code millis}. */
  public static double throughput(Vertx vertx, int concurrency, long millis, Supplier<Future<?>> operation)
      throws Exception {
    Context context = vertx.getOrCreateContext();
    Promise<Long> done = Promise.promise();
    long[] completed = {0};
    int[] running = {concurrency};
    AtomicReference<Throwable> failure = new AtomicReference<>();
    long[] window = new long[2];
    context.runOnContext(v -> {
      window[0] = System.nanoTime();
      long deadline = window[0] + TimeUnit.MILLISECONDS.toNanos(millis);
      for (int i = 0; i < concurrency; i++) {
        next(operation, deadline, completed, running, failure, done, window);
      }
    });
    long count = done.future().await(millis + 60_000, TimeUnit.MILLISECONDS);
    if (failure.get() != null) {
      throw new IllegalStateException("load failed", failure.get());
    }
    return count / ((window[1] - window[0]) / 1e9);
  }

  private static void next(Supplier<Future<?>> operation, long deadline, long[] completed, int[] running,
      AtomicReference<Throwable> failure, Promise<Long> done, long[] window) {
    if (System.nanoTime() >= deadline || failure.get() != null) {
      if (--running[0] == 0) {
        window[1] = System.nanoTime();
        done.complete(completed[0]);
      }
      return;
    }
    operation.get().onComplete(ar -> {
      if (ar.failed()) {
        failure.compareAndSet(null, ar.cause());
      } else {
        completed[0]++;
      }
      next(operation, deadline, completed, running, failure, done, window);
    });
  }

  /** Latencies in microseconds of {@code count} operations issued one after another. */
  static double[] sequentialLatenciesMicros(Vertx vertx, int count, Supplier<Future<?>> operation) throws Exception {
    Context context = vertx.getOrCreateContext();
    double[] latencies = new double[count];
    Promise<Void> done = Promise.promise();
    context.runOnContext(v -> sequential(operation, latencies, 0, done));
    done.future().await(10, TimeUnit.MINUTES);
    return latencies;
  }

  private static void sequential(Supplier<Future<?>> operation, double[] latencies, int i, Promise<Void> done) {
    if (i == latencies.length) {
      done.complete();
      return;
    }
    long start = System.nanoTime();
    operation.get().onComplete(ar -> {
      if (ar.failed()) {
        done.fail(ar.cause());
        return;
      }
      latencies[i] = (System.nanoTime() - start) / 1000.0;
      sequential(operation, latencies, i + 1, done);
    });
  }

  static double percentile(double[] values, double p) {
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    int index = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
    return sorted[Math.max(0, Math.min(sorted.length - 1, index))];
  }
}
